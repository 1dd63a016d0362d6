/**
 * A WebAssembly trap: the wasm heap (at most 4 GB) ran out, or a kernel faulted. The wasm backend is unusable
 * after one, and the trap's own message ("Aborted()", "memory access out of bounds") names neither cause.
 */
export function isWasmTrap(error: unknown): error is Error {
  return (
    error instanceof Error &&
    error.name === 'RuntimeError' &&
    /Aborted\(|memory access out of bounds|out of memory/.test(error.message)
  );
}

/** One line saying what a wasm trap most likely means (the caller adds what to change). */
export function describeWasmTrap(error: Error): string {
  return `the wasm backend stopped inside a kernel (${error.message.split('\n')[0]}), most likely out of its 4 GB heap`;
}
