/** The loss became NaN or infinite: training stops and the last good checkpoint is kept. */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

/** A WebAssembly trap (heap exhausted or a kernel fault): the wasm backend is unusable after it. */
export function isWasmTrap(error: unknown): error is Error {
  return (
    error instanceof Error &&
    error.name === 'RuntimeError' &&
    /Aborted\(|memory access out of bounds|out of memory/.test(error.message)
  );
}

/** What to tell the user after a wasm trap in a training step of `batchSize` questions. */
export function wasmTrapMessage(error: Error, step: number, batchSize: number): string {
  return `step ${step}: the wasm backend stopped inside a kernel (${error.message.split('\n')[0]}), most likely out of its 4 GB heap; use a smaller --batch_size (now ${batchSize}) or --stem-dim`;
}
