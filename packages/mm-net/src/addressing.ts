/** Addressing vectors of every step of a batch, for heatmaps: values [batch, steps, rows] row-major. */
export interface AddressingMaps {
  /** The function of each memory row. */
  rowNames: readonly string[];
  batch: number;
  steps: number;
  values: Float32Array;
}

/** The address of one (sample, step) as an array over the rows. */
export function addressAt(maps: AddressingMaps, sample: number, step: number): Float32Array {
  const R = maps.rowNames.length;
  const offset = (sample * maps.steps + step) * R;
  return maps.values.slice(offset, offset + R);
}
