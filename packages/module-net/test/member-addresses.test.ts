import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { encodePrefixPrograms } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerFamily, attentionFamily, type ModuleFunction, memberOneHot } from '../src/index.js';
import {
  callOf,
  maxAbsDiff,
  PROGRAMS,
  stemLikeFeatures,
  tinyAttentionNetwork,
  useBackend,
} from './helpers.js';

const CONFIG = { dim: 4, height: 3, width: 2 };
const MEMBERS = ['m0', 'm1', 'm2'];

/** Soft addresses [rows, 3]: each row a distribution over the three members. */
const ADDRESSES = [
  [0.2, 0.5, 0.3],
  [1, 0, 0],
  [0.1, 0.1, 0.8],
  [0.6, 0.4, 0],
];

const FAMILIES = [
  { kind: 'attention', arity: 1, family: attentionFamily },
  { kind: 'answer', arity: 2, family: answerFamily },
] as const;

/** A family `fam` and a second, `mix`, with the same shapes, built in one store. */
function twoFamilies(family: (typeof FAMILIES)[number]) {
  const store = new ParameterStore(createRng(3));
  const build = (name: string) =>
    family.family(name, family.arity, MEMBERS).create(store.scope(name), CONFIG, MEMBERS) as ModuleFunction;
  return { store, fam: build('fam'), mix: build('mix') };
}

describe.each(['cpu', 'wasm'] as const)('member addresses (module memory reads) on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const family of FAMILIES) {
    it(`${family.kind} family of arity ${family.arity}: a row with a soft address runs the address-weighted mix of its members' parameters`, () => {
      const { store, fam, mix } = twoFamilies(family);
      const rows = ADDRESSES.length;
      const features = stemLikeFeatures(rows, 3);
      const inputs = Array.from({ length: family.arity }, (_, k) => stemLikeFeatures(rows, 20 + k));
      const address = tf.tensor2d(ADDRESSES);
      const soft = fam(inputs as [tf.Tensor], callOf(features, [0, 0, 0, 0], address));
      // Row r of the soft call = row r of a call of `mix` whose member 0 holds row r's mixed parameters.
      const stacked = store.names().filter((n) => n.startsWith('fam.'));
      ADDRESSES.forEach((weights, r) => {
        for (const name of stacked) {
          const w = store.get(name);
          const [count, ...rest] = w.shape;
          const mixed = tf.reshape(tf.matMul(tf.tensor2d([weights]), tf.reshape(w, [count, -1])), rest);
          const target = store.get(`mix.${name.slice('fam.'.length)}`);
          target.assign(tf.stack([mixed, mixed, mixed]));
        }
        const expected = mix(inputs as [tf.Tensor], callOf(features, [0, 0, 0, 0]));
        const at = (t: tf.Tensor) => tf.slice(t, [r, 0, 0, 0], [1, 3, 2, 4]).dataSync();
        expect(maxAbsDiff(at(soft), at(expected))).toBeLessThan(1e-4);
      });
      // A one-hot address is the member itself.
      const members = [2, 0, 1, 2];
      const oneHot = memberOneHot(members, 3);
      const byAddress = fam(inputs as [tf.Tensor], callOf(features, [0, 0, 0, 0], oneHot));
      const byMember = fam(inputs as [tf.Tensor], callOf(features, members));
      expect(maxAbsDiff(byAddress.dataSync(), byMember.dataSync())).toBeLessThan(1e-5);
      store.dispose();
    });
  }

  it('refuses addresses of the wrong shape, naming both shapes', () => {
    const { store, fam } = twoFamilies(FAMILIES[0]);
    const features = stemLikeFeatures(2, 3);
    expect(() => fam([features], callOf(features, [0, 0], tf.ones([2, 4]) as tf.Tensor2D))).toThrow(
      'member dense: addresses of shape [2,4] for 2 rows of 3 members (expected [2, 3])',
    );
    store.dispose();
  });
});

describe('member addresses: gradient and executor (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('the gradient with respect to the addresses matches finite differences', () => {
    const { store, fam } = twoFamilies(FAMILIES[0]);
    const features = stemLikeFeatures(ADDRESSES.length, 3);
    const input = stemLikeFeatures(ADDRESSES.length, 21);
    const weights = tf.randomNormal([ADDRESSES.length, 3, 2, 4], 0, 1, 'float32', 9);
    const loss = (a: tf.Tensor) =>
      tf.sum(tf.mul(fam([input], callOf(features, [0, 0, 0, 0], a as tf.Tensor2D)), weights)) as tf.Scalar;
    const address = tf.tensor2d(ADDRESSES);
    const analytic = tf.grad(loss)(address).dataSync();
    const eps = 1e-3;
    const flat = address.dataSync();
    for (let i = 0; i < flat.length; i++) {
      const shifted = (delta: number) => {
        const values = Float32Array.from(flat);
        values[i] += delta;
        return loss(tf.tensor2d(values, address.shape as [number, number])).dataSync()[0];
      };
      const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
      expect(Math.abs(analytic[i] - numeric)).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
    }
    store.dispose();
  });

  it('the executor passes each call the addresses its hook returns; one-hot addresses change nothing', () => {
    const { model, store, vocab } = tinyAttentionNetwork();
    const trees = model.parsePrograms(encodePrefixPrograms(PROGRAMS, vocab));
    const features = tf.randomNormal([PROGRAMS.length, 2, 2, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const plain = model.forward(features, trees).logits.dataSync();
    const memberCount = (group: string) =>
      store.get(store.names().find((n) => n.startsWith(`modules.${group}.`))!).shape[0];
    const seen: string[] = [];
    const oneHot = model
      .forward(features, trees, {
        memberAddresses: (call) => {
          seen.push(call.family);
          if (call.family === 'scene') return undefined;
          const members = call.tokens.map((t) => model.modules.get(t)?.memberIndex ?? 0);
          return memberOneHot(members, memberCount(call.family));
        },
      })
      .logits.dataSync();
    expect(maxAbsDiff(plain, oneHot)).toBeLessThan(1e-5);
    expect(new Set(seen)).toEqual(
      new Set([
        'scene',
        'attention_filter',
        'attention_relate',
        'attention_binary',
        'answer_unary',
        'answer_binary',
      ]),
    );
    // Uniform addresses over each family's members give another answer.
    const uniform = model
      .forward(features, trees, {
        memberAddresses: (call) => {
          if (call.family === 'scene') return undefined;
          const count = memberCount(call.family);
          return tf.fill([call.nodes.length, count], 1 / count) as tf.Tensor2D;
        },
      })
      .logits.dataSync();
    expect(maxAbsDiff(plain, uniform)).toBeGreaterThan(1e-4);
    store.dispose();
  });
});
