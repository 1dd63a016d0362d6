import type { IntMatrix } from '../h5/int-arrays.js';

/** Collects variable-length integer rows, then pads them into one matrix (pad value 0 = `<NULL>`). */
export class IntRows {
  private chunks: Int32Array[] = [];
  private current = new Int32Array(1 << 16);
  private used = 0;
  private lengths: number[] = [];
  private longest = 0;

  get count(): number {
    return this.lengths.length;
  }

  get maxLength(): number {
    return this.longest;
  }

  push(row: readonly number[]): void {
    if (this.used + row.length > this.current.length) {
      this.chunks.push(this.current.subarray(0, this.used));
      this.current = new Int32Array(Math.max(1 << 16, row.length));
      this.used = 0;
    }
    this.current.set(row, this.used);
    this.used += row.length;
    this.lengths.push(row.length);
    if (row.length > this.longest) this.longest = row.length;
  }

  /** The rows padded with 0 to the longest row (or `length`, which must not be shorter). */
  toMatrix(length = this.longest): IntMatrix {
    if (length < this.longest)
      throw new Error(`rows of up to ${this.longest} values do not fit in ${length}`);
    const rows = this.lengths.length;
    const data = new Int32Array(rows * length);
    const parts = [...this.chunks, this.current.subarray(0, this.used)];
    let part = 0;
    let offset = 0;
    for (let r = 0; r < rows; r++) {
      const len = this.lengths[r];
      while (len > 0 && offset + len > parts[part].length) {
        part++;
        offset = 0;
      }
      data.set(parts[part].subarray(offset, offset + len), r * length);
      offset += len;
    }
    return { data, rows, cols: length };
  }
}

/** Collects one integer per row. */
export class IntColumn {
  private data = new Int32Array(1024);
  private n = 0;

  get count(): number {
    return this.n;
  }

  push(v: number): void {
    if (this.n === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = v;
  }

  toArray(): Int32Array {
    return this.data.slice(0, this.n);
  }
}
