import { z } from 'zod';
import { formatQuestionStats, questionStats } from '../../dataset/question-stats.js';
import type { Command } from '../command.js';
import { type FlagSpecs, formatHelp, parseFlags } from '../flags.js';
import { progressLines } from '../progress-line.js';

const flags: FlagSpecs = {
  input_questions_json: { type: 'string', description: 'CLEVR questions JSON', required: true },
  json: { type: 'boolean', description: 'print the counts as one JSON object' },
};

const schema = z.object({ input_questions_json: z.string().min(1), json: z.boolean().default(false) });

export const statsCommand: Command = {
  name: 'stats',
  summary: 'Print the counts of a questions JSON and its answer distribution per question family.',
  usage: 'mmnet-data stats --input_questions_json <file> [--json]',
  flags,
  async run(argv, io) {
    if (argv.includes('--help')) {
      io.out(formatHelp(this.usage, this.summary, flags));
      return 0;
    }
    const f = parseFlags(argv, flags, schema);
    const stats = await questionStats(f.input_questions_json, {
      onProgress: progressLines(io.err),
      signal: io.signal,
    });
    if (f.json) io.out(JSON.stringify(stats));
    else for (const line of formatQuestionStats(stats, f.input_questions_json)) io.out(line);
    return 0;
  },
};
