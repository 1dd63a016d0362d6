import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  convertTorchStateDict,
  createRng,
  decodeSafetensors,
  encodeSafetensors,
  entryToFloat32,
  Linear,
  loadCheckpoint,
  loadParametersInto,
  ParameterStore,
  saveCheckpoint,
  saveParameters,
  tf,
} from '../src/index.js';
import { useBackend } from './helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'mmnet-ckpt-'));
}

function model(seed: number) {
  const store = new ParameterStore(createRng(seed));
  new Linear(store.scope('encoder'), 3, 4);
  new Linear(store.scope('head'), 4, 2);
  return store;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

describe('safetensors format', () => {
  it('round-trips tensors of several dtypes and metadata, with an 8-byte aligned header', () => {
    const bytes = concat(
      encodeSafetensors(
        {
          a: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
          b: { shape: [3], data: new Int32Array([7, -8, 9]) },
          c: { shape: [2], data: new BigInt64Array([1n, -2n]) },
        },
        { note: 'hello' },
      ),
    );
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const file = decodeSafetensors(bytes);
    expect(file.metadata).toEqual({ note: 'hello' });
    expect(Array.from(file.tensors.a.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(file.tensors.b.dtype).toBe('I32');
    expect(Array.from(entryToFloat32(file.tensors.c))).toEqual([1, -2]);
  });

  it('reads float16 and bfloat16 values', () => {
    // 1.0 = 0x3c00 (f16), -2.0 = 0xc000 (f16); 1.0 = 0x3f80 (bf16), 0.5 = 0x3f00 (bf16)
    const bytes = concat(
      encodeSafetensors({
        h: { shape: [2], data: new Uint16Array([0x3c00, 0xc000]), dtype: 'F16' },
        b: { shape: [2], data: new Uint16Array([0x3f80, 0x3f00]), dtype: 'BF16' },
      }),
    );
    const file = decodeSafetensors(bytes);
    expect(Array.from(entryToFloat32(file.tensors.h))).toEqual([1, -2]);
    expect(Array.from(entryToFloat32(file.tensors.b))).toEqual([1, 0.5]);
  });

  it('refuses truncated and corrupt files with the file name', () => {
    const dir = tempDir();
    const path = join(dir, 'model.safetensors');
    saveParameters(path, model(1), { config: { hidden: 4 } });
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, good.length - 10));
    expect(() => loadCheckpoint(path)).toThrow(new RegExp(`${path}.*truncated`));
    writeFileSync(path, good.subarray(0, 5));
    expect(() => loadCheckpoint(path)).toThrow(/shorter than the 8-byte header/);
    const corrupt = Buffer.from(good);
    corrupt[10] = 0x7b; // breaks the JSON header
    corrupt[11] = 0x7b;
    writeFileSync(path, corrupt);
    expect(() => loadCheckpoint(path)).toThrow(/model.safetensors: not a valid safetensors file/);
    expect(() => loadCheckpoint(join(dir, 'missing.safetensors'))).toThrow(
      /missing.safetensors: cannot read checkpoint \(ENOENT\)/,
    );
  });

  it('refuses entries whose offsets do not match their shape', () => {
    const header = JSON.stringify({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } });
    const bytes = Buffer.alloc(8 + header.length + 8);
    bytes.writeBigUInt64LE(BigInt(header.length), 0);
    bytes.write(header, 8);
    expect(() => decodeSafetensors(bytes, 'x.safetensors')).toThrow(
      /tensor "w": offsets \[0, 8\] do not hold shape \[4\]/,
    );
  });
});

describe('checkpoints of a parameter store', () => {
  it('save + load restores every parameter exactly, written atomically (no temp files left)', () => {
    const dir = tempDir();
    const path = join(dir, 'model.safetensors');
    const a = model(1);
    saveParameters(path, a, { config: { hidden: 4 }, step: 12 });
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const b = model(2);
    const ckpt = loadCheckpoint(path);
    expect(ckpt.metadata.step).toBe(12);
    loadParametersInto(b, ckpt, path, { expectConfig: { hidden: 4 } });
    for (const name of a.names())
      expect(Array.from(b.get(name).dataSync())).toEqual(Array.from(a.get(name).dataSync()));
  });

  it('reports shape, name and config mismatches', () => {
    const dir = tempDir();
    const path = join(dir, 'model.safetensors');
    saveParameters(path, model(1), { config: { hidden: 4 } });
    const ckpt = loadCheckpoint(path);

    const other = new ParameterStore(createRng(1));
    new Linear(other.scope('encoder'), 3, 5);
    new Linear(other.scope('head'), 5, 2);
    expect(() => loadParametersInto(other, ckpt, path)).toThrow(
      /shape mismatch for "encoder.bias": model \[5\] vs given \[4\]/,
    );

    const renamed = new ParameterStore(createRng(1));
    new Linear(renamed.scope('enc'), 3, 4);
    expect(() => loadParametersInto(renamed, ckpt, path)).toThrow(/unexpected parameter "encoder.bias"/);

    expect(() => loadParametersInto(model(3), ckpt, path, { expectConfig: { hidden: 8 } })).toThrow(
      /config mismatch: hidden: expected 8, found 4/,
    );

    // Loading one part only (as --load_model_mode does).
    const partial = model(5);
    loadParametersInto(partial, ckpt, path, { prefixes: ['head'] });
    expect(Array.from(partial.get('head.weight').dataSync())).toEqual(
      Array.from(ckpt.tensors['head.weight'].data),
    );
  });

  it('converts a PyTorch state dict (OIHW conv, [out, in] linear) by a name map', () => {
    // A 2x1x1x1... conv: out=2, in=1, 1x2 kernel, and a linear [out=2, in=3].
    const torchFile = decodeSafetensors(
      concat(
        encodeSafetensors({
          'stem.0.weight': { shape: [2, 1, 1, 2], data: new Float32Array([1, 2, 3, 4]) },
          'fc.weight': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
        }),
      ),
    );
    const ckpt = {
      tensors: Object.fromEntries(
        Object.entries(torchFile.tensors).map(([k, v]) => [k, { shape: v.shape, data: entryToFloat32(v) }]),
      ),
      metadata: {},
    };
    const converted = convertTorchStateDict(ckpt, {
      'stem.0.weight': { name: 'stem.conv1.kernel', layout: 'conv2d' },
      'fc.weight': { name: 'classifier.weight', layout: 'linear' },
    });
    expect(converted['stem.conv1.kernel'].shape).toEqual([1, 2, 1, 2]);
    // HWIO[h=0][w][i=0][o] = OIHW[o][0][0][w]
    expect(Array.from(converted['stem.conv1.kernel'].data)).toEqual([1, 3, 2, 4]);
    expect(converted['classifier.weight'].shape).toEqual([3, 2]);
    expect(Array.from(converted['classifier.weight'].data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => convertTorchStateDict(ckpt, { 'fc.weight': 'x' })).toThrow(/no mapping for stem.0.weight/);
  });

  it('saveCheckpoint keeps the previous file when writing fails', () => {
    const dir = tempDir();
    const path = join(dir, 'model.safetensors');
    saveCheckpoint(path, { w: { shape: [1], data: new Float32Array([1]) } });
    expect(() => saveCheckpoint(path, { w: { shape: [2], data: new Float32Array([1]) } })).toThrow(
      /has shape \[2\]/,
    );
    expect(Array.from(loadCheckpoint(path).tensors.w.data)).toEqual([1]);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    tf.disposeVariables();
  });
});
