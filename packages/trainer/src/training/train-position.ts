/** Where a run is in its data: the epoch and the next batch of that epoch's seeded order. */
export interface TrainPosition {
  epoch: number;
  batchInEpoch: number;
}

/** Number of optimiser updates a run makes. */
export function totalIterations(
  batchesPerEpoch: number,
  maxEpochs: number,
  batchMultiplier: number,
  maxIterations?: number,
): number {
  const byEpochs = Math.max(1, Math.floor((maxEpochs * batchesPerEpoch) / batchMultiplier));
  return maxIterations !== undefined ? Math.min(maxIterations, byEpochs) : byEpochs;
}
