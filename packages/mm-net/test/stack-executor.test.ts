import { createRng, type Rng, tf } from '@mmnet/core-tensors';
import { executePrograms } from '@mmnet/module-net';
import { clevrTypes, ProgramVocabulary, parsePrefixPrograms } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  alignedLayout,
  createStackEndToEndNetwork,
  flushTiny,
  layoutAgreement,
  layoutCrossEntropy,
  likelyLayouts,
  mixedWrite,
  mostLikelyLayouts,
  pointerShifts,
  readAt,
  sceneStack,
  sharpenPointer,
  shiftPointer,
  validAddress,
} from '../src/index.js';
import {
  endToEndVocab,
  PROGRAMS,
  programRows,
  programVocab,
  randomFeatures,
  randomQuestions,
} from './fixtures.js';
import { useBackend } from './helpers.js';

/** A small stack PG_endtoend: attention memory of dim 5 on 4x4 maps, 9 steps (the longest fixture has 9 tokens). */
function stackConfig(
  mode: 'soft' | 'gumbel' | 'hard' | 'hard+penalty' = 'soft',
  extra: Record<string, unknown> = {},
) {
  return {
    executor: {
      inChannels: 4,
      stemDim: 5,
      height: 4,
      width: 4,
      stemKernelSize: 1,
      countFilters: 2,
      coordinates: true,
      classifier: { projDim: 5, poolSize: 2, hiddenDim: 6 },
    },
    programGenerator: { encoderWordvecDim: 5, hiddenDim: 6, numLayers: 1 },
    decoder: { mode },
    stack: { steps: 9, depth: 4, questionAnswer: false, control: false },
    seed: 3,
    ...extra,
  };
}

const vocabulary = new ProgramVocabulary(programVocab);

/**
 * Expects the loss's gradient over `v` to be nonzero and, at its largest entry, within 1e-3 of a central
 * difference (step 1e-2); `v` is left as it was.
 */
function expectGradientAsFiniteDifference(loss: () => tf.Scalar, v: tf.Variable): void {
  const { grads } = tf.variableGrads(loss, [v]);
  const analytic = Array.from(grads[v.name].dataSync());
  tf.dispose(grads);
  expect(
    analytic.some((g) => Math.abs(g) > 1e-6),
    v.name,
  ).toBe(true);
  const k = analytic.reduce((best, g, i) => (Math.abs(g) > Math.abs(analytic[best]) ? i : best), 0);
  const base = v.dataSync().slice();
  const at = (delta: number) => {
    const x = base.slice();
    x[k] += delta;
    v.assign(tf.tensor(x, v.shape));
    return loss().dataSync()[0];
  };
  const eps = 1e-2;
  const numeric = (at(eps) - at(-eps)) / (2 * eps);
  v.assign(tf.tensor(base, v.shape));
  expect(analytic[k], v.name).toBeCloseTo(numeric, 3);
}

