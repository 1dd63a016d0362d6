import { isWasmTrap } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import { wasmTrapMessage } from '../src/training/errors.js';

function runtimeError(message: string): Error {
  const error = new Error(message);
  error.name = 'RuntimeError';
  return error;
}

describe('wasm traps in a training step', () => {
  it('are told apart from other errors', () => {
    expect(isWasmTrap(runtimeError('Aborted(). Build with -sASSERTIONS for more info.'))).toBe(true);
    expect(isWasmTrap(runtimeError('memory access out of bounds'))).toBe(true);
    expect(isWasmTrap(new Error('memory access out of bounds'))).toBe(false);
    expect(isWasmTrap(runtimeError('unreachable'))).toBe(false);
    expect(isWasmTrap('Aborted()')).toBe(false);
  });

  it('become one line naming the step, the cause and the option to change', () => {
    const message = wasmTrapMessage(runtimeError('Aborted(). Build with -sASSERTIONS\nstack'), 7, 128);
    expect(message).toBe(
      'step 7: the wasm backend stopped inside a kernel (Aborted(). Build with -sASSERTIONS), most likely out of its 4 GB heap; use a smaller --batch_size (now 128) or --stem-dim',
    );
  });
});
