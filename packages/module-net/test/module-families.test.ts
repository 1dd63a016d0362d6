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