describe('stack executor (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('aligns a prefix program with the steps in postfix order, <END> after it', () => {
    const rows = programRows();
    const layout = alignedLayout(rows[2], vocabulary, 9)!;
    const names = layout.map((id) => vocabulary.token(id));
    expect(names).toEqual([
      'scene',
      'filter_color[red]',
      'count',
      'scene',
      'filter_color[blue]',
      'count',
      'greater_than',
      '<END>',
      '<END>',
    ]);
    expect(alignedLayout(rows[3], vocabulary, 8)).toBeNull(); // 9 tokens do not fit 8 steps
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])(
    'with one-hot addresses on the aligned layouts it computes what the tree executor computes (answer memory %s, hard pointer %s)',
    (answerMemory, hardPointer) => {
      const { model } = createStackEndToEndNetwork(
        stackConfig('soft', { stack: { ...stackConfig().stack, answerMemory, hardPointer } }),
        endToEndVocab,
      );
      const n = PROGRAMS.length;
      const features = randomFeatures(n, 5);
      const questions = randomQuestions(n, 6);
      const rows = programRows();
      const layout = rows.map((r) => alignedLayout(r, vocabulary, 9)!);
      tf.tidy(() => {
        const out = model.forward(features, questions, { layout });
        const trees = parsePrefixPrograms(rows, programVocab);
        const result = executePrograms(trees, model.stem.apply(features), model.memory.modules);
        const tree = model.classifier.apply(result.outputs as tf.Tensor4D);
        const a = out.logits.arraySync();
        const b = tree.arraySync();
        for (let i = 0; i < n; i++)
          for (let j = 0; j < a[i].length; j++) expect(a[i][j]).toBeCloseTo(b[i][j], 5);
        // The trace: one step's address per step, the chosen tokens are the layout.
        expect(Array.from(out.trace.tokens)).toEqual(layout.flat());
        expect(out.trace.attentions.shape).toEqual([n, 9, 4, 4]);
      });
      model.dispose();
    },
  );

  it('answer memory: an answer followed by other modules still reaches the classifier, not the stack top', () => {
    const tokens = [
      'scene',
      'filter_color[red]',
      'count',
      'scene',
      '<END>',
      '<END>',
      '<END>',
      '<END>',
      '<END>',
    ];
    const layout = [tokens.map((t) => vocabulary.id(t))];
    const features = randomFeatures(1, 21);
    const questions = randomQuestions(1, 22);
    const logits = (answerMemory: boolean) => {
      const { model } = createStackEndToEndNetwork(
        stackConfig('soft', { stack: { ...stackConfig().stack, answerMemory } }),
        endToEndVocab,
      );
      const out = tf.tidy(() => {
        const stacked = model.forward(features, questions, { layout }).logits.arraySync()[0];
        // The tree executor on the program the first three steps build, PROGRAMS[0]: count(filter_color[red](scene)).
        const tree = parsePrefixPrograms(programRows([PROGRAMS[0]]), programVocab);
        const result = executePrograms(tree, model.stem.apply(features), model.memory.modules);
        return { stacked, tree: model.classifier.apply(result.outputs as tf.Tensor4D).arraySync()[0] };
      });
      model.dispose();
      return out;
    };
    const withMemory = logits(true);
    withMemory.stacked.forEach((v, j) => expect(v).toBeCloseTo(withMemory.tree[j], 5));
    // Without it the classifier reads the scene pushed last.
    const topOfStack = logits(false);
    expect(topOfStack.stacked.some((v, j) => Math.abs(v - topOfStack.tree[j]) > 1e-3)).toBe(true);
  });

  // The hard pointer makes the loss piecewise (it jumps where a pointer's most likely position changes): its case
  // checks the controller at inputs with no such jump within the finite differences' step.
  it.each([
    {
      options: { answerMemory: true },
      seeds: [23, 24],
      names: [
        'programGenerator.controller.address.output.bias',
        'executor.modules.answer_unary.combine.weight',
      ],
    },
    {
      options: { answerMemory: true, hardPointer: true },
      seeds: [25, 26],
      names: ['programGenerator.controller.address.output.bias'],
    },
  ])('soft addresses with $options: the gradient matches finite differences', ({ options, seeds, names }) => {
    const { model, store } = createStackEndToEndNetwork(
      stackConfig('soft', { stack: { steps: 4, depth: 3, ...options } }),
      endToEndVocab,
    );
    const features = randomFeatures(2, seeds[0]);
    const questions = randomQuestions(2, seeds[1]);
    const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 4);
    const loss = () =>
      tf.tidy(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, questions).logits) as tf.Scalar,
      );
    for (const name of names) expectGradientAsFiniteDifference(loss, store.get(name) as tf.Variable);
    model.dispose();
  });

  it('with one-hot addresses its gradient over the memory is the tree executor’s (each family runs on its rows)', () => {
    const { model, store } = createStackEndToEndNetwork(stackConfig(), endToEndVocab);
    const n = PROGRAMS.length;
    const features = randomFeatures(n, 11);
    const questions = randomQuestions(n, 12);
    const rows = programRows();
    const layout = rows.map((r) => alignedLayout(r, vocabulary, 9)!);
    const trees = parsePrefixPrograms(rows, programVocab);
    const weights = tf.randomNormal([n, 4], 0, 1, 'float32', 13);
    const memory = store.variables('executor');
    const gradsOf = (logits: () => tf.Tensor) =>
      tf.variableGrads(() => tf.sum(tf.mul(logits(), weights)) as tf.Scalar, memory).grads;
    const stack = gradsOf(() => model.forward(features, questions, { layout }).logits);
    const tree = gradsOf(() =>
      model.classifier.apply(
        executePrograms(trees, model.stem.apply(features), model.memory.modules).outputs as tf.Tensor4D,
      ),
    );
    let nonzero = 0;
    for (const v of memory) {
      const [a, b] = [stack[v.name].dataSync(), tree[v.name].dataSync()];
      b.forEach((x, i) => expect(a[i]).toBeCloseTo(x, 4));
      if (b.some((x) => x !== 0)) nonzero++;
    }
    expect(nonzero).toBeGreaterThan(memory.length / 2);
    tf.dispose([weights, Object.values(stack), Object.values(tree)]);
    model.dispose();
  });

  it('with one-hot addresses and the control vector, a question is answered alone as in a batch', () => {
    const { model, store } = createStackEndToEndNetwork(
      stackConfig('soft', { stack: { steps: 9, depth: 4, questionAnswer: false, control: true } }),
      endToEndVocab,
    );
    // The control vector's films start at zero: give them weights, so that a row's film matters.
    for (const v of store.variables('executor.control'))
      v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', 14));
    const n = PROGRAMS.length;
    const features = randomFeatures(n, 15);
    const questions = randomQuestions(n, 16);
    const layout = programRows().map((r) => alignedLayout(r, vocabulary, 9)!);
    tf.tidy(() => {
      const batch = model.forward(features, questions, { layout }).logits.arraySync();
      for (let i = 0; i < n; i++) {
        const row = (x: tf.Tensor) => tf.slice(x, i, 1);
        const alone = model.forward(row(features) as tf.Tensor4D, row(questions) as tf.Tensor2D, {
          layout: [layout[i]],
        });
        alone.logits.arraySync()[0].forEach((v, j) => expect(v).toBeCloseTo(batch[i][j], 5));
      }
    });
    model.dispose();
  });

  it('a null layout row keeps the controller choice, and a given row does not depend on the others', () => {
    const { model } = createStackEndToEndNetwork(stackConfig(), endToEndVocab);
    const n = PROGRAMS.length;
    const features = randomFeatures(n, 5);
    const questions = randomQuestions(n, 6);
    const layout = programRows().map((r) => alignedLayout(r, vocabulary, 9));
    const partial = layout.map((row, i) => (i % 2 === 0 ? row : null));
    tf.tidy(() => {
      const mixed = model.forward(features, questions, { layout: partial });
      const given = model.forward(features, questions, { layout });
      const free = model.forward(features, questions);
      const [a, g, f] = [mixed.logits.arraySync(), given.logits.arraySync(), free.logits.arraySync()];
      for (let i = 0; i < n; i++) {
        const expected = i % 2 === 0 ? g[i] : f[i];
        a[i].forEach((v, j) => expect(v).toBeCloseTo(expected[j], 5));
      }
      const tokens = (out: typeof mixed, i: number) =>
        Array.from(out.trace.tokens.subarray(i * 9, (i + 1) * 9));
      expect(tokens(mixed, 0)).toEqual(layout[0]);
      expect(tokens(mixed, 1)).toEqual(tokens(free, 1));
    });
    model.dispose();
  });

  it('soft addresses: the answer loss reaches the controller, the question encoder and every memory row with an address', () => {
    const { model, store } = createStackEndToEndNetwork(stackConfig('soft'), endToEndVocab);
    const features = randomFeatures(3, 7);
    const questions = randomQuestions(3, 8);
    const labels = tf.oneHot(tf.tensor1d([0, 2, 3], 'int32'), 4);
    const names = store.names();
    const vars = names.map((name) => store.get(name));
    const { grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, questions).logits) as tf.Scalar,
      vars as tf.Variable[],
    );
    const gradOf = (name: string) => grads[(store.get(name) as tf.Variable).name];
    const norm = (name: string) => tf.tidy(() => tf.sum(tf.abs(gradOf(name))).dataSync()[0]);
    expect(norm('programGenerator.encoder.rnn.layer0.inputWeight')).toBeGreaterThan(0);
    expect(norm('programGenerator.encoder.embedding.table')).toBeGreaterThan(0);
    expect(norm('programGenerator.controller.address.output.weight')).toBeGreaterThan(0);
    expect(norm('programGenerator.controller.step.weight')).toBeGreaterThan(0);
    // Every member row of every family: soft addresses are nonzero everywhere.
    for (const family of [
      'attention_filter',
      'attention_relate',
      'attention_binary',
      'answer_unary',
      'answer_binary',
    ]) {
      const g = gradOf(
        `executor.modules.${family}.${family.startsWith('answer') ? 'combine' : 'hidden'}.weight`,
      );
      const perRow = tf.tidy(() => tf.sum(tf.abs(g), [1, 2]).dataSync());
      expect(perRow.length).toBeGreaterThan(0);
      for (const v of perRow) expect(v).toBeGreaterThan(0);
    }
    tf.dispose(grads);
    model.dispose();
  });

  it.each([false, true])(
    'soft addresses: the gradient of the controller matches finite differences (validity %s)',
    (validity) => {
      const { model, store } = createStackEndToEndNetwork(
        stackConfig('soft', { stack: { steps: 4, depth: 3, validity } }),
        endToEndVocab,
      );
      const features = randomFeatures(2, 9);
      const questions = randomQuestions(2, 10);
      const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 4);
      const v = store.get('programGenerator.controller.address.output.bias') as tf.Variable;
      const loss = () =>
        tf.tidy(
          () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, questions).logits) as tf.Scalar,
        );
      const { grads } = tf.variableGrads(loss, [v]);
      const analytic = grads[v.name].dataSync();
      const base = v.dataSync().slice();
      // The validity's products curve the loss more sharply (second derivative ~1.5 here), so a smaller step.
      const eps = validity ? 1e-3 : 1e-2;
      for (const k of [4, 6, 9]) {
        const at = (delta: number) => {
          const x = base.slice();
          x[k] += delta;
          v.assign(tf.tensor1d(x));
          return loss().dataSync()[0];
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor1d(base));
        expect(analytic[k]).toBeCloseTo(numeric, 3);
      }
      tf.dispose(grads);
      model.dispose();
    },
  );

  it('control vector: the FiLM of both families learns from the answer, and its gradient matches finite differences', () => {
    const { model, store } = createStackEndToEndNetwork(
      stackConfig('soft', { stack: { steps: 4, depth: 3, control: true } }),
      endToEndVocab,
    );
    const features = randomFeatures(2, 13);
    const questions = randomQuestions(2, 14);
    const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 4);
    const loss = () =>
      tf.tidy(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, questions).logits) as tf.Scalar,
      );
    for (const name of ['executor.control.select.weight', 'executor.control.answer.bias'])
      expectGradientAsFiniteDifference(loss, store.get(name) as tf.Variable);
    model.dispose();
  });

  it('reader: the answer learns the reader (gradient as finite differences), and the layouts do not read it', () => {
    const { model, store } = createStackEndToEndNetwork(
      stackConfig('soft', {
        stack: { steps: 4, depth: 3, control: true, questionAnswer: true, reader: true },
      }),
      endToEndVocab,
    );
    const features = randomFeatures(2, 15);
    const questions = randomQuestions(2, 16);
    const labels = tf.oneHot(tf.tensor1d([2, 0], 'int32'), 4);
    const loss = () =>
      tf.tidy(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, questions).logits) as tf.Scalar,
      );
    const table = store.get('executor.reader.embedding.table') as tf.Variable;
    for (const v of [table, store.get('executor.reader.rnn.layer0.inputWeight') as tf.Variable])
      expectGradientAsFiniteDifference(loss, v);
    // Another reader changes the answer, not the controller's addresses.
    const run = () =>
      tf.tidy(() => {
        const out = model.forward(features, questions);
        return [out.logits.arraySync(), out.stepLogits.arraySync()];
      });
    const [logits, steps] = run();
    table.assign(tf.add(table, 0.5));
    const [otherLogits, otherSteps] = run();
    expect(otherSteps).toEqual(steps);
    expect(otherLogits).not.toEqual(logits);
    model.dispose();
  });

  it('tied init: every member of a family starts from its first member', () => {
    const { model, store } = createStackEndToEndNetwork(
      stackConfig('soft', { stack: { steps: 4, depth: 3, tiedInit: true } }),
      endToEndVocab,
    );
    const { store: untied } = createStackEndToEndNetwork(stackConfig(), endToEndVocab);
    for (const name of [
      'executor.modules.attention_filter.local.weight',
      'executor.modules.answer_unary.combine.bias',
    ]) {
      for (const [s, tied] of [
        [store, true],
        [untied, false],
      ] as const) {
        const v = s.get(name) as tf.Variable;
        const spread = tf.tidy(() => tf.max(tf.abs(tf.sub(v, tf.slice(v, 0, 1)))).dataSync()[0]);
        if (tied) expect(spread).toBe(0);
        else expect(spread).toBeGreaterThan(0);
      }
    }
    model.dispose();
  });

  it('no-op bias: only the no-op starts with a higher score, by the bias', () => {
    const name = 'programGenerator.controller.address.output.bias';
    const { model, store } = createStackEndToEndNetwork(
      stackConfig('soft', {
        stack: { steps: 9, depth: 4, questionAnswer: false, control: false, noOpBias: 3 },
      }),
      endToEndVocab,
    );
    const { model: plain, store: plainStore } = createStackEndToEndNetwork(stackConfig(), endToEndVocab);
    const biased = (store.get(name) as tf.Variable).arraySync() as number[];
    const unbiased = (plainStore.get(name) as tf.Variable).arraySync() as number[];
    const end = endToEndVocab.program_token_to_idx['<END>'];
    biased.forEach((b, id) => expect(b - unbiased[id]).toBeCloseTo(id === end ? 3 : 0, 5));
    // The rest of the model starts where it does without the bias.
    const weight = 'programGenerator.controller.address.output.weight';
    expect((store.get(weight) as tf.Variable).arraySync()).toEqual(
      (plainStore.get(weight) as tf.Variable).arraySync(),
    );
    model.dispose();
    plain.dispose();
  });

  it('keeps the tensor count stable across training steps in every mode', () => {
    for (const mode of ['soft', 'gumbel', 'hard'] as const) {
      const { model, store } = createStackEndToEndNetwork(stackConfig(mode), endToEndVocab);
      const features = randomFeatures(2, 11);
      const questions = randomQuestions(2, 12);
      const labels = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 4);
      const optimizer = tf.train.adam(1e-3);
      const rng = createRng(1);
      const step = () =>
        tf.tidy(() => {
          optimizer.minimize(
            () =>
              tf.losses.softmaxCrossEntropy(
                labels,
                model.forward(features, questions, { rng }).logits,
              ) as tf.Scalar,
            false,
            store.variables('executor'),
          );
        });
      step();
      const before = tf.memory().numTensors;
      step();
      step();
      expect(tf.memory().numTensors).toBe(before);
      optimizer.dispose();
      model.dispose();
    }
  });

  it('layout agreement and the layouts cross-entropy', () => {
    const rows = programRows();
    const layouts = rows.map((r) => alignedLayout(r, vocabulary, 9)!);
    const tokens = layouts.flat();
    tokens[3] = 0; // the first question's fourth step differs
    const agreement = layoutAgreement(tokens, 9, rows, vocabulary);
    expect(agreement).toEqual({ aligned: 5, exact: 4, steps: 45, equalSteps: 44 });
    tf.tidy(() => {
      const V = vocabulary.size;
      const exact = tf.mul(tf.oneHot(tf.tensor2d(layouts, [5, 9], 'int32'), V), 50) as tf.Tensor3D;
      const loss = layoutCrossEntropy(tf.cast(exact, 'float32') as tf.Tensor3D, [
        ...layouts.slice(0, 4),
        null,
      ])!;
      expect(loss.rows).toBe(4);
      expect(loss.loss.dataSync()[0]).toBeLessThan(1e-6);
    });
  });

  it('the most likely layouts are the best-scoring whole well-typed programs (every layout of 4 steps enumerated)', () => {
    const V = vocabulary.size;
    const [steps, depth] = [4, 2];
    const END = vocabulary.id('<END>');
    // A whole program: every module finds inputs of its types, at most `depth` entries, one answer left, then <END>.
    const whole = (layout: number[], typed: boolean) => {
      const stack: string[] = [];
      let ended = false;
      const answers = () => stack.length === 1 && (!typed || !['ObjectSet', 'Object'].includes(stack[0]));
      for (const id of layout) {
        if (id === END) {
          if (!answers()) return false;
          ended = true;
          continue;
        }
        const type = clevrTypes.typeOf(vocabulary.token(id));
        if (ended || !type || type.inputs.length > stack.length) return false;
        const inputs = stack.splice(stack.length - type.inputs.length);
        if (typed && inputs.some((t, k) => t !== type.inputs[k])) return false;
        stack.push(type.output);
        if (stack.length > depth) return false;
      }
      return answers();
    };
    const rng = createRng(7);
    const n = 3;
    const scores = Float32Array.from({ length: n * steps * V }, () => 3 * rng.normal());
    const scoreOf = (i: number, layout: ArrayLike<number>) =>
      Array.from(layout).reduce((sum, id, t) => sum + scores[(i * steps + t) * V + id], 0);
    for (const types of [clevrTypes, undefined]) {
      const chosen = mostLikelyLayouts(scores, n, steps, vocabulary, { depth, types });
      for (let i = 0; i < n; i++) {
        const layout = Array.from(chosen.subarray(i * steps, (i + 1) * steps));
        expect(whole(layout, types !== undefined), layout.map((id) => vocabulary.token(id)).join(' ')).toBe(
          true,
        );
        const wholeScores: number[] = [];
        for (let code = 0; code < V ** steps; code++) {
          const candidate = Array.from({ length: steps }, (_, t) => Math.floor(code / V ** t) % V);
          if (whole(candidate, types !== undefined)) wholeScores.push(scoreOf(i, candidate));
        }
        wholeScores.sort((a, b) => b - a);
        expect(scoreOf(i, layout)).toBeCloseTo(wholeScores[0], 4);
        // The k best are the k best whole layouts, best first, each scored by its steps.
        const k = 6;
        const best = likelyLayouts(scores, n, steps, vocabulary, k, { depth, types })[i];
        expect(best.map((l) => l.score)).toEqual(wholeScores.slice(0, k).map((s) => expect.closeTo(s, 4)));
        for (const { layout: l, score } of best) {
          expect(whole(l, types !== undefined)).toBe(true);
          expect(scoreOf(i, l)).toBeCloseTo(score, 4);
        }
        expect(new Set(best.map((l) => l.layout.join())).size).toBe(k);
      }
    }
    expect(() => likelyLayouts(scores, n, steps, vocabulary, 0, { depth })).toThrow(
      /likelyLayouts: k must be a positive integer, got 0/,
    );
    expect(() => likelyLayouts(scores, n + 1, steps, vocabulary, 2, { depth })).toThrow(
      /likelyLayouts: \d+ scores/,
    );
    // Where each step's own argmax is no program (a count of one object), the best whole one is chosen.
    const peaked = new Float32Array(steps * V).fill(-10);
    ['scene', 'unique', 'count', '<END>'].forEach((token, t) => {
      peaked[t * V + vocabulary.id(token)] = 0;
    });
    peaked[V + vocabulary.id('filter_color[red]')] = -1;
    expect(Array.from(mostLikelyLayouts(peaked, 1, steps, vocabulary, { depth, types: clevrTypes }))).toEqual(
      ['scene', 'filter_color[red]', 'count', '<END>'].map((t) => vocabulary.id(t)),
    );
  });

  it('flushTiny zeroes weights below 1e-10, with their gradient, and keeps the others exactly', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([0.5, 1e-9, 3e-11, 1e-40, 0]);
      expect(Array.from(flushTiny(x).dataSync())).toEqual([0.5, Math.fround(1e-9), 0, 0, 0]);
      const grad = tf.grad((v: tf.Tensor) => tf.sum(flushTiny(v)))(x);
      expect(Array.from(grad.dataSync())).toEqual([1, 1, 0, 0, 0]);
    });
  });

  it('a sharpened pointer is one-hot at its most likely position and passes no gradient', () => {
    const pointer = tf.tensor2d([
      [0.2, 0.5, 0.3],
      [0.6, 0.1, 0.3],
    ]);
    expect(sharpenPointer(pointer).arraySync()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const weights = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const g = tf.grad((p) => tf.sum(tf.mul(sharpenPointer(p as tf.Tensor2D), weights)))(pointer);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a soft stack: pushes and pops with a one-hot pointer behave as a stack', () => {
    tf.tidy(() => {
      const shifts = pointerShifts(3);
      const s0 = sceneStack(1, 3, 2, 1);
      const up = shiftPointer(s0.pointer, shifts.up);
      const one = tf.ones([1]) as tf.Tensor1D;
      const s1 = mixedWrite(
        s0,
        [
          {
            pointer: up,
            weight: one,
            entry: { attention: tf.tensor2d([[0.25, 0.5]]), code: tf.zeros([1, 1]) },
          },
        ],
        up,
      );
      expect(Array.from(readAt(s1, s1.pointer).attention.dataSync())).toEqual([0.25, 0.5]);
      const down = shiftPointer(s1.pointer, shifts.down);
      expect(Array.from(readAt(s1, down).attention.dataSync())).toEqual([1, 1]); // the scene below
      // An answer pushed on top, half of it: the stack marks that share of the top entry as an answer.
      const up2 = shiftPointer(s1.pointer, shifts.up);
      const half = tf.fill([1], 0.5) as tf.Tensor1D;
      const s2 = mixedWrite(
        s1,
        [
          {
            pointer: up2,
            weight: half,
            entry: { attention: tf.zeros([1, 2]), code: tf.ones([1, 1]), answer: one },
          },
        ],
        up2,
      );
      expect(Array.from(s2.answer.dataSync())).toEqual([0, 0, 0.5]);
      shifts.up.dispose();
      shifts.down.dispose();
    });
  });

  it('validity: a token keeps its address only where the stack holds the kind of value it reads', () => {
    tf.tidy(() => {
      // Tokens: 0 the no-op, 1 the scene, 2 a filter, 3 a union, 4 a count, 5 an equality.
      const column = (id: number) => tf.oneHot(tf.tensor1d([id], 'int32'), 6).reshape([6, 1]) as tf.Tensor2D;
      const kinds = {
        selectingUnary: column(2),
        selectingBinary: column(3),
        answeringUnary: column(4),
        answeringBinary: column(5),
      };
      const shifts = pointerShifts(3);
      const uniform = tf.fill([1, 6], 1 / 6) as tf.Tensor2D;
      const stackAt = (position: number, answers: number[]) => ({
        ...sceneStack(1, 3, 2, 1),
        pointer: tf.oneHot(tf.tensor1d([position], 'int32'), 3).toFloat() as tf.Tensor2D,
        answer: tf.tensor2d([answers]),
      });
      const valid = (address: tf.Tensor2D, stack: ReturnType<typeof stackAt>) =>
        Array.from(validAddress(address, stack, kinds, shifts.down).dataSync());
      // Only the scene on the stack: no two-input module.
      expect(valid(uniform, stackAt(0, [0, 0, 0]))).toEqual([0.25, 0.25, 0.25, 0, 0.25, 0]);
      const close = (actual: number[], expected: number[]) =>
        actual.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
      // Two selections: every module but the equality.
      close(valid(uniform, stackAt(1, [0, 0, 0])), [0.2, 0.2, 0.2, 0.2, 0.2, 0]);
      // Two answers: only the equality, the scene and the no-op.
      close(valid(uniform, stackAt(2, [0, 1, 1])), [1 / 3, 1 / 3, 0, 0, 0, 1 / 3]);
      // A well-typed one-hot address is unchanged; an ill-typed one keeps nothing.
      const oneHot = (id: number) => tf.oneHot(tf.tensor1d([id], 'int32'), 6).toFloat() as tf.Tensor2D;
      expect(valid(oneHot(5), stackAt(2, [0, 1, 1]))).toEqual([0, 0, 0, 0, 0, 1]);
      expect(valid(oneHot(4), stackAt(2, [0, 1, 1]))).toEqual([0, 0, 0, 0, 0, 0]);
      shifts.up.dispose();
      shifts.down.dispose();
    });
  });

  it('validity: the first step of a soft layout gives no share to a two-input module', () => {
    const { model } = createStackEndToEndNetwork(
      stackConfig('soft', { stack: { steps: 3, depth: 3, validity: true } }),
      endToEndVocab,
    );
    tf.tidy(() => {
      const out = model.forward(randomFeatures(2, 5), randomQuestions(2, 6));
      const binary = ['union', 'intersect', 'equal_color', 'equal_integer'].filter(
        (t) => t in endToEndVocab.program_token_to_idx,
      );
      expect(binary.length).toBeGreaterThan(0);
      const first = tf
        .slice(out.trace.addresses, [0, 0, 0], [2, 1, -1])
        .reshape([2, -1])
        .arraySync() as number[][];
      for (const row of first) {
        expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
        for (const t of binary) expect(row[endToEndVocab.program_token_to_idx[t]]).toBe(0);
      }
    });
    model.dispose();
  });

  it.each(['hard', 'gumbel'] as const)(
    'validity in %s mode: every drawn layout runs, and its log-probabilities are renormalised over the valid tokens',
    (mode) => {
      const idToToken = Object.fromEntries(
        Object.entries(endToEndVocab.program_token_to_idx).map(([token, id]) => [id, token]),
      );
      // The stack's two kinds of value: selections (object sets and objects) and answers. A one-input module reads a
      // selection, a two-input one two values of the kind it gives.
      const kindOf = (type: string) => (type === 'ObjectSet' || type === 'Object' ? 'selection' : 'answer');
      const runs = (layout: number[]) => {
        const stack = ['selection'];
        for (const id of layout) {
          const type = clevrTypes.typeOf(idToToken[id]);
          if (!type) continue; // the no-op
          const output = kindOf(type.output);
          const need = type.inputs.map(() => (type.inputs.length === 2 ? output : 'selection'));
          if (stack.length < need.length) return false;
          for (const kind of need) if (stack.pop() !== kind) return false;
          stack.push(output);
        }
        return true;
      };
      const T = 6; // the depth of 8 holds the scene and a push at every step
      const draw = (validity: boolean) => {
        const { model } = createStackEndToEndNetwork(
          stackConfig(mode, { stack: { steps: T, depth: 8, validity } }),
          endToEndVocab,
        );
        const out = tf.tidy(() => {
          const o = model.forward(randomFeatures(16, 5), randomQuestions(16, 6), { rng: createRng(2) });
          const plain = tf.logSoftmax(o.stepLogits);
          const chosen = tf.oneHot(tf.tensor2d(o.trace.tokens, [16, T], 'int32'), plain.shape[2]);
          return {
            tokens: o.trace.tokens,
            logProbs: o.decoded.logProbs.arraySync() as number[][],
            unmasked: tf.sum(tf.mul(plain, chosen), 2).arraySync() as number[][],
          };
        });
        model.dispose();
        const layouts = Array.from({ length: 16 }, (_, i) => [...out.tokens.slice(i * T, (i + 1) * T)]);
        return { ...out, layouts };
      };
      // Without the validity some drawn layouts cannot run; with it all can.
      expect(draw(false).layouts.some((l) => !runs(l))).toBe(true);
      const valid = draw(true);
      for (const layout of valid.layouts) expect(runs(layout)).toBe(true);
      // Masking renormalises over fewer tokens: no drawn token is less likely than under the plain scores, some more.
      const gains = valid.logProbs.flatMap((row, i) => row.map((lp, t) => lp - valid.unmasked[i][t]));
      for (const g of gains) expect(g).toBeGreaterThan(-1e-5);
      expect(Math.max(...gains)).toBeGreaterThan(0.01);
    },
  );

  it('controller dropout: only with a generator, repeatable by its seed, and no effect at rate 0', () => {
    const questions = randomQuestions(3, 8);
    const logits = (rate: number, rng?: Rng) => {
      const { model } = createStackEndToEndNetwork(
        stackConfig('soft', { stack: { steps: 4, depth: 3, controllerDropout: rate } }),
        endToEndVocab,
      );
      const out = Array.from(tf.tidy(() => model.layoutLogits(questions, 4, rng).dataSync()));
      model.dispose();
      return out;
    };
    const plain = logits(0);
    expect(logits(0.5)).toEqual(plain);
    expect(logits(0, createRng(1))).toEqual(plain);
    const dropped = logits(0.5, createRng(1));
    expect(dropped).not.toEqual(plain);
    expect(logits(0.5, createRng(1))).toEqual(dropped);
    expect(() =>
      createStackEndToEndNetwork(stackConfig('soft', { stack: { controllerDropout: 1 } }), endToEndVocab),
    ).toThrow(/stack\.controllerDropout/);
  });

  it('a config error names the field', () => {
    expect(() =>
      createStackEndToEndNetwork(stackConfig('soft', { stack: { steps: 0 } }), endToEndVocab),
    ).toThrow(/stack\.steps/);
    expect(() =>
      createStackEndToEndNetwork(
        { ...stackConfig(), executor: { ...stackConfig().executor, modules: 'residual' as never } },
        endToEndVocab,
      ),
    ).toThrow(/executor\.modules/);
  });
});
