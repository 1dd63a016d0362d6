import { describeWasmTrap } from '@mmnet/core-tensors';

/** The loss became NaN or infinite: training stops and the last good checkpoint is kept. */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

/** What to tell the user after a wasm trap (see isWasmTrap) in a training step of `batchSize` questions. */
export function wasmTrapMessage(error: Error, step: number, batchSize: number): string {
  return `step ${step}: ${describeWasmTrap(error)}; use a smaller --batch_size (now ${batchSize}) or --stem-dim`;
}
