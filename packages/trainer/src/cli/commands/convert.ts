import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  backendFlag,
  checkFlags,
  initBackend,
  readCommandLine,
  UsageError,
  writeFileAtomic,
} from '@mmnet/core-tensors';
import { loadTorchCheckpoint } from '@mmnet/torch-import';
import { z } from 'zod';
import { RunDirectory } from '../../checkpoint/run-directory.js';
import { trainConfigSchema } from '../../config/train-config.js';
import { convertClevrIepCheckpoint } from '../../convert/clevr-iep.js';
import { convertReferenceStateDict } from '../../convert/reference.js';
import { datasetFiles } from '../../data/dataset-files.js';
import { readVocabFile, vocabHash } from '../../data/vocab-file.js';
import { createModel } from '../../models/create-model.js';
import type { ModelRegistry } from '../../models/registry.js';
import type { CliIo } from '../io.js';

export const CONVERT_SOURCES = ['clevr-iep', 'reference'] as const;

const convertSchema = z
  .object({
    from: z
      .enum(CONVERT_SOURCES, { error: `must be one of ${CONVERT_SOURCES.join(', ')}` })
      .meta({ description: 'what the checkpoint is' }),
    checkpoint: z.string().min(1).meta({
      description: 'the PyTorch checkpoint (or give it as the one argument that is not a flag)',
      value: 'FILE.pt',
    }),
    out: z.string().min(1).meta({ description: 'the run folder to write', value: 'DIR' }),
    vocab: z.string().min(1).optional().meta({
      description: "reference: the dataset's vocab.json (its state dicts record none)",
      value: 'FILE',
      default: '<clevr_dataset>/vocab.json',
    }),
    clevr_dataset: z
      .string()
      .min(1)
      .default('data')
      .meta({ description: 'dataset folder eval and predict use by default', value: 'DIR' }),
    backend: backendFlag(),
  })
  .strict();

const CONVERT_HELP = {
  usage: 'mmnet convert --from clevr-iep|reference CHECKPOINT.pt --out RUN_DIR',
  summary:
    "Converts a PyTorch checkpoint (clevr-iep's program generator + execution engine, or a state dict of the reference's PG, PG_memory or SAN) to an mmnet run folder.",
};

/**
 * `mmnet convert --from clevr-iep CHECKPOINT.pt --out RUN_DIR` (or `--from reference STATE_DICT.model --vocab
 * vocab.json`): reads a PyTorch checkpoint (no Python; a restricted unpickler), converts it to mmnet's model,
 * checks that every parameter loads into that model, and writes a run folder (run.json, checkpoints/, vocab.json)
 * that `mmnet eval` and `mmnet predict` use.
 */
export async function convertCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const read = readCommandLine(argv, convertSchema, CONVERT_HELP, io.out, { positionals: true });
  if (!read) return 0;
  const { values, positionals } = read;
  if (positionals.length > 1) throw new UsageError(`one checkpoint at a time, got ${positionals.join(', ')}`);
  if (positionals.length === 1) {
    if (values.checkpoint !== undefined)
      throw new UsageError(`--checkpoint: given twice (as a flag and as ${positionals[0]})`);
    values.checkpoint = positionals[0];
  }
  const opts = checkFlags(values, convertSchema);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(opts.checkpoint);
  } catch (error) {
    throw new Error(`${opts.checkpoint}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const loaded = loadTorchCheckpoint(bytes, opts.checkpoint);
  const converted =
    opts.from === 'clevr-iep'
      ? convertClevrIepCheckpoint(loaded, opts.checkpoint)
      : convertReferenceStateDict(
          loaded,
          readVocabFile(opts.vocab ?? datasetFiles(opts.clevr_dataset).vocab),
          opts.checkpoint,
        );
  const config = trainConfigSchema.parse({ ...converted.config, clevr_dataset: opts.clevr_dataset });
  // The feature shape the model is built for: the executor's (IEP) or the model's own config (PG, PG_memory,
  // SAN: any size).
  const sizes = (config.model_config.executor ?? config.model_config) as {
    height?: number;
    width?: number;
    inChannels: number;
  };
  // The model the run describes must take every converted parameter, each with its shape.
  await initBackend({ prefer: opts.backend, log: (line) => io.err(line) });
  const model = await createModel(
    config,
    converted.vocab,
    [sizes.height ?? 14, sizes.width ?? 14, sizes.inChannels],
    registry,
  );
  try {
    model.store.assign(converted.tensors, { strict: true, source: opts.checkpoint });
  } finally {
    model.dispose();
  }
  const dir = new RunDirectory(opts.out);
  if (dir.hasManifest()) throw new Error(`${opts.out}: already holds a run (run.json); choose another --out`);
  dir.ensure();
  writeFileAtomic(dir.path('vocab.json'), `${JSON.stringify(converted.vocab)}\n`);
  dir.commit(
    0,
    converted.tensors,
    {
      config,
      vocab_hash: vocabHash(converted.vocab),
      step: 0,
      converted_from: { kind: opts.from, file: basename(opts.checkpoint) },
    },
    { isBest: true },
  );
  const count = Object.keys(converted.tensors).length;
  io.out(
    `converted ${opts.checkpoint} (${opts.from}): ${count} tensors, model ${config.model}; run in ${opts.out}` +
      (converted.skipped.length ? ` (${converted.skipped.length} unused entries skipped)` : ''),
  );
  return 0;
}
