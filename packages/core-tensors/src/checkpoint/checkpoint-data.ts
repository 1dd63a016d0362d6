import type { NamedArray, ParameterStore } from '../params/parameter-store.js';
import { entryToFloat32, type SafetensorsFile } from './safetensors-format.js';

/**
 * Checkpoints as data: parsing safetensors contents, loading them into a parameter store and converting PyTorch
 * layouts. No file access, so it runs in a browser bundle (checkpoint-files.ts reads and writes files).
 */

/** Metadata values are JSON-encoded into the safetensors `__metadata__` string map under these keys. */
export type CheckpointMetadata = Record<string, unknown>;

export interface Checkpoint {
  tensors: Record<string, NamedArray>;
  metadata: CheckpointMetadata;
}

/** Decodes a safetensors file into float32 arrays and parsed metadata; errors name the file. */
export function parseCheckpoint(file: SafetensorsFile): Checkpoint {
  const tensors: Record<string, NamedArray> = {};
  for (const [name, entry] of Object.entries(file.tensors)) {
    tensors[name] = { shape: entry.shape, data: entryToFloat32(entry), storedAs: entry.dtype };
  }
  const metadata: CheckpointMetadata = {};
  for (const [k, v] of Object.entries(file.metadata)) {
    try {
      metadata[k] = JSON.parse(v);
    } catch {
      metadata[k] = v; // files from other tools keep plain strings
    }
  }
  return { tensors, metadata };
}

/** Keys whose values differ between two configs (deep, by JSON), as dotted paths. */
export function configDifferences(expected: unknown, actual: unknown, path = ''): string[] {
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(expected) && isObj(actual)) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
    return keys.flatMap((k) => configDifferences(e[k], a[k], path ? `${path}.${k}` : k));
  }
  return [`${path || '(root)'}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`];
}

export interface LoadParametersOptions {
  /** Only parameters under these name prefixes are loaded (and required), e.g. ['programGenerator']. */
  prefixes?: string[];
  /** Every parameter under `prefixes` must be present (default true). */
  strict?: boolean;
  /** When given, the checkpoint's `config` metadata must equal it (a clear error lists the differences). */
  expectConfig?: unknown;
  /** The metadata key that holds the config (default `config`). */
  configKey?: string;
}

/** Loads a checkpoint's parameters into a store; never evaluates code from the file. */
export function loadParametersInto(
  store: ParameterStore,
  checkpoint: Checkpoint,
  source: string,
  options: LoadParametersOptions = {},
) {
  if (options.expectConfig !== undefined) {
    const found = checkpoint.metadata[options.configKey ?? 'config'];
    const diffs = configDifferences(options.expectConfig, found);
    if (diffs.length) throw new Error(`${source}: config mismatch: ${diffs.slice(0, 5).join('; ')}`);
  }
  const prefixes = options.prefixes ?? [];
  const selected: Record<string, NamedArray> = {};
  for (const [name, value] of Object.entries(checkpoint.tensors)) {
    if (prefixes.length && !prefixes.some((p) => name === p || name.startsWith(`${p}.`))) continue;
    if (!store.has(name) && !prefixes.length && name.includes('/')) continue; // optimiser state etc.
    selected[name] = value;
  }
  store.assign(selected, { strict: options.strict ?? true, prefixes, source });
}

/** How one PyTorch tensor maps onto an mmnet parameter. */
export interface TorchNameMapping {
  name: string;
  /** conv2d: OIHW -> HWIO; linear: [out, in] -> [in, out]; none: as is. */
  layout?: 'conv2d' | 'linear' | 'none';
}

/** A PyTorch linear weight [out, in] as mmnet's [in, out] (any [rows, cols] -> [cols, rows]). */
export function transpose2d(a: NamedArray): NamedArray {
  const [rows, cols] = a.shape;
  const out = new Float32Array(a.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a.data[r * cols + c];
  return { shape: [cols, rows], data: out };
}

/** A PyTorch conv kernel [out, in, kh, kw] as mmnet's HWIO [kh, kw, in, out]. */
export function oihwToHwio(a: NamedArray): NamedArray {
  const [o, i, h, w] = a.shape;
  const out = new Float32Array(a.data.length);
  for (let oo = 0; oo < o; oo++)
    for (let ii = 0; ii < i; ii++)
      for (let hh = 0; hh < h; hh++)
        for (let ww = 0; ww < w; ww++)
          out[((hh * w + ww) * i + ii) * o + oo] = a.data[((oo * i + ii) * h + hh) * w + ww];
  return { shape: [h, w, i, o], data: out };
}

/**
 * Converts a PyTorch state dict (read from a .safetensors file) to mmnet names and layouts. Tensors not
 * in the map are reported, not silently dropped.
 */
export function convertTorchStateDict(
  checkpoint: Checkpoint,
  nameMap: Record<string, string | TorchNameMapping>,
  source = '<state dict>',
): Record<string, NamedArray> {
  const out: Record<string, NamedArray> = {};
  const unmapped = Object.keys(checkpoint.tensors).filter((k) => !(k in nameMap));
  if (unmapped.length) throw new Error(`${source}: no mapping for ${unmapped.slice(0, 5).join(', ')}`);
  for (const [torchName, mapping] of Object.entries(nameMap)) {
    const t = checkpoint.tensors[torchName];
    if (!t) throw new Error(`${source}: tensor "${torchName}" named in the map is not in the file`);
    const m = typeof mapping === 'string' ? { name: mapping, layout: 'none' as const } : mapping;
    const layout = m.layout ?? 'none';
    if (layout === 'conv2d' && t.shape.length !== 4)
      throw new Error(`${source}: "${torchName}" is not a 4-D conv weight`);
    if (layout === 'linear' && t.shape.length !== 2)
      throw new Error(`${source}: "${torchName}" is not a 2-D linear weight`);
    out[m.name] = layout === 'conv2d' ? oihwToHwio(t) : layout === 'linear' ? transpose2d(t) : t;
  }
  return out;
}
