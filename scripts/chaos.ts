/**
 * Crash consistency: kills `mmnet train`, `mmnet predict` (batch mode), `mmnet-data build-preset`, `generate` and
 * `extract-features` with SIGKILL at random moments, resumes each (the same command again; `mmnet train --resume`
 * once a run.json exists), and compares the result with an uninterrupted run: metrics lines (without the
 * wall-clock field), the final weights, the --save_model weights and every output file (HDF5 files by their
 * datasets' contents). Prints a table.
 *
 *   pnpm chaos [--kills 20] [--commands generate,extract-features,build-preset,train,predict] [--seed 1] [--work DIR]
 *              [--minutes M]   (stop killing after M minutes and print the table of what was done)
 *
 * Uses the built CLIs (packages/* /dist) and clevr-micro; set MMNET_THREADS=1 on a shared machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA_CLI = join(root, 'packages/clevr-synth/dist/cli.js');
const TRAIN_CLI = join(root, 'packages/trainer/dist/cli.js');
const { loadH5wasm } = (await import(join(root, 'packages/clevr-data/dist/index.js'))) as {
  loadH5wasm: () => Promise<typeof import('h5wasm/node')>;
};
const { decodeSafetensors } = (await import(join(root, 'packages/core-tensors/dist/index.js'))) as {
  decodeSafetensors: (
    bytes: Uint8Array,
    source?: string,
  ) => {
    tensors: Record<string, { dtype: string; shape: number[]; data: ArrayBufferView }>;
  };
};

const { values: flags } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    commands: { type: 'string', default: 'generate,extract-features,build-preset,train,predict' },
    seed: { type: 'string', default: '1' },
    work: { type: 'string' },
    /** Stop killing (and print the table) after this many minutes in all. */
    minutes: { type: 'string' },
  },
});
const KILLS = Number(flags.kills);
const stopAt =
  flags.minutes === undefined ? Number.POSITIVE_INFINITY : Date.now() + Number(flags.minutes) * 60_000;
const work = flags.work ?? join(tmpdir(), `mmnet-chaos-${process.pid}`);
mkdirSync(work, { recursive: true });

/** mulberry32: the kill moments are seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(flags.seed));

interface Scenario {
  name: string;
  /** The command line writing into `dir`. */
  argv(dir: string): string[];
  /** The command that continues after a kill (default: the same one). */
  resumeArgv?(dir: string): string[];
  /** What is compared: name -> digest. */
  digest(dir: string): Promise<Record<string, string>>;
}

const sha = (data: string | ArrayBufferView) =>
  createHash('sha256')
    .update(typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex')
    .slice(0, 16);

/** The datasets of an HDF5 file (name, shape, dtype, values): object header timestamps do not count. */
async function h5Digest(file: string): Promise<string> {
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'r');
  try {
    const parts: string[] = [];
    const walk = (group: InstanceType<typeof h5.Group>, prefix: string) => {
      for (const key of group.keys().sort()) {
        const entity = group.get(key);
        if (entity instanceof h5.Group) walk(entity, `${prefix}${key}/`);
        else if (entity instanceof h5.Dataset) {
          const value = entity.value as unknown;
          const body = ArrayBuffer.isView(value) ? sha(value) : sha(JSON.stringify(value));
          parts.push(`${prefix}${key}[${entity.shape}]${entity.dtype}:${body}`);
        }
      }
    };
    walk(f, '/');
    return sha(parts.join('\n'));
  } finally {
    f.close();
  }
}

/** Every file below `dir` (relative name -> digest); `.h5` by datasets, temporary files are reported as such. */
async function treeDigest(dir: string, skip: (name: string) => boolean = () => false) {
  const out: Record<string, string> = {};
  const visit = async (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path);
      if (skip(rel)) continue;
      if (statSync(path).isDirectory()) await visit(path);
      else out[rel] = name.endsWith('.h5') ? await h5Digest(path) : sha(readFileSync(path));
    }
  };
  await visit(dir);
  return out;
}

/** Tensors of a safetensors file (metadata holds wall-clock minutes, so it is left out). */
function weightsDigest(file: string): string {
  const { tensors } = decodeSafetensors(readFileSync(file), file);
  return sha(
    Object.keys(tensors)
      .sort()
      .map((k) => `${k}:${tensors[k].dtype}[${tensors[k].shape}]:${sha(tensors[k].data)}`)
      .join('\n'),
  );
}

const micro = join(work, 'micro');
/** A small model (8-channel stem) on clevr-micro: seconds per run, so that 20 kills fit. */
const trainArgv = (out: string, saveModel: string, model = 'PG') => [
  TRAIN_CLI,
  'train',
  '--model',
  model,
  '--clevr_dataset',
  micro,
  '--stem-dim',
  '8',
  '--max_iterations',
  '8',
  '--num_iterations',
  '2',
  '--batch_size',
  '4',
  '--num_val_samples',
  '8',
  '--seed',
  '5',
  '--save_model',
  saveModel,
  '--out',
  out,
];
/**
 * The trained run batch predict answers with (made once, before the kills): a SAN, as batch mode takes no
 * `--program` and a PG trained by `mmnet train` has no program generator.
 */
