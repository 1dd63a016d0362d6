import { createRng, tf } from '@mmnet/core-tensors';
import { createModuleNetwork, executePrograms } from '@mmnet/module-net';
import type { DecoderMode } from '@mmnet/program-decoders';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createEndToEndNetwork,
  createModuleMemoryNetwork,
  distributionMemberAddresses,
  FamilySelections,
  memoryFamilies,
} from '../src/index.js';
import {
  endToEndConfig,
  endToEndVocab,
  programRows,
  programVocab,
  randomFeatures,
  randomQuestions,
  smallConfig,
  vocab,
} from './fixtures.js';
import { attentionMemory, useBackend } from './helpers.js';

const attentionConfig = { ...smallConfig, stemDim: 5, modules: 'attention' as const, stemKernelSize: 1 };

const attentionEndToEnd = (mode: DecoderMode) =>
  endToEndConfig(mode, { stemDim: 5, modules: 'attention', stemKernelSize: 1 });
const questions = randomQuestions;

const tokensOf = (n: { token: string; inputs: { token: string; inputs: unknown[] }[] }): string[] => [
  n.token,
  ...n.inputs.flatMap((c) => tokensOf(c as typeof n)),
];

describe('attention module memories (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('PG_memory with attention modules: one-hot reads of the family banks = PG with attention modules', () => {
    const { model: mm, store: mmStore } = createModuleMemoryNetwork(attentionConfig, vocab);
    const { model: pg, store: pgStore } = createModuleNetwork(attentionConfig, vocab);
    // The same parameters (names and seeded values): the banks are the families' stacked parameters.
    expect(mmStore.names().sort()).toEqual(pgStore.names().sort());
    pgStore.assign(mmStore.snapshot());
    const features = randomFeatures(5, 11);
    const out = mm.forward(features, programRows());
    const expected = pg.forward(features, programRows()).logits;
    const diff = tf.max(tf.abs(tf.sub(out.logits, expected))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    // Addressing maps as with residual banks: one-hot on the ground-truth token of every step.
    expect(out.addressing.binary.rowNames).toEqual(['greater_than', 'intersect']);
    expect(mm.memory.kind).toBe('attention');
    // The answer loss reaches every bank row a program uses, through the one-hot reads.
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0], 'int32'), 4);
    const filters = mmStore.get('modules.attention_filter.mask.weight');
    const { grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, mm.forward(features, programRows()).logits) as tf.Scalar,
      [filters],
    );
    const perRow = tf.sum(tf.abs(grads[filters.name]), [1, 2]).arraySync() as number[];
    expect(perRow.every((g) => g > 0)).toBe(true);
    mmStore.dispose();
    pgStore.dispose();
  });

  it('a node reads its step distribution at its family tokens, renormalised over them', () => {
    const { model, store } = createModuleNetwork(attentionConfig, vocab);
    const tokens = Object.keys(programVocab).sort((a, b) => programVocab[a] - programVocab[b]);
    const V = tokens.length;
    const selections = new FamilySelections(memoryFamilies(model.modules), V, (t) => programVocab[t]);
    // Two samples of 3 steps: count(filter_color[red](scene)) and exist(filter_color[blue](scene)).
    const trees = [
      {
        token: 'count',
        step: 0,
        inputs: [{ token: 'filter_color[red]', step: 1, inputs: [{ token: 'scene', step: 2, inputs: [] }] }],
      },
      {
        token: 'exist',
        step: 0,
        inputs: [{ token: 'filter_color[blue]', step: 1, inputs: [{ token: 'scene', step: 2, inputs: [] }] }],
      },
    ];
    const rng = createRng(4);
    const dist = tf.softmax(
      tf.tensor2d(
        Array.from({ length: 6 * V }, () => rng.normal()),
        [6, V],
      ),
    ) as tf.Tensor2D;
    const seen = new Map<string, number[][]>();
    const hook = distributionMemberAddresses(dist, 3, selections, true);
    executePrograms(trees, tf.abs(randomFeatures(2, 3, 5)) as tf.Tensor4D, model.modules, {
      memberAddresses: (call, plan) => {
        const a = hook(call, plan);
        if (a) seen.set(call.family, a.arraySync());
        return a;
      },
    });
    const d = dist.arraySync();
    const filterMembers = model.modules.familyMembers('attention_filter');
    const expectRow = (got: number[], row: number[], members: string[]) => {
      const mass = members.reduce((s, t) => s + row[programVocab[t]], 0);
      members.forEach((t, m) => expect(got[m]).toBeCloseTo(row[programVocab[t]] / mass, 5));
    };
    const filterRows = seen.get('attention_filter')!;
    expect(filterRows).toHaveLength(2);
    expectRow(filterRows[0], d[1], filterMembers); // sample 0, step 1
    expectRow(filterRows[1], d[4], filterMembers); // sample 1, step 1
    const answers = seen.get('answer_unary')!;
    expectRow(answers[0], d[0], model.modules.familyMembers('answer_unary'));
    expectRow(answers[1], d[3], model.modules.familyMembers('answer_unary'));
    selections.dispose();
    store.dispose();
  });

  it('PG_endtoend with attention modules: gumbel (one-hot forward) = hard execution of the same trees; soft and gumbel reach the generator', () => {
    const { model, store } = createEndToEndNetwork(attentionEndToEnd('gumbel'), endToEndVocab);
    expect(store.names().some((n) => n.startsWith('executor.modules.attention_filter.'))).toBe(true);
    expect(store.names().some((n) => n.startsWith('executor.memory'))).toBe(false);
    tf.tidy(() => {
      const features = randomFeatures(3, 8);
      const out = model.forward(features, questions(3, 9), { rng: createRng(1), gumbelTemperature: 0.5 });
      expect(out.trees.flatMap(tokensOf).some((t) => t !== 'scene')).toBe(true);
      const plain = executePrograms(
        out.trees,
        model.stem.apply(features),
        attentionMemory(model.memory).modules,
      );
      const expected = model.classifier.apply(plain.outputs as tf.Tensor4D).dataSync();
      const got = out.logits.dataSync();
      expected.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    });
    for (const mode of ['soft', 'gumbel', 'hard'] as const) {
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
      const { grads } = tf.variableGrads(() => {
        const out = model.forward(randomFeatures(4, 2), questions(4, 1), {
          mode,
          rng: createRng(5),
          gumbelTemperature: 0.8,
        });
        const loss = tf.losses.softmaxCrossEntropy(labels, out.logits);
        return tf.add(loss, tf.mul(0, tf.sum(out.decoded.logProbs))) as tf.Scalar;
      }, model.parameterGroups(store).programGenerator);
      const norm = Object.values(grads).reduce((a, g) => a + tf.sum(tf.square(g)).dataSync()[0], 0);
      if (mode === 'hard') expect(norm).toBe(0);
      else expect(norm).toBeGreaterThan(1e-12);
    }
    model.dispose();
    store.dispose();
  });
});
