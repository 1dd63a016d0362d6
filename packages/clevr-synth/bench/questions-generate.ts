/**
 * Question-generation throughput on seeded synthetic scenes: prints one JSON line per configuration.
 * Run: npx tsx bench/questions-generate.ts [scenes=500]
 */

import { randomScenes } from '../../clevr-data/test/helpers/semantics-scenes.js';
import { builtinTemplateSet, generateQuestions } from '../src/questions/index.js';

const n = Number(process.argv[2] ?? 500);
const scenes = randomScenes(n, 1);
const set = builtinTemplateSet();
for (const maxStates of [2000, 5000, 20000]) {
  const t0 = performance.now();
  const { questions, stats } = generateQuestions(scenes, set, { seed: 1, maxStates });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      bench: 'questions-generate',
      scenes: n,
      maxStates,
      questions: questions.length,
      seconds: Number(seconds.toFixed(2)),
      questionsPerSecond: Math.round(questions.length / seconds),
      searchStates: stats.states,
      truncatedSearches: stats.truncatedSearches,
      minPerTemplate: Math.min(...stats.perTemplate),
    }),
  );
}
