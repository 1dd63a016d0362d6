import { flagSwitch } from '@mmnet/core-tensors';
import { z } from 'zod';
import { formatQuestionStats, questionStats } from '../../dataset/question-stats.js';
import { defineCommand } from '../command.js';

const schema = z.object({
  input_questions_json: z.string().min(1).meta({ description: 'CLEVR questions JSON' }),
  json: flagSwitch().default(false).meta({ description: 'print the counts as one JSON object' }),
});

export const statsCommand = defineCommand({
  name: 'stats',
  summary: 'Print the counts of a questions JSON and its answer distribution per question family.',
  usage: 'mmnet-data stats --input_questions_json <file> [--json]',
  schema,
  async run(f, io, task) {
    const stats = await questionStats(f.input_questions_json, task);
    if (f.json) io.out(JSON.stringify(stats));
    else for (const line of formatQuestionStats(stats, f.input_questions_json)) io.out(line);
    return 0;
  },
});