const predictRun = join(work, 'predict-model');
const scenarios: Record<string, Scenario> = {
  generate: {
    name: 'generate',
    argv: (dir) => [
      DATA_CLI,
      'generate',
      '--output_dir',
      dir,
      '--num_images',
      '40',
      '--width',
      '120',
      '--height',
      '80',
      '--seed',
      '7',
      '--templates_per_image',
      '3',
      '--date',
      '2024-01-01',
    ],
    digest: (dir) => treeDigest(dir),
  },
  'extract-features': {
    name: 'extract-features',
    argv: (dir) => [
      DATA_CLI,
      'extract-features',
      '--input_image_dir',
      join(micro, 'images', 'train'),
      '--output_h5_file',
      join(dir, 'features.h5'),
      '--extractor',
      'builtin',
      '--image_height',
      '80',
      '--image_width',
      '120',
      '--batch_size',
      '4',
    ],
    digest: (dir) => treeDigest(dir),
  },
  'build-preset': {
    name: 'build-preset',
    argv: (dir) => [DATA_CLI, 'build-preset', '--preset', 'clevr-micro', '--output_dir', dir],
    digest: (dir) => treeDigest(dir),
  },
  train: {
    name: 'train',
    argv: (dir) => trainArgv(join(dir, 'run'), join(dir, 'best.safetensors')),
    resumeArgv: (dir) =>
      existsSync(join(dir, 'run', 'run.json'))
        ? [TRAIN_CLI, 'train', '--resume', join(dir, 'run')]
        : (scenarios.train.argv(dir) as string[]),
    async digest(dir) {
      const run = join(dir, 'run');
      const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
      const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const { questions_per_second: _qps, ...rest } = JSON.parse(line);
          return JSON.stringify(rest);
        });
      const leftovers = [run, dir, join(run, 'checkpoints')].flatMap((d) =>
        readdirSync(d).filter((n) => n.endsWith('.tmp')),
      );
      return {
        'metrics lines': `${metrics.length} lines ${sha(metrics.join('\n'))}`,
        'final weights': weightsDigest(join(run, manifest.latest)),
        'best (run.json)': `${manifest.best} ${weightsDigest(join(run, manifest.best))}`,
        '--save_model': weightsDigest(join(dir, 'best.safetensors')),
        step: String(manifest.step),
        'temporary files': leftovers.length ? leftovers.join(',') : 'none',
      };
    },
  },
  predict: {
    name: 'predict',
    argv: (dir) => [
      TRAIN_CLI,
      'predict',
      '--run',
      join(predictRun, 'run'),
      '--questions_json',
      join(micro, 'questions', 'CLEVR_train_questions.json'),
      '--image_dir',
      join(micro, 'images', 'train'),
      '--output_json',
      join(dir, 'answers.json'),
      '--batch_size',
      '8',
    ],
    digest: (dir) => treeDigest(dir),
  },
};

function run(
  argv: string[],
  killAfterMs?: number,
): Promise<{ code: number | null; killed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child: ChildProcess = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    let killed = false;
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            if (child.exitCode === null) {
              killed = child.kill('SIGKILL');
            }
          }, killAfterMs);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      if (!killed && code !== 0)
        process.stderr.write(`${argv.slice(1, 3).join(' ')} exited ${code}: ${stderr}\n`);
      resolve({ code, killed, ms: Date.now() - started });
    });
  });
}

function differences(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: ${a[k] ?? '(missing)'} vs ${b[k] ?? '(missing)'}`);
}

// The dataset the extract-features and train scenarios read.
if (!existsSync(join(micro, 'preset.json'))) {
  const r = await run([DATA_CLI, 'build-preset', '--preset', 'clevr-micro', '--output_dir', micro]);
  if (r.code !== 0) throw new Error('building clevr-micro failed');
}

if (flags.commands.split(',').includes('predict') && !existsSync(join(predictRun, 'run', 'run.json'))) {
  const r = await run(trainArgv(join(predictRun, 'run'), join(predictRun, 'best.safetensors'), 'SAN'));
  if (r.code !== 0) throw new Error('training the model for predict failed');
}

const rows: string[][] = [];
for (const name of flags.commands.split(',')) {
  const s = scenarios[name];
  if (!s) throw new Error(`unknown command ${name} (${Object.keys(scenarios).join(', ')})`);
  const began = Date.now();
  const refDir = join(work, `${name}-reference`);
  rmSync(refDir, { recursive: true, force: true });
  const ref = await run(s.argv(refDir));
  if (ref.code !== 0) throw new Error(`${name}: the uninterrupted run failed`);
  const expected = await s.digest(refDir);
  let kills = 0;
  let identical = 0;
  let attempts = 0;
  const failures: string[] = [];
  while (kills < KILLS && attempts < KILLS * 3 && Date.now() < stopAt) {
    attempts++;
    const dir = join(work, `${name}-${attempts}`);
    rmSync(dir, { recursive: true, force: true });
    // A moment inside the run: the process start (node, tfjs) is part of it, as in real use.
    const first = await run(s.argv(dir), Math.floor(random() * ref.ms * 0.95));
    if (!first.killed) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    kills++;
    const resumed = await run((s.resumeArgv ?? s.argv)(dir));
    const diff =
      resumed.code === 0 ? differences(expected, await s.digest(dir)) : [`exit code ${resumed.code}`];
    if (diff.length === 0) identical++;
    else failures.push(`kill at ${first.ms} ms: ${diff.slice(0, 3).join('; ')}`);
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(
      `${name}: kill ${kills} at ${first.ms} ms of ~${ref.ms} ms -> ${diff.length ? 'DIFFERENT' : 'identical'}\n`,
    );
  }
  rows.push([
    name,
    String(kills),
    String(identical),
    `${(ref.ms / 1000).toFixed(1)} s`,
    `${((Date.now() - began) / 60_000).toFixed(1)} min`,
    `${Object.keys(expected).length} ${name === 'train' ? 'items' : 'files'}`,
  ]);
  for (const f of failures) process.stderr.write(`${name}: ${f}\n`);
}

const header = ['command', 'SIGKILLs', 'resumed identically', 'uninterrupted run', 'chaos time', 'compared'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
process.exitCode = rows.every((r) => r[1] === r[2] && Number(r[1]) > 0) ? 0 : 1;
