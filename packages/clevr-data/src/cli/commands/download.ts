import { z } from 'zod';
import { CLEVR_V1_URL, downloadClevr } from '../../download/download-clevr.js';
import type { Command } from '../command.js';
import { type FlagSpecs, flagPositiveInt, flagSwitch, formatHelp, parseFlags } from '../flags.js';
import { progressLines } from '../progress-line.js';

const flags: FlagSpecs = {
  target_dir: { type: 'string', description: 'folder receiving CLEVR_v1.0/', required: true },
  url: { type: 'string', description: 'archive URL', default: CLEVR_V1_URL },
  expected_size: { type: 'string', description: 'expected archive size in bytes (checked)' },
  keep_zip: { type: 'string', description: 'keep the zip after extraction (0/1)', default: '0' },
  retries: { type: 'string', description: 'automatic resumes after a dropped connection', default: '3' },
};

const schema = z.object({
  target_dir: z.string().min(1),
  url: z.url({ message: 'expected a URL' }).default(CLEVR_V1_URL),
  expected_size: flagPositiveInt.optional(),
  keep_zip: flagSwitch.default(false),
  retries: z.coerce.number().int().min(0).default(3),
});

export const downloadCommand: Command = {
  name: 'download',
  summary:
    'Download the official CLEVR v1.0 archive (resumable: run again after an interruption), extract it safely and verify the official layout.',
  usage: 'mmnet-data download --target_dir <dir> [--url <url>] [--expected_size <bytes>]',
  flags,
  async run(argv, io) {
    if (argv.includes('--help')) {
      io.out(formatHelp(this.usage, this.summary, flags));
      return 0;
    }
    const f = parseFlags(argv, flags, schema);
    const res = await downloadClevr(
      {
        targetDir: f.target_dir,
        url: f.url,
        expectedSize: f.expected_size,
        keepZip: f.keep_zip,
        retries: f.retries,
      },
      { onProgress: progressLines(io.err), signal: io.signal },
    );
    const counts = res.layout.imageCounts;
    io.out(
      `${res.layout.root}: ${res.alreadyPresent ? 'already present' : `downloaded ${res.downloadedBytes} bytes`}; images train ${counts.train}, val ${counts.val}, test ${counts.test}`,
    );
    return 0;
  },
};
