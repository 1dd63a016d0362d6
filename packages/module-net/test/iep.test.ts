import { createRng, initBackend, ParameterStore, tf } from '@mmnet/core-tensors';
import { treeToPrefix } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createModuleNetwork,
  iepArity,
  iepModuleName,
  ModuleClassifier,
  parseIepPrograms,
} from '../src/index.js';

const VOCAB = {
  program_token_to_idx: {
    '<NULL>': 0,
    '<START>': 1,
    '<END>': 2,
    '<UNK>': 3,
    scene: 4,
    'filter_color[red]': 5,
    count: 6,
    equal_integer: 7,
    union: 8,
  },
  answer_token_to_idx: { '<NULL>': 0, yes: 1, no: 2 },
};

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
});

describe("clevr-iep's arity rule", () => {
  it('reads scene as 0, equal*/union/intersect/less_than/greater_than as 2, everything else (specials too) as 1', () => {
    expect(iepArity('scene')).toBe(0);
    for (const t of ['equal_integer', 'equal_color', 'union', 'intersect', 'less_than', 'greater_than']) {
      expect(iepArity(t)).toBe(2);
    }
    for (const t of [
      'filter_color[red]',
      'count',
      'relate[left]',
      'same_shape',
      '<END>',
      '<UNK>',
      '<NULL>',
    ]) {
      expect(iepArity(t)).toBe(1);
    }
    expect(iepModuleName('<END>')).toBe('iep_end');
    expect(iepModuleName('count')).toBe('count');
  });
});

describe('parseIepPrograms', () => {
  const parse = (row: number[]) => treeToPrefix(parseIepPrograms([row], VOCAB.program_token_to_idx)[0]);

  it('reads a well-formed row as its prefix program', () => {
    expect(parse([1, 7, 6, 4, 6, 5, 4, 2, 0])).toEqual([
      'equal_integer',
      'count',
      'scene',
      'count',
      'filter_color[red]',
      'scene',
    ]);
  });

  it('reads rows as clevr-iep does: <START> skipped, <NULL> and the end as scene, <END>/<UNK> as unary modules', () => {
    // Too short: the missing inputs are scene.
    expect(parse([8, 6])).toEqual(['union', 'count', 'scene', 'scene']);
    // Several <START>, a <NULL> where an input is due.
    expect(parse([1, 1, 6, 0, 5])).toEqual(['count', 'scene']);
    // <END> and <UNK> inside a program run as modules.
    expect(parse([6, 2, 3, 5])).toEqual(['count', 'iep_end', 'iep_unk', 'filter_color[red]', 'scene']);
    // Only <NULL>: scene.
    expect(parse([0, 0])).toEqual(['scene']);
  });

  it('names the sample and step of an id outside the vocabulary', () => {
    expect(() =>
      parseIepPrograms(
        [
          [1, 6, 4],
          [1, 99],
        ],
        VOCAB.program_token_to_idx,
      ),
    ).toThrow('program of sample 1, step 1: id 99 is not in the program vocabulary');
  });
});

