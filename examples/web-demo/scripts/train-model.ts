/**
 * Trains the demo's small bundled model and exports it into public/model with `mmnet export --web`:
 *
 *   pnpm --filter @mmnet/example-web-demo train-model [--dataset DIR] [--minutes 12] [--init CHECKPOINT]
 *
 * A PG module network with its seq2seq program generator trained together (as `pnpm train` does, with the same
 * sizes), for --minutes of training; --init starts from a checkpoint's weights (e.g. to train a run further).
 * --dataset is a built clevr-data preset folder (default: clevr-mini, built into .data/ on first use; the
 * committed model was trained on clevr-small).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPreset } from '@mmnet/clevr-synth';
import { modelSettings, processIo, runCli } from '@mmnet/trainer';

const here = dirname(fileURLToPath(import.meta.url));
const demo = resolve(here, '..');
const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    minutes: { type: 'string', default: '12' },
    init: { type: 'string' },
    out: { type: 'string', default: join(demo, '.runs') },
  },
});

/** The trainer's settings of PG (the train-clevr example's), validating more often on fewer questions. */
const settings = modelSettings('PG');

async function run(argv: string[]): Promise<void> {
  process.stderr.write(`mmnet ${argv.join(' ')}\n`);
  const code = await runCli(argv, processIo);
  if (code !== 0) throw new Error(`mmnet ${argv[0]} failed (exit code ${code})`);
}

async function main(): Promise<void> {
  const started = Date.now();
  let dataset = values.dataset;
  if (!dataset) {
    dataset = join(demo, '.data', 'clevr-mini');
    await buildPreset('clevr-mini', dataset, {});
  }
  if (!existsSync(join(dataset, 'vocab.json')))
    throw new Error(`${dataset}: no vocab.json (not a built dataset folder)`);
  const out = resolve(values.out);
  const configFile = join(out, 'model-config.json');
  mkdirSync(out, { recursive: true });
  writeFileSync(configFile, `${JSON.stringify({ model_config: settings.modelConfig }, null, 2)}\n`);
  const model = join(out, 'model');
  const flags: Record<string, string> = {
    model: 'PG',
    clevr_dataset: dataset,
    config: configFile,
    seed: '0',
    ...settings.args,
    num_val_samples: '500',
    num_iterations: '100',
    max_minutes: values.minutes,
    ...(values.init ? { load_model_path: values.init } : {}),
    out: model,
  };
  if (!existsSync(join(model, 'run.json')))
    await run(['train', ...Object.entries(flags).map(([key, value]) => `--${key}=${value}`)]);
  await run(['export', '--web', model, join(demo, 'public', 'model')]);
  process.stderr.write(`trained and exported in ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
}

main().catch((error) => {
  process.stderr.write(`train-model: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
