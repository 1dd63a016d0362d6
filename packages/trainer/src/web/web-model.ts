import { type FeatureExtractor, formatZodError, rawPixelsExtractor } from '@mmnet/clevr-data';
import { builtinExtractorFromBytes } from '@mmnet/clevr-synth';
import { decodeSafetensors, parseCheckpoint } from '@mmnet/core-tensors';
import { vocabFromJson } from '@mmnet/programs';
import { z } from 'zod';
import type { FeatureSource } from '../data/feature-source.js';
import { builtinModels } from '../models/builtin-models.js';
import { modelFromCheckpoint } from '../models/model-from-checkpoint.js';
import type { ModelRegistry } from '../models/registry.js';
import { Predictor } from '../predict/predictor.js';

/** `format` of the manifest `mmnet export --web` writes. */
export const WEB_MODEL_FORMAT = 'mmnet-web-model-v1';
/** The manifest's file name in an exported folder. */
export const WEB_MODEL_MANIFEST = 'mmnet-web.json';

/**
 * What a web page needs to answer questions like `mmnet predict`: the model's weights and train config (in
 * `weights`, a safetensors file), the vocabulary, and the feature extractor with the image size its features
 * were extracted at.
 */
export const webModelManifestSchema = z
  .object({
    format: z.literal(WEB_MODEL_FORMAT),
    /** The model name (PG, PG_memory, ...), as in its train config. */
    model: z.string().min(1),
    weights: z.string().min(1),
    vocab: z.string().min(1),
    /** [H, W, C] of one image's features. */
    featureShape: z.tuple([
      z.number().int().positive(),
      z.number().int().positive(),
      z.number().int().positive(),
    ]),
    extractor: z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('builtin'),
        /** `builtin-v1-<hash>`: the name the feature files record; the weights file must hash to it. */
        name: z.string().min(1),
        weights: z.string().min(1),
      }),
      z.object({ kind: z.literal('raw'), grid: z.number().int().positive(), positionChannels: z.boolean() }),
    ]),
    /** Images are stretched to this size before feature extraction, as the dataset's were. */
    imageHeight: z.number().int().positive(),
    imageWidth: z.number().int().positive(),
    /** Where it came from (shown by the page). */
    source: z.object({ checkpoint: z.string(), step: z.number().int().nonnegative().optional() }).loose(),
    /** Example questions in words for the page to suggest. */
    questions: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type WebModelManifest = z.output<typeof webModelManifestSchema>;

/** Reads a file of an exported folder by its name (fetch in a page, readFile in Node); errors name the file. */
export type ReadWebFile = (name: string) => Promise<Uint8Array>;

/** Parses a manifest; errors name the file and the field. */
export function parseWebModelManifest(text: string, source = WEB_MODEL_MANIFEST): WebModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${error instanceof Error ? error.message : error})`);
  }
  const parsed = webModelManifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${source}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** The feature extractor a manifest names, from the exported folder's files. */
async function webExtractor(manifest: WebModelManifest, read: ReadWebFile): Promise<FeatureExtractor> {
  const input = { height: manifest.imageHeight, width: manifest.imageWidth };
  const spec = manifest.extractor;
  if (spec.kind === 'raw')
    return rawPixelsExtractor(input, { grid: spec.grid, positionChannels: spec.positionChannels });
  const extractor = builtinExtractorFromBytes(await read(spec.weights), input, spec.weights);
  if (extractor.name !== spec.name) {
    extractor.dispose();
    throw new Error(
      `${spec.weights}: these weights are ${extractor.name}, the model was trained on features of ${spec.name}`,
    );
  }
  return extractor;
}

/**
 * Loads an exported model (`mmnet export --web`) as a `Predictor`: the same model code and feature extractor as
 * `mmnet predict`, from files read by `read` (no file system: a web page fetches them).
 */
export async function loadWebModel(
  read: ReadWebFile,
  registry: ModelRegistry = builtinModels(),
): Promise<{ predictor: Predictor; manifest: WebModelManifest }> {
  const manifest = parseWebModelManifest(new TextDecoder().decode(await read(WEB_MODEL_MANIFEST)));
  const vocab = vocabFromJson(new TextDecoder().decode(await read(manifest.vocab)), manifest.vocab);
  const checkpoint = parseCheckpoint(decodeSafetensors(await read(manifest.weights), manifest.weights));
  const extractor = await webExtractor(manifest, read);
  const [fh, fw, fc] = manifest.featureShape;
  const [eh, ew, ec] = extractor.outputShape;
  if (fh !== eh || fw !== ew || fc !== ec) {
    extractor.dispose?.();
    throw new Error(
      `${WEB_MODEL_MANIFEST}: featureShape [${manifest.featureShape}] but the extractor makes [${extractor.outputShape}]`,
    );
  }
  const source: FeatureSource = {
    extractor,
    imageHeight: manifest.imageHeight,
    imageWidth: manifest.imageWidth,
  };
  try {
    const { model } = await modelFromCheckpoint(
      manifest.weights,
      checkpoint,
      vocab,
      manifest.featureShape,
      registry,
    );
    return { predictor: new Predictor(model, vocab, source), manifest };
  } catch (error) {
    extractor.dispose?.();
    throw error;
  }
}
