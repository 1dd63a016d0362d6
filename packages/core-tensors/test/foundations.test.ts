import { describe, expect, it } from 'vitest';
import {
  clipGradientsByNorm,
  clipGradientsByValue,
  createRng,
  fans,
  globalNorm,
  initBackend,
  kaimingNormal,
  ParameterStore,
  Rng,
  tf,
  UnknownBackendError,
  xavierUniform,
} from '../src/index.js';

describe('backend selection', () => {
  it('falls back from tensorflow (not installed here) to wasm and says why', async () => {
    const lines: string[] = [];
    const report = await initBackend({ env: {}, log: (l) => lines.push(l) });
    expect(report.name).toBe('wasm');
    expect(report.attempts[0]).toMatchObject({ name: 'tensorflow', ok: false });
    expect(report.attempts[0].reason).toMatch(/tfjs-node/);
    expect(report.reason).toMatch(/skipped tensorflow/);
    expect(lines).toHaveLength(1);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('MMNET_BACKEND overrides the preference; unknown names are a clear error', async () => {
    const report = await initBackend({ prefer: 'wasm', env: { MMNET_BACKEND: 'cpu' }, log: null });
    expect(report.name).toBe('cpu');
    expect(report.reason).toMatch(/MMNET_BACKEND=cpu/);
    await expect(initBackend({ env: { MMNET_BACKEND: 'webgpu' }, log: null })).rejects.toThrow(
      UnknownBackendError,
    );
    await expect(initBackend({ env: { MMNET_BACKEND: 'webgpu' }, log: null })).rejects.toThrow(
      /MMNET_BACKEND: unknown backend "webgpu"/,
    );
  });
});

describe('seeded generator', () => {
  it('repeats for a seed, differs across seeds, and resumes from a saved state', () => {
    const a = createRng(42);
    const b = createRng(42);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(createRng(43).next()).not.toBe(seqA[0]);
    a.normal();
    const state = a.getState();
    const expected = [a.normal(), a.int(10), a.next()];
    const resumed = new Rng(JSON.parse(JSON.stringify(state)));
    expect([resumed.normal(), resumed.int(10), resumed.next()]).toEqual(expected);
  });

  it('draws uniform integers and normals with the right moments', () => {
    const rng = createRng(1);
    const counts = new Array(4).fill(0);
    for (let i = 0; i < 8000; i++) counts[rng.int(4)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 10000; i++) {
      const v = rng.normal();
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / 10000)).toBeLessThan(0.05);
    expect(Math.abs(sq / 10000 - 1)).toBeLessThan(0.05);
  });
});

describe('parameters and initialisers', () => {
  it('creates nested names, refuses duplicates and missing names', async () => {
    await initBackend({ prefer: 'cpu', env: {}, log: null });
    const store = new ParameterStore(createRng(1));
    const w = store
      .scope('modules')
      .scope('filter_color[red]')
      .scope('conv1')
      .create('kernel', [3, 3, 4, 4], kaimingNormal);
    expect(store.names()).toEqual(['modules.filter_color[red].conv1.kernel']);
    expect(store.get('modules.filter_color[red].conv1.kernel')).toBe(w);
    expect(() => store.create('modules.filter_color[red].conv1.kernel', [1], kaimingNormal)).toThrow(
      /already exists/,
    );
    expect(() => store.get('nope')).toThrow(/no parameter named "nope"/);
    expect(store.countWeights()).toBe(144);
    expect(store.variables('modules.filter_color[red]')).toHaveLength(1);
    expect(store.variables('modules.filter_color[re')).toHaveLength(0);
  });

  it('same seed, same initial weights; fans and scales as documented', () => {
    const a = new ParameterStore(createRng(9)).create('w', [64, 32], xavierUniform).dataSync();
    const b = new ParameterStore(createRng(9)).create('w', [64, 32], xavierUniform).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const limit = Math.sqrt(6 / 96);
    expect(Math.max(...Array.from(a).map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    const k = kaimingNormal([3, 3, 64, 64], createRng(1));
    const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 576), 2);
  });
});

describe('gradient clipping', () => {
  it('clips by value and by global norm', () => {
    const grads = { a: tf.tensor1d([3, -4]), b: tf.tensor1d([0, 12]) };
    expect(Array.from(clipGradientsByValue(grads, -1, 2).a.dataSync())).toEqual([2, -1]);
    expect(globalNorm(grads)).toBeCloseTo(13, 5);
    const { grads: clipped, norm } = clipGradientsByNorm(grads, 6.5);
    expect(norm).toBeCloseTo(13, 5);
    expect(globalNorm(clipped)).toBeCloseTo(6.5, 4);
    expect(() => clipGradientsByValue(grads, 1, 1)).toThrow(/min \(1\) must be below max \(1\)/);
  });
});
