import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { presetNames } from '@mmnet/clevr-synth';
import {
  flagSpecs,
  flagSwitch,
  helpText,
  initBackend,
  parseFlags,
  readFlags,
  UsageError,
  wantsHelp,
} from '@mmnet/core-tensors';
import { builtinModels, type CliIo, type ModelRegistry, runCli, trainFlagsSchema } from '@mmnet/trainer';
import { z } from 'zod';
import {
  buildDatasetFolder,
  type ClevrLayout,
  clevrLayout,
  prepareSyntheticPreset,
} from './prepare-dataset.js';
import { DEFAULT_MODEL, defaultTrainArgs } from './schedule.js';

const exampleSchema = z
  .object({
    preset: z
      .string()
      .refine((name) => presetNames().includes(name), { error: `must be one of ${presetNames().join(', ')}` })
      .default('clevr-mini')
      .meta({ description: `synthetic dataset: ${presetNames().join('|')}`, value: 'NAME' }),
    clevr_dir: z.string().min(1).optional().meta({
      description: 'an official-layout CLEVR folder (images/, questions/) instead of a preset',
      flag: 'clevr-dir',
      value: 'DIR',
    }),
    data_dir: z.string().min(1).optional().meta({
      description: 'cache of generated images and preprocessed files',
      flag: 'data-dir',
      value: 'DIR',
      default: 'examples/train-clevr/data',
    }),
    prepare_only: flagSwitch()
      .default(false)
      .meta({ description: 'build the dataset folder, then stop', flag: 'prepare-only' }),
  })
  .strict();

/** Splits argv into the example's own flags and the `mmnet train` flags passed through. */
function splitArgs(argv: string[]): { own: string[]; train: string[] } {
  const specs = new Map([...flagSpecs(exampleSchema), ...flagSpecs(trainFlagsSchema)].map((s) => [s.key, s]));
  const ownFlags = new Set(flagSpecs(exampleSchema).map((s) => s.key));
  const own: string[] = [];
  const train: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') continue; // `pnpm start -- --flag` passes the separator through
    const name = argv[i].split('=')[0].replace(/^-+/, '').replace(/-/g, '_');
    const target = ownFlags.has(name) ? own : train;
    target.push(argv[i]);
    const spec = specs.get(name);
    if (!argv[i].includes('=') && spec && !spec.isSwitch && i + 1 < argv.length) target.push(argv[++i]);
  }
  return { own, train };
}

export interface ExampleOptions {
  baseDir: string;
  registry?: ModelRegistry;
}

