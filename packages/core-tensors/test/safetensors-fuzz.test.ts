import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzSettings } from '../../../test-support/fuzz';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseCheckpoint,
  SafetensorsFormatError,
} from '../src/checkpoint/index.js';

/** Cases per property in the test suite (`pnpm fuzz` runs many more through FUZZ_RUNS). */
const { runs: RUNS, seed: SEED } = fuzzSettings(300);

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** A valid file: a few tensors of several dtypes, with metadata. */
const VALID = concat(
  encodeSafetensors(
    {
      'layer.kernel': { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      'layer.bias': { shape: [3], data: Float32Array.from([0.5, -0.5, 0]) },
      counts: { shape: [2], data: Int32Array.from([7, 9]) },
      half: { shape: [2], data: Uint16Array.from([0x3c00, 0xc000]), dtype: 'F16' },
      big: { shape: [1], data: BigInt64Array.from([5n]) },
    },
    { format: '"mmnet-training-checkpoint"', step: '12' },
  ),
);

/** Byte edits of a file: overwrite, flip bits, truncate, insert, or write a little-endian number at an offset. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('u64' as const),
    at: fc.nat(),
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(valid: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(valid);
  for (const m of edits) {
    const at = bytes.length ? m.at % bytes.length : 0;
    if (m.kind === 'set') bytes[at] = m.value;
    else if (m.kind === 'flip') bytes[at] ^= 1 << m.bit;
    else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
    else if (m.kind === 'insert') bytes = concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    else if (bytes.length >= at + 8) new DataView(bytes.buffer).setBigUint64(at, m.value, true);
  }
  return bytes;
}

describe('safetensors reader on damaged files (property-based)', () => {
  it('reads the valid file', () => {
    const file = decodeSafetensors(VALID, 'valid');
    expect(Object.keys(file.tensors).sort()).toEqual(['big', 'counts', 'half', 'layer.bias', 'layer.kernel']);
  });

  it('either reads a mutated file or throws SafetensorsFormatError naming it, nothing else', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => {
        const bytes = mutate(VALID, edits);
        try {
          const file = decodeSafetensors(bytes, 'fuzzed.safetensors');
          parseCheckpoint(file);
        } catch (error) {
          expect(error).toBeInstanceOf(SafetensorsFormatError);
          expect((error as Error).message).toMatch(/^fuzzed\.safetensors: not a valid safetensors file: /);
          refused++;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(refused).toBeGreaterThan(0);
  });
});
