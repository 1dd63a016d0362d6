import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import {
  encodePrefixPrograms,
  ProgramError,
  type ProgramTreeNode,
  parsePrefixPrograms,
  tokenMapOf,
} from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  defineClevrModules,
  executePrograms,
  gatherRows,
  type ModuleBuildConfig,
  type ModuleDefinition,
  ModuleNetwork,
  ModuleRegistry,
  type ModuleSet,
  residualBinary,
  residualUnary,
} from '../src/index.js';
import { maxAbsDiff, PROGRAMS, TOKENS, useBackend } from './helpers.js';

const vocab = tokenMapOf(TOKENS);
const D = 4;

function build(seed = 1) {
  const store = new ParameterStore(createRng(seed));
  const registry = defineClevrModules(new ModuleRegistry<ModuleBuildConfig>(), TOKENS);
  const model = new ModuleNetwork(
    store,
    { inChannels: 3, stemDim: D, height: 4, width: 4, classifier: { projDim: 6, hiddenDim: 8 } },
    registry,
    5,
    vocab,
  );
  return { store, model };
}

function features(n: number, seed = 3): tf.Tensor4D {
  return tf.randomNormal([n, 4, 4, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** A custom DSL, `start` (the features), `shift` (given) and `plus`, and the trees of `programs` in it. */
function startShiftPlus<C>(
  shift: ModuleDefinition<1, C>['create'],
  config: C,
  programs: string[][],
): { store: ParameterStore; mods: ModuleSet; trees: ProgramTreeNode[] } {
  const registry = new ModuleRegistry<C>()
    .define({ name: 'start', arity: 0, create: () => (_in, call) => call.features })
    .define({ name: 'shift', arity: 1, create: shift })
    .define({
      name: 'plus',
      arity: 2,
      create:
        () =>
        ([a, b]) =>
          tf.add(a, b),
    });
  const store = new ParameterStore(createRng(0));
  const mods = registry.instantiate(store.scope('m'), config);
  const v = tokenMapOf(registry.names());
  const trees = parsePrefixPrograms(encodePrefixPrograms(programs, v), v, { arityOf: registry.arityOf });
  return { store, mods, trees };
}

describe('module network executor (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('gathers rows with repeats and a gradient made of gathers', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const idx = [2, 0, 2, 1, 2];
    expect(gatherRows(x, idx).arraySync()).toEqual(tf.gather(x, idx).arraySync());
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [5, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t, idx), w)))(x);
    expect(g.arraySync()).toEqual([
      [3, 4],
      [7, 8],
      [1 + 5 + 9, 2 + 6 + 10],
    ]);
    expect(gatherRows(x, [0, 1, 2])).toBe(x);
  });

  it('batched execution equals executing each sample alone', () => {
    const { model } = build();
    const trees = parsePrefixPrograms(encodePrefixPrograms(PROGRAMS, vocab), vocab);
    const feats = features(PROGRAMS.length);
    const batched = model.forward(feats, trees).logits;
    const roots = tf.tidy(() => model.execute(feats, trees).outputs);
    expect(roots.shape).toEqual([PROGRAMS.length, 4, 4, D]);
    trees.forEach((tree, i) => {
      const one = tf.slice(feats, [i, 0, 0, 0], [1, 4, 4, 3]);
      const alone = model.forward(one, [tree]).logits;
      expect(maxAbsDiff(alone.dataSync(), tf.slice(batched, [i, 0], [1, 5]).dataSync())).toBeLessThan(1e-5);
      const rootAlone = tf.tidy(() => model.execute(one, [tree]).outputs);
      expect(
        maxAbsDiff(rootAlone.dataSync(), tf.slice(roots, [i, 0, 0, 0], [1, 4, 4, D]).dataSync()),
      ).toBeLessThan(1e-5);
    });
  });

  it('evaluates the real tree: matches a direct recursive evaluation with the blocks', () => {
    const { model, store } = build();
    const tree = parsePrefixPrograms(encodePrefixPrograms([PROGRAMS[3]], vocab), vocab)[0];
    const feats = features(1, 7);
    const weights = (name: string, n: number) => {
      const out: Record<string, { kernel: tf.Tensor; bias: tf.Tensor }> = {};
      for (let i = 1; i <= n; i++) {
        out[`conv${i}`] = {
          kernel: store.get(`modules.${name}.conv${i}.kernel`),
          bias: store.get(`modules.${name}.conv${i}.bias`),
        };
      }
      return out;
    };
    tf.tidy(() => {
      const scene = model.stem.apply(feats);
      const evalNode = (node: typeof tree): tf.Tensor4D => {
        if (node.token === 'scene') return scene;
        const ins = node.inputs.map(evalNode);
        if (ins.length === 2) return residualBinary(ins[0], ins[1], weights(node.token, 3) as never);
        return residualUnary(ins[0], weights(node.token, 2) as never);
      };
      const direct = evalNode(tree);
      const executed = model.execute(feats, [tree]).outputs;
      expect(maxAbsDiff(direct.dataSync(), executed.dataSync())).toBeLessThan(1e-5);
    });
  });

  it('sends gradients to exactly the modules the batch used', () => {
    const { model, store } = build();
    const used = [PROGRAMS[0], PROGRAMS[2]];
    const trees = parsePrefixPrograms(encodePrefixPrograms(used, vocab), vocab);
    const feats = features(2);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(model.forward(feats, trees).logits)) as tf.Scalar,
      store.variables(),
    );
    const usedTokens = new Set(used.flat().filter((t) => t !== 'scene'));
    for (const [name, v] of store.entries()) {
      const g = grads[v.name];
      const module = name.startsWith('modules.') ? name.split('.')[1] : null;
      if (module === null || usedTokens.has(module)) {
        expect(g, name).toBeDefined();
        expect(tf.max(tf.abs(g)).dataSync()[0], name).toBeGreaterThan(0);
      } else {
        expect(g === undefined || tf.max(tf.abs(g)).dataSync()[0] === 0, name).toBe(true);
      }
    }
  });

  it('captures a channel-norm map of every node', () => {
    const { model } = build();
    const trees = parsePrefixPrograms(encodePrefixPrograms(PROGRAMS.slice(0, 3), vocab), vocab);
    const feats = features(3);
    const { captures } = model.forward(feats, trees, { capture: true });
    expect(captures!.map((c) => c.map((n) => n.token))).toEqual(PROGRAMS.slice(0, 3));
    const last = captures![1][0];
    expect(last.shape).toEqual([4, 4]);
    const root = tf.tidy(
      () => model.execute(tf.slice(feats, [1, 0, 0, 0], [1, 4, 4, 3]), [trees[1]]).outputs,
    );
    const norms = tf.sqrt(tf.sum(tf.square(root), -1)).dataSync();
    expect(maxAbsDiff(last.map, norms)).toBeLessThan(1e-5);
  });

  it('rejects programs with tokens the network has no module for, naming sample and step', () => {
    const { model } = build();
    const bad = [{ token: 'count', step: 1, inputs: [{ token: 'filter_size[huge]', step: 2, inputs: [] }] }];
    const feats = features(2);
    expect(() =>
      model.forward(feats, [parsePrefixPrograms([[1, vocab.scene, 2]], vocab)[0], bad[0]]),
    ).toThrow(/sample 1, step 2 \(filter_size\[huge\]\): no module is registered/);
    const wrong = { token: 'union', step: 1, inputs: [{ token: 'scene', step: 2, inputs: [] }] };
    expect(() => model.forward(features(1), [wrong])).toThrow(ProgramError);
    expect(() => model.forward(features(1), [[1, vocab.union, vocab.scene, 2]])).toThrow(
      /sample 0, step 1 \(union\): needs 2 input/,
    );
  });

  it('runs custom modules with per-sample side inputs through the same executor', () => {
    const offsets = tf.tensor1d([10, 20]);
    const { store, mods, trees } = startShiftPlus(
      (scope, config) => {
        const w = scope.create('w', [1], () => Float32Array.of(config.scale));
        return ([x], call) => tf.add(tf.mul(x, w), tf.reshape(call.gather(offsets), [-1, 1, 1, 1]));
      },
      { scale: 2 },
      [
        ['plus', 'shift', 'start', 'start'],
        ['shift', 'shift', 'start'],
      ],
    );
    const x = tf.ones([2, 1, 1, 1]) as tf.Tensor4D;
    const out = executePrograms(trees, x, mods).outputs.dataSync();
    expect(Array.from(out)).toEqual([2 + 10 + 1, (2 + 20) * 2 + 20]);
    expect(store.names()).toEqual(['m.shift.w']);
  });

  it('tells each call the sample and step of every row, and hands the plan over before the first call', () => {
    // A sample appears twice in one call (two `shift` nodes of height 2 in `plus`): steps tell its rows apart.
    const seen: { samples: number[]; steps: number[] }[] = [];
    const { mods, trees } = startShiftPlus(
      () => (inputs, call) => {
        seen.push({ samples: [...call.samples], steps: [...call.steps] });
        return inputs[0];
      },
      {},
      [
        ['plus', 'shift', 'start', 'shift', 'start'],
        ['shift', 'start'],
      ],
    );
    let planned = -1;
    const result = executePrograms(trees, tf.ones([2, 1, 1, 1]) as tf.Tensor4D, mods, {
      onPlan: (plan) => {
        expect(seen).toHaveLength(0);
        planned = plan.calls.length;
      },
    });
    expect(planned).toBe(result.plan.calls.length);
    // Steps are the tokens' positions in the id rows (<START> at 0).
    expect(seen).toEqual([{ samples: [0, 0, 1], steps: [2, 4, 1] }]);
    const call = result.plan.calls.find((c) => c.family === 'shift')!;
    expect(call.nodes.map((id) => result.plan.nodes[id].call)).toEqual(
      call.nodes.map(() => result.plan.calls.indexOf(call)),
    );
  });
});
