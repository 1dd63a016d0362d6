import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  asH5FileError,
  errorMessage,
  type H5Dataset,
  type H5File,
  H5FileError,
  openH5,
  requireDataset,
} from './h5wasm-loader.js';

/**
 * Feature files hold one dataset, `features` [N, C, H, W] float32 (the layout the reference
 * `extract_features.py` writes), row i being image i of the split in file-name order. While being written the
 * file lives at `<path>.partial` with the attribute `rows_done`; `finish()` renames it to `<path>`.
 */
export const FEATURES_DATASET = 'features';
const ROWS_DONE = 'rows_done';
/** Prefix of the attributes holding `FeaturesWriterOptions.meta`. */
export const META_PREFIX = 'meta_';

export interface FeaturesWriterOptions {
  /** Number of rows (images) the finished file will hold. */
  rows: number;
  /** [C, H, W] of one row. */
  rowShape: [number, number, number];
  /**
   * Settings that must not change across a resume (extractor name, image size, ...). Stored as attributes; a
   * partial file with other values is refused.
   */
  meta?: Record<string, string | number>;
  /** Continue a `<path>.partial` left by an interrupted run (default true); false starts over. */
  resume?: boolean;
}

export function partialPathFor(path: string): string {
  return `${path}.partial`;
}

/** Writes feature rows in order, resumable across processes. */
export class FeaturesH5Writer {
  private constructor(
    readonly path: string,
    private file: H5File | null,
    private readonly dataset: H5Dataset,
    readonly rows: number,
    readonly rowSize: number,
    private done: number,
  ) {}

  /** Opens (or resumes) the partial file of `path`. */
  static async open(path: string, options: FeaturesWriterOptions): Promise<FeaturesH5Writer> {
    const { rows, rowShape, meta = {}, resume = true } = options;
    const partial = partialPathFor(path);
    await mkdir(dirname(path), { recursive: true });
    const rowSize = rowShape[0] * rowShape[1] * rowShape[2];
    if (resume && existsSync(partial)) {
      let file: H5File;
      try {
        file = await openH5(partial, 'a');
      } catch (err) {
        // e.g. a process killed in the middle of a write: the partial file cannot be continued.
        throw new H5FileError(partial, `cannot resume (${errorMessage(err)}); delete it to start over`);
      }
      try {
        const ds = requireDataset(file, partial, FEATURES_DATASET);
        const shape = ds.shape ?? [];
        const want = [rows, ...rowShape];
        if (shape.length !== 4 || shape.slice(1).join() !== rowShape.join()) {
          throw new H5FileError(
            partial,
            `cannot resume: features have shape [${shape}], this run makes [${want}]`,
          );
        }
        const storedTotal = Number(ds.get_attribute('total_rows', true));
        if (storedTotal !== rows) {
          throw new H5FileError(
            partial,
            `cannot resume: it was started for ${storedTotal} rows, this run has ${rows}`,
          );
        }
        for (const [key, value] of Object.entries(meta)) {
          const stored = ds.attrs[META_PREFIX + key] ? ds.get_attribute(META_PREFIX + key, true) : undefined;
          if (String(stored) !== String(value)) {
            throw new H5FileError(
              partial,
              `cannot resume: it was started with ${key}=${stored}, this run has ${key}=${value} (delete it to start over)`,
            );
          }
        }
        const done = Number(ds.get_attribute(ROWS_DONE, true));
        return new FeaturesH5Writer(path, file, ds, rows, rowSize, Math.min(done, shape[0]));
      } catch (err) {
        file.close();
        throw err;
      }
    }
    await rm(partial, { force: true });
    const file = await openH5(partial, 'w');
    try {
      const ds = file.create_dataset({
        name: FEATURES_DATASET,
        data: new Float32Array(0),
        shape: [0, ...rowShape],
        maxshape: [rows, ...rowShape],
        chunks: [1, ...rowShape],
        dtype: '<f',
      });
      ds.create_attribute('total_rows', rows);
      ds.create_attribute(ROWS_DONE, 0);
      for (const [key, value] of Object.entries(meta)) ds.create_attribute(META_PREFIX + key, value);
      file.flush();
      return new FeaturesH5Writer(path, file, ds, rows, rowSize, 0);
    } catch (err) {
      file.close();
      throw new H5FileError(partial, `cannot create features dataset (${errorMessage(err)})`);
    }
  }

  /** Rows already written (where a resumed run continues). */
  get rowsDone(): number {
    return this.done;
  }

  /** Appends `count` rows (NCHW float32, `count * C * H * W` values) and records the progress on disk. */
  append(data: Float32Array, count: number): void {
    const file = this.requireOpen();
    if (data.length !== count * this.rowSize) {
      throw new Error(`features: got ${data.length} values for ${count} rows of ${this.rowSize}`);
    }
    if (this.done + count > this.rows) {
      throw new Error(`features: ${this.done} + ${count} rows exceed the ${this.rows} planned`);
    }
    const start = this.done;
    this.dataset.resize([start + count, ...((this.dataset.shape ?? []).slice(1) as number[])]);
    this.dataset.write_slice([[start, start + count]], data);
    this.done = start + count;
    this.dataset.delete_attribute(ROWS_DONE);
    this.dataset.create_attribute(ROWS_DONE, this.done);
    file.flush();
  }

