import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { encodePrefixPrograms } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  answerFamily,
  answerModule,
  attentionFamily,
  attentionModule,
  type ModuleFunction,
  ModuleRegistry,
  memberOneHot,
  residualUnaryModule,
} from '../src/index.js';
import {
  callOf,
  maxAbsDiff,
  PROGRAMS,
  stemLikeFeatures,
  tinyAttentionNetwork,
  useBackend,
} from './helpers.js';

const CONFIG = { dim: 4, height: 3, width: 2 };

/** Copies member `m` of every stacked parameter of `family` (scope `fam`) into a sole module's (scope `solo`). */
function copyMember(store: ParameterStore, m: number, solo: string) {
  for (const name of store.names().filter((n) => n.startsWith('fam.'))) {
    const stacked = store.get(name);
    const target = store.get(`${solo}.${name.slice('fam.'.length)}`);
    const begin = stacked.shape.map((_, i) => (i === 0 ? m : 0));
    target.assign(tf.slice(stacked, begin, [1, ...stacked.shape.slice(1)]));
  }
}

const CASES = [
  { kind: 'attention', arity: 1, family: attentionFamily, sole: attentionModule },
  { kind: 'attention', arity: 2, family: attentionFamily, sole: attentionModule },
  { kind: 'answer', arity: 1, family: answerFamily, sole: answerModule },
  { kind: 'answer', arity: 2, family: answerFamily, sole: answerModule },
] as const;

// On both backends: wasm's own OneHot once gave garbage for float32, which made every family call wrong there.
describe.each(['cpu', 'wasm'] as const)('module families on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const { kind, arity, family, sole } of CASES) {
    for (const members of [
      [0, 1, 1, 0, 2],
      [2, 2, 2, 2, 2],
    ]) {
      it(`${kind} family of arity ${arity}, rows of members [${members}]: each row as its member's own module (values and gradients)`, () => {
        const store = new ParameterStore(createRng(7));
        const names = ['m0', 'm1', 'm2'];
        const fam = family('fam', arity, names).create(store.scope('fam'), CONFIG, names) as ModuleFunction;
        const solos = names.map((n) => sole(n, arity).create(store.scope(n), CONFIG) as ModuleFunction);
        names.forEach((n, m) => {
          copyMember(store, m, n);
        });
        const features = stemLikeFeatures(members.length, 3);
        const inputs = Array.from({ length: arity }, (_, k) => stemLikeFeatures(members.length, 10 + k));
        const weights = tf.randomNormal([members.length, 3, 2, 4], 0, 1, 'float32', 5);
        const famLoss = (...xs: tf.Tensor[]) =>
          tf.sum(tf.mul(fam(xs as [tf.Tensor], callOf(features, members)), weights)) as tf.Scalar;
        const soloLoss = (...xs: tf.Tensor[]) => {
          const rows = members.map((m, r) => {
            const out = solos[m](
              xs as [tf.Tensor],
              callOf(
                features,
                members.map(() => 0),
              ),
            );
            return tf.slice(out, [r, 0, 0, 0], [1, 3, 2, 4]);
          });
          return tf.sum(tf.mul(tf.concat(rows, 0), weights)) as tf.Scalar;
        };
        const famOut = fam(inputs as [tf.Tensor], callOf(features, members));
        expect(famOut.shape).toEqual([members.length, 3, 2, 4]);
        expect(Math.abs(famLoss(...inputs).dataSync()[0] - soloLoss(...inputs).dataSync()[0])).toBeLessThan(
          1e-4,
        );
        const famGrads = tf.grads(famLoss)(inputs);
        const soloGrads = tf.grads(soloLoss)(inputs);
        famGrads.forEach((g, k) => {
          expect(maxAbsDiff(g.dataSync(), soloGrads[k].dataSync())).toBeLessThan(1e-4);
        });
        // Each member's slice of a stacked weight's gradient is its own module's gradient.
        const stacked = store.names().filter((n) => n.startsWith('fam.'));
        const famWeightGrads = tf.variableGrads(
          () => famLoss(...inputs),
          stacked.map((n) => store.get(n)),
        ).grads;
        const soloNames = names.flatMap((n) => stacked.map((s) => `${n}.${s.slice(4)}`));
        const soloWeightGrads = tf.variableGrads(
          () => soloLoss(...inputs),
          soloNames.map((n) => store.get(n)),
        ).grads;
        for (const name of stacked) {
          const g = famWeightGrads[store.get(name).name];
          names.forEach((n, m) => {
            const own = soloWeightGrads[store.get(`${n}.${name.slice(4)}`).name];
            const slice = tf.slice(g, [m, ...g.shape.slice(1).map(() => 0)], [1, ...g.shape.slice(1)]);
            if (!members.includes(m)) {
              expect(own).toBeUndefined();
              expect(Math.max(...tf.abs(slice).dataSync())).toBe(0);
            } else expect(maxAbsDiff(slice.dataSync(), own.dataSync())).toBeLessThan(1e-4);
          });
        }
        store.dispose();
      });
    }
  }
});

