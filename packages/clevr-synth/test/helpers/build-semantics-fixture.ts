/**
 * Rebuilds clevr-data's test/fixtures/semantics-{scenes,questions}.json (its executor tests read them): CLEVR's
 * official templates (from /work/shared/clevr-reference, a development-time source only) instantiated by this
 * package's generator on the hand-written scenes. Run: npx tsx test/helpers/build-semantics-fixture.ts, then
 * npx biome check --write packages/clevr-data/test/fixtures (from the repository root).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handScenes } from '../../../clevr-data/test/helpers/semantics-scenes.js';
import { generateQuestions, loadTemplateDir } from '../../src/questions/index.js';

const fixtures = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'clevr-data',
  'test',
  'fixtures',
);
const scenes = handScenes();
const set = loadTemplateDir('/work/shared/clevr-reference/templates');
const { questions } = generateQuestions(scenes, set, { seed: 2024, templatesPerImage: 90, maxInstances: 1 });
const write = (name: string, value: unknown): void => {
  const path = join(fixtures, name);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value)}\n`);
  renameSync(`${path}.tmp`, path);
};
write('semantics-scenes.json', { info: { split: 'test', version: '1.0' }, scenes });
write('semantics-questions.json', { info: { split: 'test', version: '1.0' }, questions });
console.log(JSON.stringify({ scenes: scenes.length, questions: questions.length }));
