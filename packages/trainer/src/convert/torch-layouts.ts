import type { NamedArray } from '@mmnet/core-tensors';
import type { TorchTensor } from '@mmnet/torch-import';

/** A state dict being converted: every key must be used or explicitly skipped; errors name key and shapes. */
export class StateReader {
  private readonly used = new Set<string>();

  constructor(
    readonly tensors: Map<string, TorchTensor>,
    readonly what: string,
  ) {}

  has(key: string): boolean {
    return this.tensors.has(key);
  }

  /** The tensor under `key` with `shape` as float32, or an error naming the key and both shapes. */
  take(key: string, shape: number[]): NamedArray {
    const t = this.tensors.get(key);
    if (!t) throw new Error(`${this.what}: missing key '${key}' (expected shape [${shape}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${this.what}: '${key}' has shape [${t.shape}], expected [${shape}]`);
    }
    this.used.add(key);
    return { shape: [...shape], data: t.toFloat32() };
  }

  skip(key: string): void {
    if (this.tensors.has(key)) this.used.add(key);
  }

  /** Keys never read: an error (an unexpected key means the model is not the one the kwargs describe). */
  checkAllUsed(): void {
    const left = [...this.tensors.keys()].filter((k) => !this.used.has(k));
    if (left.length) {
      const shown = left.slice(0, 5).map((k) => `'${k}' [${this.tensors.get(k)!.shape}]`);
      throw new Error(
        `${this.what}: unexpected keys ${shown.join(', ')}${left.length > 5 ? ` and ${left.length - 5} more` : ''}`,
      );
    }
  }
}

/** Rows of a [C*H*W, out] weight flattened NCHW (PyTorch) reordered to NHWC flattening (mmnet). */
export function nchwRowsToNhwc(w: NamedArray, c: number, h: number, wd: number): NamedArray {
  const cols = w.shape[1];
  const out = new Float32Array(w.data.length);
  for (let cc = 0; cc < c; cc++)
    for (let hh = 0; hh < h; hh++)
      for (let ww = 0; ww < wd; ww++) {
        const from = (cc * h * wd + hh * wd + ww) * cols;
        const to = ((hh * wd + ww) * c + cc) * cols;
        out.set(w.data.subarray(from, from + cols), to);
      }
  return { shape: w.shape, data: out };
}