describe('module families in the registry and the executor (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it("runs a family's nodes of one height as one call, and puts its parameters under the family", () => {
    const { model, store, vocab } = tinyAttentionNetwork();
    const trees = model.parsePrograms(encodePrefixPrograms(PROGRAMS, vocab));
    const { plan, outputs } = model.execute(
      tf.randomNormal([PROGRAMS.length, 2, 2, 3]) as tf.Tensor4D,
      trees,
    );
    expect(outputs.shape).toEqual([PROGRAMS.length, 2, 2, 5]);
    // Height 2: filter_color[red] (samples 0, 3), filter_shape[cube] (1, 3), unique (2), count (4).
    const height2 = plan.calls.filter((c) => c.height === 2);
    expect(height2.map((c) => c.family).sort()).toEqual(['answer_unary', 'attention_filter']);
    expect(plan.calls.filter((c) => c.family === 'attention_binary').map((c) => c.height)).toEqual([3, 4]);
    const unary = height2.find((c) => c.family === 'attention_filter')!;
    expect(new Set(unary.tokens)).toEqual(new Set(['filter_color[red]', 'filter_shape[cube]', 'unique']));
    // A group's tokens in member order: the columns of its member addresses.
    expect(model.modules.familyMembers('attention_filter')).toEqual([
      'filter_color[red]',
      'filter_shape[cube]',
      'unique',
    ]);
    expect(model.modules.familyMembers('scene')).toEqual(['scene']);
    expect(model.modules.familyMembers('nothing')).toEqual([]);
    // filter_color[red], filter_shape[cube], unique; relate[left] alone in its family.
    expect(store.get('modules.attention_filter.local.weight').shape).toEqual([3, 10, 5]);
    expect(store.get('modules.attention_relate.local.weight').shape).toEqual([1, 10, 5]);
    expect(store.get('modules.answer_unary.combine.weight').shape).toEqual([3, 10, 5]); // query_color, count, exist
    expect(store.get('modules.answer_binary.output.weight').shape).toEqual([1, 5, 4]); // equal_color; its code's last channel is the attention channel, 1
    expect(store.names().some((n) => n.startsWith('modules.filter_color'))).toBe(false);
    store.dispose();
  });

  it('refuses families that reuse a token, a taken name, a special token or a member twice', () => {
    const registry = new ModuleRegistry();
    registry.define(residualUnaryModule('count'));
    expect(() => registry.defineFamily(answerFamily('answers', 1, ['exist', 'count']))).toThrow(
      "module 'count' is already defined",
    );
    expect(() => registry.defineFamily(answerFamily('count', 1, ['exist']))).toThrow(
      "the name 'count' is already taken",
    );
    expect(() => registry.defineFamily(answerFamily('answers', 1, ['exist', '<END>']))).toThrow(
      "'<END>' is a special token",
    );
    expect(() => registry.defineFamily(answerFamily('answers', 1, ['exist', 'exist']))).toThrow(
      "'exist' appears twice in family 'answers'",
    );
    expect(() => registry.defineFamily(answerFamily('answers', 1, []))).toThrow(
      "family 'answers' has no members",
    );
    registry.defineFamily(answerFamily('answers', 1, ['exist', 'query_color']));
    expect(registry.get('query_color')).toMatchObject({ arity: 1, family: 'answers', memberIndex: 1 });
    expect(() => registry.define(residualUnaryModule('answers'))).toThrow(
      "'answers' is already the name of a module family",
    );
  });
});

// Member addresses: a row runs the address-weighted mix of its family's members.
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
