import { prepareOutputDir } from '@mmnet/core-tensors';
import { z } from 'zod';
import { CLEVR_V1_URL, downloadClevr } from '../../download/download-clevr.js';
import { DEFAULT_INPUT_LIMITS } from '../../limits/input-limits.js';
import { defineCommand } from '../command.js';
import { type FlagSpecs, flagNonNegativeInt, flagPositiveInt, flagSwitch } from '../flags.js';

const flags: FlagSpecs = {
  target_dir: { type: 'string', description: 'folder receiving CLEVR_v1.0/', required: true },
  url: { type: 'string', description: 'archive URL', default: CLEVR_V1_URL },
  expected_size: { type: 'string', description: 'expected archive size in bytes (checked)' },
  keep_zip: { type: 'string', description: 'keep the zip after extraction (0/1)', default: '0' },
  retries: { type: 'string', description: 'automatic resumes after a dropped connection', default: '3' },
  max_archive_bytes: {
    type: 'string',
    description: 'refuse an archive whose entries extract to more bytes (zip bombs)',
    default: String(DEFAULT_INPUT_LIMITS.maxArchiveBytes),
  },
};

const schema = z.object({
  target_dir: z.string().min(1),
  url: z.url({ message: 'expected a URL' }).default(CLEVR_V1_URL),
  expected_size: flagPositiveInt.optional(),
  keep_zip: flagSwitch.default(false),
  retries: flagNonNegativeInt.default(3),
  max_archive_bytes: flagPositiveInt.default(DEFAULT_INPUT_LIMITS.maxArchiveBytes),
});

export const downloadCommand = defineCommand({
  name: 'download',
  summary:
    'Download the official CLEVR v1.0 archive (resumable: run again after an interruption), extract it safely and verify the official layout.',
  usage: 'mmnet-data download --target_dir <dir> [--url <url>] [--expected_size <bytes>]',
  flags,
  schema,
  async run(f, io, task) {
    prepareOutputDir(f.target_dir, '--target_dir');
    const res = await downloadClevr(
      {
        targetDir: f.target_dir,
        url: f.url,
        expectedSize: f.expected_size,
        keepZip: f.keep_zip,
        retries: f.retries,
        maxArchiveBytes: f.max_archive_bytes,
      },
      task,
    );
    const counts = res.layout.imageCounts;
    io.out(
      `${res.layout.root}: ${res.alreadyPresent ? 'already present' : `downloaded ${res.downloadedBytes} bytes`}; images train ${counts.train}, val ${counts.val}, test ${counts.test}`,
    );
    return 0;
  },
});