  /** Closes the file, keeping `<path>.partial` for a later resume. */
  close(): void {
    this.file?.close();
    this.file = null;
  }

  /** Checks that every row was written, closes and renames `<path>.partial` to `<path>`. */
  async finish(): Promise<void> {
    this.requireOpen();
    if (this.done !== this.rows) {
      throw new Error(`features: finish() after ${this.done} of ${this.rows} rows`);
    }
    this.close();
    await rename(partialPathFor(this.path), this.path);
  }

  private requireOpen(): H5File {
    if (!this.file) throw new Error(`features writer for ${this.path} is closed`);
    return this.file;
  }
}

/** Reads rows of a `features` [N, C, H, W] dataset without loading the whole file. */
export class FeaturesH5Reader {
  private constructor(
    readonly path: string,
    private file: H5File | null,
    private readonly dataset: H5Dataset,
    /** [N, C, H, W] */
    readonly shape: [number, number, number, number],
  ) {}

  static async open(path: string): Promise<FeaturesH5Reader> {
    const file = await openH5(path, 'r');
    try {
      const ds = requireDataset(file, path, FEATURES_DATASET);
      const shape = ds.shape ?? [];
      if (shape.length !== 4) {
        throw new H5FileError(path, `dataset "features" has shape [${shape}], expected [N, C, H, W]`);
      }
      return new FeaturesH5Reader(path, file, ds, shape as [number, number, number, number]);
    } catch (err) {
      file.close();
      throw asH5FileError(path, err);
    }
  }

  get rows(): number {
    return this.shape[0];
  }

  /** The attributes of the `features` dataset (`total_rows`, `rows_done`, `meta_*`), by name. */
  attributes(): Record<string, unknown> {
    if (!this.file) throw new Error(`features reader for ${this.path} is closed`);
    try {
      return Object.fromEntries(
        Object.keys(this.dataset.attrs).map((name) => [name, this.dataset.get_attribute(name, true)]),
      );
    } catch (err) {
      throw asH5FileError(this.path, err);
    }
  }

  get rowSize(): number {
    return this.shape[1] * this.shape[2] * this.shape[3];
  }

  /** Rows `indices` (in that order, repeats allowed) as NCHW float32; contiguous runs are read in one call. */
  readRows(indices: ArrayLike<number>): Float32Array {
    if (!this.file) throw new Error(`features reader for ${this.path} is closed`);
    const size = this.rowSize;
    const out = new Float32Array(indices.length * size);
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      if (!Number.isInteger(r) || r < 0 || r >= this.rows) {
        throw new H5FileError(this.path, `feature row ${r} out of range [0, ${this.rows})`);
      }
    }
    const order = Array.from({ length: indices.length }, (_, i) => i).sort((a, b) => indices[a] - indices[b]);
    let k = 0;
    while (k < order.length) {
      const first = indices[order[k]];
      let end = k + 1;
      while (end < order.length && indices[order[end]] - indices[order[end - 1]] <= 1) end++;
      const last = indices[order[end - 1]];
      let block: Float32Array;
      try {
        block = toFloat32(this.dataset.slice([[first, last + 1]]), this.path);
      } catch (err) {
        throw asH5FileError(this.path, err);
      }
      if (block.length !== (last + 1 - first) * size)
        throw new H5FileError(this.path, `rows ${first}-${last} of "features" are cut short`);
      const bad = firstNonFinite(block);
      if (bad >= 0) {
        throw new H5FileError(
          this.path,
          `feature row ${first + Math.floor(bad / size)} holds ${block[bad]} (features must be finite numbers)`,
        );
      }
      for (let j = k; j < end; j++) {
        const row = indices[order[j]] - first;
        out.set(block.subarray(row * size, (row + 1) * size), order[j] * size);
      }
      k = end;
    }
    return out;
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }
}

/** Index of the first NaN or infinite value, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

function toFloat32(values: unknown, path: string): Float32Array {
  if (values instanceof Float32Array) return values;
  if (values instanceof Float64Array) return Float32Array.from(values);
  throw new H5FileError(path, `dataset "features" is not float32/float64`);
}

const TILE = 32;

/**
 * Transposes each of `n` row-major [rows, cols] blocks of `src` into [cols, rows] in `dst`, tile by tile (so that
 * both sides are read and written in cache-friendly runs).
 */
function transposeBlocks(src: Float32Array, dst: Float32Array, n: number, rows: number, cols: number): void {
  const size = rows * cols;
  for (let b = 0; b < n; b++) {
    const base = b * size;
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(r0 + TILE, rows);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(c0 + TILE, cols);
        for (let r = r0; r < r1; r++) {
          const from = base + r * cols;
          for (let c = c0; c < c1; c++) dst[base + c * rows + r] = src[from + c];
        }
      }
    }
  }
}

/** NCHW -> NHWC for `n` rows of [C, H, W] (tfjs convolutions want channels last). */
export function nchwToNhwc(data: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  transposeBlocks(data, out, n, c, h * w);
  return out;
}

/** NHWC -> NCHW for `n` rows of [H, W, C]. */
export function nhwcToNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  transposeBlocks(data, out, n, h * w, c);
  return out;
}
