import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { initBackend, writeFileAtomic } from '@mmnet/core-tensors';
import { loadTorchCheckpoint } from '@mmnet/torch-import';
import { z } from 'zod';
import { RunDirectory } from '../../checkpoint/run-directory.js';
import { BACKEND_OPTION, BACKENDS, trainConfigSchema } from '../../config/train-config.js';
import { convertClevrIepCheckpoint } from '../../convert/clevr-iep.js';
import { convertReferenceStateDict } from '../../convert/reference.js';
import { datasetFiles } from '../../data/dataset-files.js';
import { readVocabFile, vocabHash } from '../../data/vocab-file.js';
import { createModel } from '../../models/create-model.js';
import type { ModelRegistry } from '../../models/registry.js';
import type { CliIo } from '../io.js';
import { type OptionSpec, parseCommandLine, UsageError } from '../options.js';

export const CONVERT_SOURCES = ['clevr-iep', 'reference'] as const;

const CONVERT_OPTIONS: OptionSpec[] = [
  {
    flag: '--from',
    key: 'from',
    value: 'KIND',
    kind: 'string',
    description: `what the checkpoint is: ${CONVERT_SOURCES.join('|')}`,
  },
  {
    flag: '--checkpoint',
    key: 'checkpoint',
    value: 'FILE.pt',
    kind: 'string',
    description: 'the PyTorch checkpoint (or give it as the one argument that is not an option)',
  },
  { flag: '--out', key: 'out', value: 'DIR', kind: 'string', description: 'the run folder to write' },
  {
    flag: '--vocab',
    key: 'vocab',
    value: 'FILE',
    kind: 'string',
    description: "reference: the dataset's vocab.json (its state dicts record none)",
    defaultText: '<clevr_dataset>/vocab.json',
  },
  {
    flag: '--clevr_dataset',
    key: 'clevr_dataset',
    value: 'DIR',
    kind: 'string',
    description: 'dataset folder eval and predict use by default',
    defaultText: 'data',
  },
  BACKEND_OPTION,
  { flag: '--help', key: 'help', kind: 'boolean', description: 'print this help' },
];

const convertSchema = z
  .object({
    from: z.enum(CONVERT_SOURCES, { error: `must be one of ${CONVERT_SOURCES.join(', ')}` }),
    checkpoint: z.string({ error: 'is required' }).min(1),
    out: z.string({ error: 'is required' }).min(1),
    clevr_dataset: z.string().min(1).default('data'),
    vocab: z.string().min(1).optional(),
    backend: z.enum(BACKENDS, { error: `must be one of ${BACKENDS.join(', ')}` }).optional(),
    help: z.boolean().optional(),
  })
  .strict();

/** The one positional argument (the checkpoint) moved to --checkpoint; value options keep their values. */
function positionalToOption(argv: string[]): string[] {
  const takesValue = new Set(
    CONVERT_OPTIONS.filter((o) => o.kind !== 'boolean').map((o) =>
      o.flag.replace(/^--/, '').replace(/-/g, '_'),
    ),
  );
  const out: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      out.push(arg);
      const name = arg.replace(/^--/, '').replace(/-/g, '_');
      if (!arg.includes('=') && takesValue.has(name) && i + 1 < argv.length) out.push(argv[++i]);
    } else positional.push(arg);
  }
  if (positional.length > 1) throw new UsageError(`one checkpoint at a time, got ${positional.join(', ')}`);
  if (positional.length === 1) out.push('--checkpoint', positional[0]);
  return out;
}

/**
 * `mmnet convert --from clevr-iep CHECKPOINT.pt --out RUN_DIR` (or `--from reference STATE_DICT.model --vocab
 * vocab.json`): reads a PyTorch checkpoint (no Python; a restricted unpickler), converts it to mmnet's model,
 * checks that every parameter loads into that model, and writes a run folder (run.json, checkpoints/, vocab.json)
 * that `mmnet eval` and `mmnet predict` use.
 */
export async function convertCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const opts = parseCommandLine(
    positionalToOption(argv),
    CONVERT_OPTIONS,
    convertSchema,
    {
      usage: 'mmnet convert --from clevr-iep|reference CHECKPOINT.pt --out RUN_DIR',
      summary:
        "Converts a PyTorch checkpoint (clevr-iep's program generator + execution engine, or a state dict of the reference's PG, PG_memory or SAN) to an mmnet run folder.",
    },
    (text) => io.out(text),
  );
  if (!opts) return 0;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(opts.checkpoint);
  } catch (error) {
    throw new Error(`${opts.checkpoint}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const loaded = loadTorchCheckpoint(bytes, opts.checkpoint);
  const converted =
    opts.from === 'clevr-iep'
      ? convertClevrIepCheckpoint(loaded, opts.checkpoint)
      : convertReferenceStateDict(
          loaded,
          readVocabFile(opts.vocab ?? datasetFiles(opts.clevr_dataset).vocab),
          opts.checkpoint,
        );
  const config = trainConfigSchema.parse({ ...converted.config, clevr_dataset: opts.clevr_dataset });
  // The feature shape the model is built for: the executor's (IEP) or the model's own config (PG, PG_memory,
  // SAN: any size).
  const sizes = (config.model_config.executor ?? config.model_config) as {
    height?: number;
    width?: number;
    inChannels: number;
  };
  // The model the run describes must take every converted parameter, each with its shape.
  await initBackend({ prefer: opts.backend, log: (line) => io.err(line) });
  const model = await createModel(
    config,
    converted.vocab,
    [sizes.height ?? 14, sizes.width ?? 14, sizes.inChannels],
    registry,
  );
  try {
    model.store.assign(converted.tensors, { strict: true, source: opts.checkpoint });
  } finally {
    model.dispose();
  }
  const dir = new RunDirectory(opts.out);
  if (dir.hasManifest()) throw new Error(`${opts.out}: already holds a run (run.json); choose another --out`);
  dir.ensure();
  writeFileAtomic(dir.path('vocab.json'), `${JSON.stringify(converted.vocab)}\n`);
  dir.commit(
    0,
    converted.tensors,
    {
      config,
      vocab_hash: vocabHash(converted.vocab),
      step: 0,
      converted_from: { kind: opts.from, file: basename(opts.checkpoint) },
    },
    { isBest: true },
  );
  const count = Object.keys(converted.tensors).length;
  io.out(
    `converted ${opts.checkpoint} (${opts.from}): ${count} tensors, model ${config.model}; run in ${opts.out}` +
      (converted.skipped.length ? ` (${converted.skipped.length} unused entries skipped)` : ''),
  );
  return 0;
}
