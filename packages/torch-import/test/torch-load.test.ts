import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkpointGlobals,
  ForbiddenGlobalError,
  loadTorchCheckpoint,
  PickleError,
  PyDict,
  PyObject,
  StoredZip,
  stateDictTensors,
  TorchTensor,
  toJsonValue,
  unpickle,
} from '../src/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<
  string,
  { shape: number[]; values: number[] }
>;

describe.each(['zip', 'legacy'])('a checkpoint saved by torch.save (%s format)', (format) => {
  const file = join(FIXTURES, `values.${format}.pt`);
  const value = loadTorchCheckpoint(readFileSync(file), file) as PyDict;

  it('gives every tensor its shape and values: dtypes, transposed and sliced views, shared storages', () => {
    const tensors = stateDictTensors(value.get('state'), 'state');
    expect([...tensors.keys()]).toEqual(Object.keys(expected));
    for (const [name, want] of Object.entries(expected)) {
      const t = tensors.get(name)!;
      expect(t.shape, name).toEqual(want.shape);
      expect(Array.from(t.toFloat32()), name).toEqual(want.values);
    }
    const weight = tensors.get('weight')!;
    expect(tensors.get('transposed')!.storage).toBe(weight.storage);
    expect(tensors.get('half')!.dtype).toBe('float16');
    expect(tensors.get('long')!.dtype).toBe('int64');
  });

  it('reads the Python values around the tensors', () => {
    expect(toJsonValue(value.get('kwargs'))).toEqual({
      feature_dim: [1024, 14, 14],
      fc_layers: [1024],
      name: 'résumé',
      none: null,
    });
    const args = value.get('args');
    expect(args).toBeInstanceOf(PyObject);
    expect((args as PyObject).className).toBe('argparse.Namespace');
    expect((args as PyObject).attributes).toEqual({ lr: 5e-4, batch_size: 64 });
    expect(value.get('big')).toBe(2n ** 70n);
    expect(value.get('negative')).toBe(-(2 ** 40));
    expect(Array.from(value.get('raw') as Uint8Array)).toEqual([0, 1, 255]);
    expect(value.get('tokens')).toEqual(new Set(['a', 'b']));
  });
});

describe('the restricted unpickler', () => {
  it.each(['zip', 'legacy'])(
    'refuses a %s checkpoint whose pickle calls os.system, naming the global',
    (format) => {
      const file = join(FIXTURES, `evil.${format}.pt`);
      const load = () => loadTorchCheckpoint(readFileSync(file), file);
      expect(load).toThrow(ForbiddenGlobalError);
      // Python pickles os.system as posix.system on Linux.
      expect(load).toThrow(/refused global '(posix|os)\.system'/);
    },
  );

  it('refuses os.system and builtins.eval whatever opcode names them (GLOBAL, STACK_GLOBAL, INST)', () => {
    const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    const cases: [string, string][] = [
      // protocol 2: GLOBAL 'os system', the argument tuple, REDUCE.
      ['\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.', 'os.system'],
      // protocol 4: STACK_GLOBAL of 'builtins' 'eval'.
      ['\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x041+1\x85R.', 'builtins.eval'],
      // protocol 0: Python 2's __builtin__.eval, and INST of os.system.
      ["c__builtin__\neval\n(S'1'\ntR.", 'builtins.eval'],
      ["(S'ls'\nios\nsystem\n.", 'os.system'],
    ];
    for (const [pickle, global] of cases) {
      let error: unknown;
      try {
        unpickle(enc(pickle), { source: 'evil.pkl', globals: checkpointGlobals() });
      } catch (e) {
        error = e;
      }
      expect(error, global).toBeInstanceOf(ForbiddenGlobalError);
      expect((error as ForbiddenGlobalError).global).toBe(global);
      expect((error as Error).message).toMatch(
        new RegExp(`^evil\\.pkl: pickle byte \\d+: refused global '${global}'`),
      );
    }
  });

  it('names the file and the byte of a truncated or unknown pickle', () => {
    const globals = checkpointGlobals();
    expect(() =>
      unpickle(Uint8Array.from([0x80, 0x02, 0x58, 0x09, 0, 0, 0, 0x61]), { source: 'a.pkl', globals }),
    ).toThrow(/^a\.pkl: pickle byte 2: truncated/);
    expect(() => unpickle(Uint8Array.from([0x80, 0x02, 0xff]), { source: 'b.pkl', globals })).toThrow(
      /^b\.pkl: pickle byte 2: unsupported opcode 0xff/,
    );
    expect(() => unpickle(Uint8Array.from([0x80, 0x02, 0x51, 0x2e]), { source: 'c.pkl', globals })).toThrow(
      PickleError,
    );
  });

  it('says when a file is neither format', () => {
    expect(() => loadTorchCheckpoint(new TextEncoder().encode('hello'), 'x.pt')).toThrow(
      /^x\.pt: not a PyTorch checkpoint/,
    );
  });

  it('refuses a tensor that reads past its storage', () => {
    const file = join(FIXTURES, 'values.zip.pt');
    const value = loadTorchCheckpoint(readFileSync(file), file) as PyDict;
    const t = stateDictTensors(value.get('state'), 'state').get('weight')!;
    expect(() => new TorchTensor(t.storage, 10, [2, 2], [2, 1])).toThrow(/reads past its storage/);
  });
});

describe('StoredZip', () => {
  it('lists the entries torch.save writes and reads them', () => {
    const zip = new StoredZip(readFileSync(join(FIXTURES, 'values.zip.pt')), 'values.zip.pt');
    const names = [...zip.entries.keys()];
    expect(names.some((n) => n.endsWith('/data.pkl'))).toBe(true);
    const byteorder = names.find((n) => n.endsWith('/byteorder'));
    if (byteorder) expect(new TextDecoder().decode(zip.read(byteorder))).toBe('little');
    expect(() => zip.read('nope')).toThrow(/values\.zip\.pt: zip: no entry 'nope'/);
  });
});

it('PyDict.require names the missing key', () => {
  expect(() => new PyDict().require('vocab', 'checkpoint')).toThrow("checkpoint: no key 'vocab'");
});