export async function runExample(argv: string[], io: CliIo, options: ExampleOptions): Promise<number> {
  const registry = options.registry ?? builtinModels();
  if (wantsHelp(argv)) {
    io.out(
      helpText(
        'pnpm start [example flags] [mmnet train flags]',
        'Builds a CLEVR dataset folder (synthetic preset or official layout), trains, evaluates and writes the report.',
        exampleSchema,
      ),
    );
    io.out('\nAny `mmnet train` flag is passed through (see `mmnet train --help`).');
    return 0;
  }
  const { own, train } = splitArgs(argv);
  let opts: z.output<typeof exampleSchema>;
  let given: Record<string, string | boolean>;
  try {
    opts = parseFlags(own, exampleSchema);
    given = readFlags(train, trainFlagsSchema).values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    for (const line of error.message.split('\n')) io.err(`train-clevr: ${line}`);
    return 2;
  }
  const started = performance.now();
  await initBackend({
    prefer: typeof given.backend === 'string' ? (given.backend as 'wasm') : undefined,
    log: (line) => io.err(line),
  });
  const dataRoot = resolve(opts.data_dir ?? join(options.baseDir, 'data'));
  const log = (line: string) => io.err(line);
  let layout: ClevrLayout;
  let datasetDir: string;
  if (opts.clevr_dir) {
    layout = clevrLayout(resolve(opts.clevr_dir));
    datasetDir = join(dataRoot, 'official');
    await buildDatasetFolder(layout, datasetDir, log);
  } else {
    ({ layout, datasetDir } = await prepareSyntheticPreset(opts.preset, dataRoot, log));
  }
  if (opts.prepare_only) {
    io.out(`dataset folder: ${datasetDir}`);
    return 0;
  }
  const model = typeof given.model === 'string' ? given.model : DEFAULT_MODEL;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const defaults = defaultTrainArgs(model, {
    model,
    clevr_dataset: datasetDir,
    clevr_val_images: layout.images('val'),
    out: join(options.baseDir, 'runs', `${opts.clevr_dir ? 'official' : opts.preset}-${model}-${stamp}`),
  });
  const trainArgv = [...train];
  for (const [key, value] of Object.entries(defaults.args))
    if (!(key in given)) trainArgv.push(`--${key}=${value}`);
  if (!('config' in given)) {
    // Model sizes go through a --config file (model_config), next to the run folder.
    const configFile = `${typeof given.out === 'string' ? given.out : defaults.args.out}.config.json`;
    mkdirSync(dirname(configFile), { recursive: true });
    writeFileSync(configFile, `${JSON.stringify({ model_config: defaults.modelConfig }, null, 2)}\n`);
    trainArgv.push(`--config=${configFile}`);
  }
  if (typeof given.resume === 'string') trainArgv.splice(0, trainArgv.length, ...train);
  io.err(`mmnet train ${trainArgv.join(' ')}`);
  const trainCode = await runCli(['train', ...trainArgv], io, registry);
  if (trainCode !== 0) return trainCode;
  const out =
    typeof given.resume === 'string'
      ? given.resume
      : typeof given.out === 'string'
        ? given.out
        : defaults.args.out;
  const evalJson = join(String(out), 'eval-val.json');
  const evalCode = await runCli(
    [
      'eval',
      '--run',
      String(out),
      '--json',
      evalJson,
      ...(given.backend ? [`--backend=${given.backend}`] : []),
    ],
    io,
    registry,
  );
  if (evalCode !== 0) return evalCode;
  for (const line of summaryLines(evalJson, String(out), layout)) io.out(line);
  io.out(
    `total time ${((performance.now() - started) / 60000).toFixed(1)} min; report: ${join(String(out), 'report.html')}`,
  );
  return 0;
}

const evalSummarySchema = z.looseObject({
  accuracy: z.number(),
  count: z.number(),
  programExactMatch: z.number().optional(),
  givenPrograms: z.object({ accuracy: z.number() }).optional(),
});

/**
 * What the run ends with: val accuracy (with predicted programs and with the ground-truth ones when the model
 * predicts them), program exact match, and a ready-to-paste `mmnet predict` command with a val question in words.
 */
export function summaryLines(evalJson: string, runDir: string, layout: ClevrLayout): string[] {
  const r = evalSummarySchema.parse(JSON.parse(readFileSync(evalJson, 'utf8')));
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines =
    r.programExactMatch !== undefined
      ? [
          `val accuracy with predicted programs: ${pct(r.accuracy)} (${r.count} questions)` +
            (r.givenPrograms ? `; with ground-truth programs: ${pct(r.givenPrograms.accuracy)}` : ''),
          `program exact match: ${pct(r.programExactMatch)}`,
        ]
      : [`val accuracy: ${pct(r.accuracy)} (${r.count} questions)`];
  const example = firstQuestion(layout.questions('val'));
  if (example) {
    const image = resolve(layout.images('val'), example.image);
    const quoted = example.question.replace(/(["\\$`])/g, '\\$1');
    lines.push(
      'ask it a question:',
      `  pnpm --filter @mmnet/example-train-clevr exec mmnet predict --run ${resolve(runDir)} --image ${image} --question "${quoted}"`,
    );
  }
  return lines;
}

/** The first question of a CLEVR questions file and its image's file name (none when unreadable). */
function firstQuestion(file: string): { question: string; image: string } | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = z
    .object({
      questions: z.array(z.looseObject({ question: z.string(), image_filename: z.string() })).min(1),
    })
    .safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) return undefined;
  const q = parsed.data.questions[0];
  return { question: q.question, image: q.image_filename };
}
