import { beforeAll, expect, it } from 'vitest';
import { createEndToEndNetwork, createModuleMemoryNetwork } from '../src/index.js';
import { endToEndVocab, smallConfig, vocab } from './fixtures.js';
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
