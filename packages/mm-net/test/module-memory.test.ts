import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { ModuleNetworkConfigSchema } from '@mmnet/module-net';
import { clevrArity, type ProgramTreeNode, parsePrefixPrograms } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModuleMemory, type ResidualBankLayout } from '../src/index.js';
import { PROGRAMS, programRows, programVocab, randomFeatures, smallConfig } from './fixtures.js';
import { useBackend } from './helpers.js';

const tokens = Object.keys(programVocab).sort((a, b) => programVocab[a] - programVocab[b]);
const trees = parsePrefixPrograms(programRows(), programVocab);
const nodesOf = (n: ProgramTreeNode): ProgramTreeNode[] => [n, ...n.inputs.flatMap(nodesOf)];
const steps = 1 + Math.max(...trees.flatMap(nodesOf).map((n) => n.step));

function build(modules: 'residual' | 'attention', banks: ResidualBankLayout) {
  const config = ModuleNetworkConfigSchema.parse({
    ...smallConfig,
    modules,
    ...(modules === 'attention' ? { stemDim: 5, stemKernelSize: 1 } : {}),
  });
  const store = new ParameterStore(createRng(2));
  const memory = createModuleMemory(store, config, tokens, clevrArity, 4, { banks });
  return { store, memory };
}

/** One-hot addresses [N * steps, rows] at every node's own token (rows of absent steps stay zero). */
function oneHotStepAddresses(rowTokens: readonly string[]): tf.Tensor2D {
  const values = new Float32Array(PROGRAMS.length * steps * rowTokens.length);
  trees.forEach((tree, n) => {
    for (const { token, step } of nodesOf(tree)) {
      const r = rowTokens.indexOf(token);
      if (r >= 0) values[(n * steps + step) * rowTokens.length + r] = 1;
    }
  });
  return tf.tensor2d(values, [PROGRAMS.length * steps, rowTokens.length]);
}

describe('module memories (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('config.modules chooses the memory; every layout keeps its parameter names', () => {
    const byArity = build('residual', 'byArity').store.names();
    expect(byArity.filter((n) => !n.startsWith('stem.') && !n.startsWith('classifier.'))).toEqual([
      'memory.unary',
      'memory.binary',
    ]);
    expect(build('residual', 'shared').store.names()).toContain('memory.bank');
    const attention = build('attention', 'byArity');
    expect(attention.memory.kind).toBe('attention');
    expect(attention.store.names().some((n) => n.startsWith('modules.attention_filter.'))).toBe(true);
    expect(attention.store.names().some((n) => n.startsWith('memory.'))).toBe(false);
    // The rows: the function tokens in vocabulary order, whatever the kind.
    const functions = tokens.filter((t) => (clevrArity(t) ?? 0) >= 1);
    expect(attention.memory.rowTokens).toEqual(functions);
    expect(build('residual', 'shared').memory.rowTokens).toEqual(functions);
    const iep = ModuleNetworkConfigSchema.parse({ ...smallConfig, modules: 'iep' });
    expect(() =>
      createModuleMemory(new ParameterStore(createRng(0)), iep, tokens, clevrArity, 4, { banks: 'shared' }),
    ).toThrow(/modules 'iep'.*is for a module network/);
  });

  for (const [modules, banks] of [
    ['residual', 'byArity'],
    ['residual', 'shared'],
    ['attention', 'byArity'],
  ] as const) {
    it(`${modules} memory (${banks}): mixed reads of one-hot addresses = one-hot reads = chosen rows, values and gradients`, () => {
      const { store, memory } = build(modules, banks);
      const features = randomFeatures(PROGRAMS.length, 7);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0], 'int32'), 4);
      const addresses = oneHotStepAddresses(memory.rowTokens);
      const run = (how: 'execute' | 'executeChosen' | 'executeMixed') =>
        tf.variableGrads(() => {
          const v = memory.stem.apply(features);
          const result =
            how === 'executeMixed'
              ? memory.executeMixed(trees, v, { addresses, steps, renormalize: true })
              : memory[how](trees, v);
          return tf.losses.softmaxCrossEntropy(
            labels,
            memory.classifier.apply(result.outputs as tf.Tensor4D),
          ) as tf.Scalar;
        }, store.variables());
      const oneHot = run('execute');
      for (const other of [run('executeChosen'), run('executeMixed')]) {
        expect(other.value.dataSync()[0]).toBeCloseTo(oneHot.value.dataSync()[0], 5);
        for (const name of store.names()) {
          const v = store.get(name);
          const diff = tf.max(tf.abs(tf.sub(other.grads[v.name], oneHot.grads[v.name]))).dataSync()[0];
          expect(diff, name).toBeLessThan(1e-5);
        }
      }
      memory.dispose();
      store.dispose();
    });
  }
});
