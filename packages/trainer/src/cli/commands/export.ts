import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type FeatureExtractor, rawPixelsExtractor } from '@mmnet/clevr-data';
import {
  builtinExtractorFromBytes,
  builtinExtractorNameOf,
  defaultBuiltinWeightsPath,
} from '@mmnet/clevr-synth';
import {
  checkFlags,
  encodeSafetensors,
  flagSwitch,
  initBackend,
  readCommandLine,
  UsageError,
  writeFileAtomic,
} from '@mmnet/core-tensors';
import { z } from 'zod';
import { datasetFiles } from '../../data/dataset-files.js';
import { readFeatureMeta } from '../../data/feature-source.js';
import { readVocabFile } from '../../data/vocab-file.js';
import { checkpointConfig } from '../../models/model-from-checkpoint.js';
import type { ModelRegistry } from '../../models/registry.js';
import { loadTrainedModel, resolveCheckpoint } from '../../models/trained-model.js';
import { WEB_MODEL_FORMAT, WEB_MODEL_MANIFEST, type WebModelManifest } from '../../web/web-model.js';
import type { CliIo } from '../io.js';

const exportSchema = z
  .object({
    web: flagSwitch()
      .refine((on) => on, 'is required (mmnet export --web RUN OUT)')
      .meta({ description: 'write the files a web page needs (the only export format)' }),
    clevr_dataset: z.string().min(1).optional().meta({
      description: 'dataset folder (vocab and feature extractor)',
      value: 'DIR',
      default: 'the one the model was trained on',
    }),
    questions: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'a JSON list of questions in words the page suggests', value: 'FILE' }),
  })
  .strict();

const EXPORT_HELP = {
  usage: 'mmnet export --web RUN OUT [--clevr_dataset DIR] [--questions FILE]',
  summary:
    "Writes what a web page needs to answer questions with a trained run (examples/web-demo): the model's weights, its train config, the vocabulary and the feature extractor, into the folder OUT.",
};

const questionsSchema = z.array(z.string().min(1));

/**
 * `mmnet export --web RUN OUT`: the run's best (else latest) checkpoint as the files of a web page: the model's
 * weights without optimiser state (model.safetensors, with its train config), vocab.json, the feature
 * extractor's weights and mmnet-web.json naming them (`loadWebModel` reads it).
 */
export async function exportCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const read = readCommandLine(argv, exportSchema, EXPORT_HELP, io.out, { positionals: true });
  if (!read) return 0;
  const { values, positionals: args } = read;
  const opts = checkFlags(values, exportSchema);
  if (args.length !== 2)
    throw new UsageError(
      `give the run folder and the output folder: mmnet export --web RUN OUT (got ${args.length} arguments)`,
    );
  const [run, out] = args;
  if (!existsSync(run) || !statSync(run).isDirectory()) throw new Error(`${run}: no such run folder`);
  let questions: string[] | undefined;
  if (opts.questions) {
    let parsed: z.ZodSafeParseResult<string[]>;
    try {
      parsed = questionsSchema.safeParse(JSON.parse(readFileSync(opts.questions, 'utf8')));
    } catch (error) {
      throw new Error(
        `${opts.questions}: cannot read questions (${error instanceof Error ? error.message : error})`,
      );
    }
    if (!parsed.success) throw new Error(`${opts.questions}: expected a JSON list of questions in words`);
    questions = parsed.data;
  }
  await initBackend({ log: null });
  const { file, checkpoint } = resolveCheckpoint({ run });
  const config = checkpointConfig(checkpoint, file);
  const files = datasetFiles(opts.clevr_dataset ?? config.clevr_dataset);
  for (const needed of [files.vocab, files.trainFeatures])
    if (!existsSync(needed))
      throw new Error(
        `${needed}: missing (the dataset ${file} was trained on; give --clevr_dataset DIR if it moved)`,
      );
  const vocab = readVocabFile(files.vocab);
  const meta = await readFeatureMeta(files.trainFeatures);
  const size = /^(\d+)x(\d+)$/.exec(meta.image_size ?? '');
  if (!meta.extractor || !size)
    throw new Error(
      `${files.trainFeatures}: no extractor name / image size recorded (meta_extractor, meta_image_size)`,
    );
  const imageHeight = Number(size[1]);
  const imageWidth = Number(size[2]);
  const input = { height: imageHeight, width: imageWidth };
  const raw = /^raw-(\d+)(-pos)?$/.exec(meta.extractor);
  let extractor: WebModelManifest['extractor'];
  let extractorBytes: Uint8Array | undefined;
  let probe: FeatureExtractor;
  if (raw) {
    extractor = { kind: 'raw', grid: Number(raw[1]), positionChannels: Boolean(raw[2]) };
    probe = rawPixelsExtractor(input, { grid: extractor.grid, positionChannels: extractor.positionChannels });
  } else if (meta.extractor.startsWith('builtin-v1-')) {
    const weightsPath = defaultBuiltinWeightsPath();
    extractorBytes = readFileSync(weightsPath);
    const installed = builtinExtractorNameOf(extractorBytes);
    if (installed !== meta.extractor)
      throw new Error(
        `${files.trainFeatures}: made by the built-in CNN with other weights (${meta.extractor}) than the installed ones (${installed})`,
      );
    extractor = { kind: 'builtin', name: installed, weights: 'extractor.safetensors' };
    probe = builtinExtractorFromBytes(extractorBytes, input, weightsPath);
  } else
    throw new Error(
      `${files.trainFeatures}: features of extractor "${meta.extractor}"; a web page can run the built-in CNN and raw-<grid> extractors only`,
    );
  const featureShape = probe.outputShape;
  probe.dispose?.();
  const { model } = await loadTrainedModel(file, checkpoint, vocab, featureShape, registry);
  try {
    if (!model.predictsPrograms && model.executesGivenPrograms)
      throw new Error(
        `${file}: model_config.programGenerator: this ${model.name} run has no program generator, and a web page answers questions in words only (train it with model_config.programGenerator)`,
      );
  } finally {
    model.dispose();
  }
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, value] of Object.entries(checkpoint.tensors))
    if (!name.startsWith('optim/'))
      tensors[name] = { shape: value.shape, data: Float32Array.from(value.data) };
  const metadata: Record<string, string> = { config: JSON.stringify(checkpoint.metadata.config) };
  if (checkpoint.metadata.model_state !== undefined)
    metadata.model_state = JSON.stringify(checkpoint.metadata.model_state);
  const step = typeof checkpoint.metadata.step === 'number' ? checkpoint.metadata.step : undefined;
  const manifest: WebModelManifest = {
    format: WEB_MODEL_FORMAT,
    model: config.model,
    weights: 'model.safetensors',
    vocab: 'vocab.json',
    featureShape,
    extractor,
    imageHeight,
    imageWidth,
    source: {
      checkpoint: relative(dirname(resolve(run)), resolve(file)),
      ...(step !== undefined ? { step } : {}),
    },
    ...(questions ? { questions } : {}),
  };
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, manifest.weights), encodeSafetensors(tensors, metadata));
  writeFileAtomic(join(out, manifest.vocab), `${JSON.stringify(vocab)}\n`);
  if (extractorBytes && extractor.kind === 'builtin')
    writeFileAtomic(join(out, extractor.weights), extractorBytes);
  writeFileAtomic(join(out, WEB_MODEL_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  const written = [WEB_MODEL_MANIFEST, manifest.weights, manifest.vocab];
  if (extractor.kind === 'builtin') written.push(extractor.weights);
  io.out(`${out}: ${config.model} from ${file} for a web page (${written.join(', ')})`);
  return 0;
}
