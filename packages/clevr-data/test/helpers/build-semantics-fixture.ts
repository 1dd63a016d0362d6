/**
 * Rebuilds test/fixtures/semantics-{scenes,questions}.json: CLEVR's official templates (from
 * /work/shared/clevr-reference, a development-time source only) instantiated by our generator on the
 * hand-written scenes. Run: npx tsx test/helpers/build-semantics-fixture.ts, then
 * npx biome check --write test/fixtures (from the repository root: packages/clevr-data/test/fixtures).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateQuestions, loadTemplateDir } from '../../src/questions/index.js';
import { handScenes } from './semantics-scenes.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
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
