import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type FeatureExtractor, normalizePixels, pixelNormalizationSchema } from '@mmnet/clevr-data';
import { tf } from '@mmnet/core-tensors';
import * as tfconv from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';

export const tfjsModelExtractorConfigSchema = z.object({
  /** Path to a tfjs `model.json` (graph model or layers model), weights next to it. */
  modelPath: z.string().min(1),
  /** Graph model: node name; layers model: layer name. Default: the model's (single) output. */
  outputNode: z.string().min(1).optional(),
  normalization: pixelNormalizationSchema.default('imagenet'),
});
export type TfjsModelExtractorConfig = z.input<typeof tfjsModelExtractorConfigSchema>;

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: unknown;
  trainingConfig?: tf.io.TrainingConfig;
}

/**
 * An IO handler that loads a tfjs model saved on disk (`model.json` + weight shards), for Node where tfjs'
 * `file://` handler needs tfjs-node. Errors name the file.
 */
export async function loadModelArtifactsFromDisk(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  } catch (err) {
    throw new Error(`${modelJsonPath}: cannot read a tfjs model.json (${(err as Error).message})`);
  }
  if (!json || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new Error(`${modelJsonPath}: not a tfjs model.json (no "modelTopology")`);
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const file = resolve(dirname(modelJsonPath), p);
      try {
        buffers.push(await readFile(file));
      } catch (err) {
        throw new Error(`${file}: cannot read weights of ${modelJsonPath} (${(err as Error).message})`);
      }
    }
  }
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs,
    weightData: weightData.buffer,
    signature: json.signature as tf.io.ModelArtifacts['signature'],
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
    modelInitializer: json.modelInitializer as tf.io.ModelArtifacts['modelInitializer'],
    trainingConfig: json.trainingConfig,
  };
}

function isGraphModel(artifacts: tf.io.ModelArtifacts): boolean {
  if (artifacts.format === 'graph-model') return true;
  if (artifacts.format === 'layers-model') return false;
  const topology = artifacts.modelTopology as Record<string, unknown>;
  return Array.isArray(topology.node);
}

/**
 * A feature extractor running a tfjs graph or layers model from disk, taking the output of `outputNode` (e.g.
 * a ResNet's conv4 block). The output must be 4-D (NHWC).
 */
export async function loadTfjsModelExtractor(
  input: { height: number; width: number },
  config: TfjsModelExtractorConfig,
): Promise<FeatureExtractor> {
  const cfg = tfjsModelExtractorConfigSchema.parse(config);
  const artifacts = await loadModelArtifactsFromDisk(cfg.modelPath);
  const where = `${cfg.modelPath}${cfg.outputNode ? ` (output node "${cfg.outputNode}")` : ''}`;
  let run: (x: tf.Tensor4D) => tf.Tensor;
  let dispose: () => void;
  if (isGraphModel(artifacts)) {
    let model: tfconv.GraphModel;
    try {
      model = await tfconv.loadGraphModel(tf.io.fromMemory(artifacts));
    } catch (err) {
      throw new Error(`${cfg.modelPath}: cannot load graph model (${(err as Error).message})`);
    }
    run = (x) => {
      const out = cfg.outputNode ? model.execute(x, cfg.outputNode) : model.execute(x);
      if (Array.isArray(out)) {
        out.forEach((t) => t.dispose());
        throw new Error(`${where}: the model has several outputs; name one with an output node`);
      }
      return out;
    };
    dispose = () => model.dispose();
  } else {
    let model: tfl.LayersModel;
    try {
      model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    } catch (err) {
      throw new Error(`${cfg.modelPath}: cannot load layers model (${(err as Error).message})`);
    }
    let head = model;
    if (cfg.outputNode) {
      let layer: tfl.layers.Layer;
      try {
        layer = model.getLayer(cfg.outputNode);
      } catch {
        const names = model.layers.map((l) => l.name).join(', ');
        model.dispose();
        throw new Error(`${cfg.modelPath}: no layer named "${cfg.outputNode}" (layers: ${names})`);
      }
      head = tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor });
    }
    run = (x) => {
      const out = head.predict(x);
      if (Array.isArray(out)) {
        out.forEach((t) => t.dispose());
        throw new Error(`${where}: the model has several outputs; name one with an output node`);
      }
      return out;
    };
    dispose = () => model.dispose();
  }
  const runChecked = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      let out: tf.Tensor;
      try {
        out = run(normalizePixels(x, cfg.normalization));
      } catch (err) {
        throw new Error(`${where}: inference failed (${(err as Error).message})`);
      }
      if (out.rank !== 4)
        throw new Error(`${where}: output has shape [${out.shape}], expected 4-D [N, H, W, C]`);
      return tf.cast(out, 'float32') as tf.Tensor4D;
    });
  const probe = tf.zeros([1, input.height, input.width, 3]) as tf.Tensor4D;
  let shape: number[];
  try {
    const out = runChecked(probe);
    shape = out.shape.slice(1);
    out.dispose();
  } catch (err) {
    dispose();
    throw err;
  } finally {
    probe.dispose();
  }
  const base =
    cfg.modelPath
      .replace(/[\\/]model\.json$/, '')
      .split(/[\\/]/)
      .pop() ?? 'model';
  return {
    name: `tfjs:${base}${cfg.outputNode ? `:${cfg.outputNode}` : ''}:${cfg.normalization}`,
    outputShape: shape as [number, number, number],
    extract: runChecked,
    dispose,
  };
}