describe("a module network with clevr-iep's modules", () => {
  it('builds a block for scene, residual blocks, concat blocks; none for <NULL> and <START>', () => {
    const { model, store } = createModuleNetwork(
      {
        modules: 'iep',
        inChannels: 3,
        stemDim: 4,
        height: 4,
        width: 4,
        classifier: { projDim: 0, poolSize: 1, fcLayers: [] },
      },
      VOCAB,
    );
    const names = store.names();
    expect(names).toContain('modules.scene.conv1.kernel');
    expect(names).toContain('modules.iep_end.conv2.bias');
    expect(names).toContain('modules.union.proj.kernel');
    expect(names).toContain('modules.union.block.conv1.kernel');
    expect(names.some((n) => n.includes('<NULL>') || n.includes('<START>') || n.includes('iep_null'))).toBe(
      false,
    );
    // No projection and no hidden layer: the classifier is one linear layer over the flattened 4x4x4 map.
    expect(names.filter((n) => n.startsWith('classifier.'))).toEqual([
      'classifier.fc1.weight',
      'classifier.fc1.bias',
    ]);
    const before = tf.memory().numTensors;
    const logits = tf.tidy(
      () =>
        model.forward(tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D, [
          [1, 6, 5, 4, 2],
          [8, 2],
        ]).logits,
    );
    expect(logits.shape).toEqual([2, 3]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
    store.dispose();
  });

  it('a residual block without the residual differs from one with it (module_residual)', () => {
    const run = (moduleResidual: boolean) => {
      const { model, store } = createModuleNetwork(
        { modules: 'iep', moduleResidual, inChannels: 3, stemDim: 4, height: 2, width: 2, seed: 3 },
        VOCAB,
      );
      const out = tf.tidy(() =>
        Array.from(model.forward(tf.ones([1, 2, 2, 3]) as tf.Tensor4D, [[6, 4]]).logits.dataSync()),
      );
      store.dispose();
      return out;
    };
    expect(run(true)).not.toEqual(run(false));
  });
});

describe("clevr-iep's batch norms (stem_batchnorm, module_batchnorm, classifier_batchnorm)", () => {
  const sizes = { modules: 'iep' as const, inChannels: 3, stemDim: 4, height: 4, width: 4, seed: 2 };
  const features = () => tf.randomNormal([3, 4, 4, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const programs = [
    [1, 6, 5, 4, 2],
    [8, 5, 4, 4, 2],
    [1, 7, 6, 4, 6, 4, 2],
  ];

  it('adds a batch norm after every stem, module and classifier layer, with buffers for the running statistics', () => {
    const { store } = createModuleNetwork(
      {
        ...sizes,
        stemBatchNorm: true,
        moduleBatchNorm: true,
        classifier: { projDim: 5, poolSize: 2, fcLayers: [6], batchNorm: true },
      },
      VOCAB,
    );
    const names = store.names();
    for (const name of [
      'stem.bn1.gamma',
      'stem.bn2.runningVar',
      'modules.scene.bn1.beta',
      'modules.count.bn2.runningMean',
      'modules.union.block.bn1.gamma',
      'classifier.projBn.gamma',
      'classifier.bn1.runningMean',
    ])
      expect(names).toContain(name);
    expect(names).not.toContain('classifier.bn2.gamma'); // none after the output layer
    expect(store.get('modules.count.bn1.runningVar').trainable).toBe(false);
    store.dispose();
  });

  it('with fresh running statistics, evaluation gives the network without batch norms', () => {
    const run = (batchNorm: boolean) => {
      const { model, store } = createModuleNetwork(
        {
          ...sizes,
          stemBatchNorm: batchNorm,
          moduleBatchNorm: batchNorm,
          classifier: { projDim: 5, poolSize: 2, fcLayers: [6], batchNorm },
        },
        VOCAB,
      );
      const out = tf.tidy(() => Array.from(model.forward(features(), programs).logits.dataSync()));
      store.dispose();
      return out;
    };
    const plain = run(false);
    run(true).forEach((v, i) => expect(v).toBeCloseTo(plain[i], 4));
  });

  it("in training, module batch norms take each question's own statistics, as clevr-iep's one-question calls", () => {
    const { model, store } = createModuleNetwork({ ...sizes, moduleBatchNorm: true }, VOCAB);
    const logitsOf = (rows: number[][], x: tf.Tensor4D) =>
      tf.tidy(() => Array.from(model.forward(x, rows, { training: true }).logits.dataSync()));
    const x = features();
    const together = logitsOf(programs, x);
    const alone = logitsOf([programs[1]], tf.slice(x, [1, 0, 0, 0], [1, 4, 4, 3]) as tf.Tensor4D);
    alone.forEach((v, i) => expect(together[3 + i]).toBeCloseTo(v, 4));
    // Training moved the running statistics; evaluation now reads them and differs from training.
    expect(Array.from(store.get('modules.count.bn1.runningMean').dataSync()).some((v) => v !== 0)).toBe(true);
    const evaluated = tf.tidy(() => Array.from(model.forward(x, programs).logits.dataSync()));
    expect(evaluated).not.toEqual(together);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(model.forward(x, programs, { training: true }).logits) as tf.Scalar,
        store.variables().filter((v) => v.trainable),
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    store.dispose();
  });

  it("refuses module batch norms for modules other than clevr-iep's, naming the field", () => {
    expect(() =>
      createModuleNetwork({ ...sizes, modules: 'residual', moduleBatchNorm: true }, VOCAB),
    ).toThrow("module network: moduleBatchNorm needs modules 'iep' (clevr-iep's blocks), not 'residual'");
  });
});

describe('ModuleClassifier layers', () => {
  it('takes any number of hidden layers (fcLayers) and no projection (projDim 0)', () => {
    const store = new ParameterStore(createRng(0));
    const classifier = new ModuleClassifier(store, {
      inChannels: 3,
      height: 4,
      width: 4,
      projDim: 0,
      poolSize: 2,
      fcLayers: [5, 6],
      numAnswers: 2,
    });
    expect(store.names()).toEqual([
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
    expect(classifier.flatDim).toBe(12);
    const out = tf.tidy(() => classifier.apply(tf.ones([2, 4, 4, 3]) as tf.Tensor4D).shape);
    expect(out).toEqual([2, 2]);
    store.dispose();
  });

  it("pools a 3x3 map with a 2x2 window as PyTorch's MaxPool2d (the top-left window), not over the whole map", () => {
    const store = new ParameterStore(createRng(0));
    const classifier = new ModuleClassifier(store, {
      inChannels: 1,
      height: 3,
      width: 3,
      projDim: 0,
      poolSize: 2,
      fcLayers: [],
      numAnswers: 1,
    });
    store.assign({
      'fc1.weight': { shape: [1, 1], data: Float32Array.of(1) },
      'fc1.bias': { shape: [1], data: Float32Array.of(0) },
    });
    // The largest value sits outside the top-left 2x2 window.
    const x = tf.tensor4d([1, 2, 0, 3, 4, 0, 0, 0, 9], [1, 3, 3, 1]);
    expect(Array.from(tf.tidy(() => classifier.apply(x).dataSync()))).toEqual([4]);
    x.dispose();
    store.dispose();
  });
});
