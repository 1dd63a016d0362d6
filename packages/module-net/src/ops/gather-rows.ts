import { tf } from '@mmnet/core-tensors';

/** A row of one of several source tensors: [source index, row]. */
export type RowPick = readonly [number, number];

interface Run {
  source: number;
  start: number;
  length: number;
}

/** Maximal runs of picks reading consecutive rows of the same source. */
function runsOf(picks: readonly RowPick[]): Run[] {
  const runs: Run[] = [];
  for (const [source, row] of picks) {
    const last = runs[runs.length - 1];
    if (last && last.source === source && last.start + last.length === row) last.length++;
    else runs.push({ source, start: row, length: 1 });
  }
  return runs;
}

function rowsSlice(x: tf.Tensor, start: number, length: number): tf.Tensor {
  if (start === 0 && length === x.shape[0]) return x;
  const begin = x.shape.map(() => 0);
  begin[0] = start;
  const size = [...x.shape];
  size[0] = length;
  return tf.slice(x, begin, size);
}

/**
 * For one source of `rows` rows: the gradient as layers (one per repeat count), each a list of output
 * positions per row (-1 = the row is not read that many times).
 */
function inverseLayers(picks: readonly RowPick[], source: number, rows: number): Int32Array[] {
  const layers: Int32Array[] = [];
  const seen = new Int32Array(rows);
  picks.forEach(([s, row], pos) => {
    if (s !== source) return;
    const r = seen[row]++;
    if (!layers[r]) layers[r] = new Int32Array(rows).fill(-1);
    layers[r][row] = pos;
  });
  return layers;
}

/** Rows of dy placed at `layer` positions (zeros where -1), built from slices and zero blocks in one concat. */
function assemble(dy: tf.Tensor, layer: Int32Array): tf.Tensor {
  const rest = dy.shape.slice(1);
  const parts: tf.Tensor[] = [];
  let i = 0;
  while (i < layer.length) {
    let j = i + 1;
    if (layer[i] < 0) {
      while (j < layer.length && layer[j] < 0) j++;
      parts.push(tf.zeros([j - i, ...rest], dy.dtype));
    } else {
      while (j < layer.length && layer[j] === layer[j - 1] + 1) j++;
      parts.push(rowsSlice(dy, layer[i], j - i));
    }
    i = j;
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
}

/**
 * Gathers rows (axis 0) from several tensors of equal trailing shape: output row i is row picks[i][1] of
 * sources[picks[i][0]] (rows may repeat). Built from slices of contiguous runs and one concat, with a gradient
 * of the same kind (tf.gather and tf.split are slow on wasm, and tf.gather's gradient needs UnsortedSegmentSum,
 * which wasm lacks). Returns the source itself when the picks are exactly its rows in order.
 */
export function gatherFrom(sources: readonly tf.Tensor[], picks: readonly RowPick[]): tf.Tensor {
  if (picks.length === 0) throw new Error('gatherFrom: no rows picked');
  if (sources.length === 0) throw new Error('gatherFrom: no sources');
  const rest = sources[0].shape.slice(1).join(',');
  sources.forEach((s, i) => {
    if (s.shape.slice(1).join(',') !== rest) {
      throw new Error(`gatherFrom: source ${i} has shape [${s.shape}], source 0 [${sources[0].shape}]`);
    }
  });
  picks.forEach(([s, row], i) => {
    if (!(Number.isInteger(s) && s >= 0 && s < sources.length)) {
      throw new Error(`gatherFrom: pick ${i} names source ${s} of ${sources.length}`);
    }
    if (!(Number.isInteger(row) && row >= 0 && row < sources[s].shape[0])) {
      throw new Error(
        `gatherFrom: pick ${i} reads row ${row} of source ${s} with ${sources[s].shape[0]} rows`,
      );
    }
  });
  // Keep only the sources that are read, renumbered.
  const used = [...new Set(picks.map(([s]) => s))].sort((a, b) => a - b);
  const renumber = new Map(used.map((s, i) => [s, i]));
  const inputs = used.map((s) => sources[s]);
  const local: RowPick[] = picks.map(([s, row]) => [renumber.get(s)!, row]);
  const runs = runsOf(local);
  if (runs.length === 1 && runs[0].start === 0 && runs[0].length === inputs[0].shape[0]) return inputs[0];
  const op = tf.customGrad(((...args: tf.Tensor[]) => {
    const xs = args.slice(0, inputs.length);
    const parts = runs.map((r) => rowsSlice(xs[r.source], r.start, r.length));
    return {
      // Never the input itself: the identity returned early, so a single run is a proper slice.
      value: parts.length === 1 ? parts[0] : tf.concat(parts, 0),
      gradFunc: (dy: tf.Tensor) =>
        inputs.map((x, s) => {
          const layers = inverseLayers(local, s, x.shape[0]);
          let grad = assemble(dy, layers[0]);
          for (let r = 1; r < layers.length; r++) grad = tf.add(grad, assemble(dy, layers[r]));
          return grad;
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as unknown as (...t: tf.Tensor[]) => tf.Tensor)(...inputs);
}

/** Rows of x at `indices` (repeats allowed): gatherFrom on one source. */
export function gatherRows<T extends tf.Tensor>(x: T, indices: readonly number[]): T {
  return gatherFrom(
    [x],
    indices.map((r) => [0, r] as const),
  ) as T;
}

/**
 * The inverse of gatherRows for distinct rows: x's row j becomes row rows[j] of an [n, ...] tensor, the other rows
 * zeros (and without a gradient). Returns x itself when `rows` are all n rows in order.
 */
export function spreadRows<T extends tf.Tensor>(x: T, rows: readonly number[], n: number): T {
  if (rows.length !== x.shape[0])
    throw new Error(`spreadRows: ${rows.length} rows for a tensor of ${x.shape[0]}`);
  const position = new Int32Array(n).fill(-1);
  rows.forEach((row, j) => {
    if (!(Number.isInteger(row) && row >= 0 && row < n && position[row] < 0))
      throw new Error(`spreadRows: row ${row} is out of 0..${n - 1} or repeated`);
    position[row] = j;
  });
  if (rows.length === n && rows.every((row, j) => row === j)) return x;
  const zero = tf.zeros([1, ...x.shape.slice(1)], x.dtype);
  return gatherFrom(
    [x, zero],
    Array.from(position, (j) => (j >= 0 ? ([0, j] as const) : ([1, 0] as const))),
  ) as T;
}
