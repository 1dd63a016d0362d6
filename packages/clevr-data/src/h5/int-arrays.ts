/** A row-major integer matrix, e.g. encoded questions [N, Lq]. */
export interface IntMatrix {
  data: Int32Array;
  rows: number;
  cols: number;
}

/** The rows `indices` of `m`, in that order, as one row-major copy [indices.length, m.cols]. */
export function matrixRows(m: IntMatrix, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) {
    out.set(m.data.subarray(indices[i] * m.cols, (indices[i] + 1) * m.cols), i * m.cols);
  }
  return out;
}

type IntTypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Converts any integer typed array (int64 from h5py, int32, ...) to Int32Array; a value outside the int32 range
 * is an error naming `what` and the index.
 */
export function toInt32Array(values: unknown, what: string): Int32Array {
  if (values instanceof Int32Array) return values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    // Read the two 32-bit halves (little-endian) instead of creating one BigInt per value.
    const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    const unsigned = values instanceof BigUint64Array;
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const low = halves[2 * i];
      const high = halves[2 * i + 1];
      if (high !== low >> 31 || (unsigned && low < 0)) {
        throw new Error(`${what}[${i}] = ${values[i]} does not fit in int32`);
      }
      out[i] = low;
    }
    return out;
  }
  if (
    values instanceof Int8Array ||
    values instanceof Uint8Array ||
    values instanceof Int16Array ||
    values instanceof Uint16Array ||
    values instanceof Uint32Array
  ) {
    const src = values as Exclude<IntTypedArray, BigInt64Array | BigUint64Array>;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      if (src[i] > 2147483647) throw new Error(`${what}[${i}] = ${src[i]} does not fit in int32`);
      out[i] = src[i];
    }
    return out;
  }
  throw new Error(`${what} is not an integer array (got ${describeValue(values)})`);
}

/** Widens int32 values to int64 (what numpy's default integer arrays are), writing both 32-bit halves. */
export function toBigInt64Array(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const halves = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    halves[2 * i] = values[i];
    halves[2 * i + 1] = values[i] >> 31;
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return v.constructor.name;
  return typeof v;
}
