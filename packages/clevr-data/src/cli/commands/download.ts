import { flagInt, flagSwitch, prepareOutputDir } from '@mmnet/core-tensors';
import { z } from 'zod';
import { CLEVR_V1_URL, downloadClevr } from '../../download/download-clevr.js';
import { DEFAULT_INPUT_LIMITS } from '../../limits/input-limits.js';
import { defineCommand } from '../command.js';

const schema = z.object({
  target_dir: z.string().min(1).meta({ description: 'folder receiving CLEVR_v1.0/' }),
  url: z.url({ message: 'expected a URL' }).default(CLEVR_V1_URL).meta({ description: 'archive URL' }),
  expected_size: flagInt(1).optional().meta({ description: 'expected archive size in bytes (checked)' }),
  keep_zip: flagSwitch().default(false).meta({ description: 'keep the zip after extraction' }),
  retries: flagInt(0).default(3).meta({ description: 'automatic resumes after a dropped connection' }),
  max_archive_bytes: flagInt(1)
    .default(DEFAULT_INPUT_LIMITS.maxArchiveBytes)
    .meta({ description: 'refuse an archive whose entries extract to more bytes (zip bombs)' }),
});

export const downloadCommand = defineCommand({
  name: 'download',
  summary:
    'Download the official CLEVR v1.0 archive (resumable: run again after an interruption), extract it safely and verify the official layout.',
  usage: 'mmnet-data download --target_dir <dir> [--url <url>] [--expected_size <bytes>]',
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
