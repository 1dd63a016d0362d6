import { z } from 'zod';
import { formatQuestionStats, questionStats } from '../../dataset/question-stats.js';
import { defineCommand } from '../command.js';
import type { FlagSpecs } from '../flags.js';

const flags: FlagSpecs = {
  input_questions_json: { type: 'string', description: 'CLEVR questions JSON', required: true },
  json: { type: 'boolean', description: 'print the counts as one JSON object' },
};

const schema = z.object({ input_questions_json: z.string().min(1), json: z.boolean().default(false) });

export const statsCommand = defineCommand({
  name: 'stats',
  summary: 'Print the counts of a questions JSON and its answer distribution per question family.',
  usage: 'mmnet-data stats --input_questions_json <file> [--json]',
  flags,
  schema,
  async run(f, io, task) {
    const stats = await questionStats(f.input_questions_json, task);
    if (f.json) io.out(JSON.stringify(stats));
    else for (const line of formatQuestionStats(stats, f.input_questions_json)) io.out(line);
    return 0;
  },
});
