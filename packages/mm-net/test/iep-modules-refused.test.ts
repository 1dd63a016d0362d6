import { tf } from '@mmnet/core-tensors';
import { beforeAll, expect, it } from 'vitest';
import {
  createEndToEndNetwork,
  createModuleMemoryNetwork,
  createStackEndToEndNetwork,
} from '../src/index.js';
import { endToEndVocab, PROGRAMS, programRows, randomFeatures, smallConfig, vocab } from './fixtures.js';
import { useBackend } from './helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const { seed: _, ...executorSizes } = smallConfig;

it("the memory networks refuse module-net's 'iep' modules (clevr-iep's own blocks) with a clear error", () => {
  expect(() => createModuleMemoryNetwork({ ...smallConfig, modules: 'iep' }, vocab)).toThrow(
    /memory networks: modules 'iep'/,
  );
  expect(() =>
    createEndToEndNetwork({ executor: { ...executorSizes, modules: 'iep' } }, endToEndVocab),
  ).toThrow(/memory networks: modules 'iep'/);
});

it("the memory networks and the stack executor refuse moduleBatchNorm (clevr-iep's blocks' batch norms), naming it", () => {
  expect(() => createModuleMemoryNetwork({ ...smallConfig, moduleBatchNorm: true }, vocab)).toThrow(
    "memory networks: moduleBatchNorm (clevr-iep's blocks' batch norms) is for a module network",
  );
  expect(() =>
    createStackEndToEndNetwork(
      {
        executor: {
          ...executorSizes,
          classifier: { projDim: 5, poolSize: 2, hiddenDim: 6 },
          moduleBatchNorm: true,
        },
        programGenerator: { encoderWordvecDim: 5, hiddenDim: 6, numLayers: 1 },
      },
      endToEndVocab,
    ),
  ).toThrow("PG_endtoend stack: moduleBatchNorm (clevr-iep's blocks' batch norms) is for a module network");
});

it('a memory network with stem and classifier batch norms moves their running statistics only when training', () => {
  const { model, store } = createModuleMemoryNetwork(
    { ...smallConfig, stemBatchNorm: true, classifier: { ...smallConfig.classifier, batchNorm: true } },
    vocab,
  );
  const features = randomFeatures(PROGRAMS.length, 3);
  const running = () => Array.from(store.get('stem.bn1.runningMean').dataSync());
  tf.tidy(() => {
    model.forward(features, programRows());
  });
  expect(running()).toEqual([0, 0, 0]);
  tf.tidy(() => {
    model.forward(features, programRows(), { training: true });
  });
  expect(running().some((v) => v !== 0)).toBe(true);
  expect(Array.from(store.get('classifier.projBn.runningVar').dataSync()).some((v) => v !== 1)).toBe(true);
  store.dispose();
});
