import { fans, type Initializer, type ParameterScope, tf } from '@mmnet/core-tensors';
import { readMemoryColumns } from './memory-read.js';

/**
 * Kaiming-normal init of a memory whose rows hold kernels: each segment of `segments` (widths, with its
 * fan-in) gets std sqrt(2 / fanIn), as the module network's convolutions do.
 */
export function segmentedKaimingInit(segments: { width: number; fanIn: number }[]): Initializer {
  return (shape, rng) => {
    const [rows, width] = shape;
    const total = segments.reduce((a, s) => a + s.width, 0);
    if (total > width)
      throw new Error(`memory init: segments of ${total} values do not fit rows of ${width}`);
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      let offset = 0;
      for (const s of segments) {
        const std = Math.sqrt(2 / s.fanIn);
        for (let i = 0; i < s.width; i++) out[r * width + offset + i] = std * rng.normal();
        offset += s.width;
      }
      // Any tail of the row beyond the segments keeps a small default.
      const { fanIn } = fans([width, 1]);
      for (let i = offset; i < width; i++) out[r * width + i] = rng.normal() / Math.sqrt(fanIn);
    }
    return out;
  };
}

/**
 * A memory bank of module weights: a trainable matrix [rows, width], one row per function (`rowNames`).
 * Reading is an address matrix [n, rows] (one-hot, soft or straight-through) times the bank: [n, width].
 */
export class ModuleMemoryBank {
  readonly memory: tf.Variable;

  constructor(
    scope: ParameterScope,
    name: string,
    readonly rowNames: readonly string[],
    readonly width: number,
    init: Initializer,
  ) {
    if (rowNames.length === 0) throw new Error(`memory bank '${name}': no rows (no function of its kind)`);
    this.memory = scope.create(name, [rowNames.length, width], init);
  }

  get rows(): number {
    return this.rowNames.length;
  }

  /** Row index of a function name (an error naming it when the bank has no such row). */
  rowOf(name: string): number {
    const i = this.rowNames.indexOf(name);
    if (i < 0) throw new Error(`memory bank: no row for '${name}' (rows: ${this.rowNames.join(', ')})`);
    return i;
  }

  /** addresses [n, rows] -> weights [n, width] (differentiable in both). */
  read(addresses: tf.Tensor2D): tf.Tensor2D {
    if (addresses.rank !== 2 || addresses.shape[1] !== this.rows) {
      throw new Error(`memory bank: addresses must be [n, ${this.rows}], got [${addresses.shape}]`);
    }
    return readMemoryColumns(addresses, this.memory, 0, this.width);
  }

  /** addresses [n, rows] -> the columns [start, start + width) of the read weights [n, width]. */
  readColumns(addresses: tf.Tensor2D, start: number, width: number): tf.Tensor2D {
    return readMemoryColumns(addresses, this.memory, start, width);
  }

  /** One-hot address rows for row indices [n, rows]. */
  oneHot(indices: readonly number[]): tf.Tensor2D {
    return tf.tidy(
      () =>
        tf.cast(
          tf.oneHot(tf.tensor1d(Int32Array.from(indices), 'int32'), this.rows),
          'float32',
        ) as tf.Tensor2D,
    );
  }
}
