/**
 * Training throughput of mmnet's models in the protocol of the PyTorch reference: one JSON line per model.
 * Usage: tsx bench/models.ts --config small|seed [--models PG,PG_memory,SAN] [--steps 6] [--backend wasm]
 * Without --models (or with `--models all`) every model runs. Models come from bench/entries of the model
 * packages (this package's PG; @mmnet/san's SAN and SAN_wbw; @mmnet/mm-net's PG_memory and
 * PG_endtoend_soft|gumbel|hard|hard+penalty and the stack executor's PG_endtoend_stack_<mode>; any package that adds a `bench/entries.ts` exporting
 * `benchModels` and is listed in ENTRY_FILES).
 * `--paths wasm,native-builtin,native-system` (or `all`) measures each model on each way of running the wasm
 * backend, back to back, one process each: plain wasm kernels, the native kernels on their built-in SGEMM, and
 * the native kernels on a system BLAS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type BackendName, describeWasmTrap, initBackend, isWasmTrap } from '@mmnet/core-tensors';
import { BENCH_CONFIGS, type BenchModel, createBenchSetup, measureModel } from './harness.js';
import { benchModels as pgModels } from './pg.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Bench entry files of other packages (loaded by path: a package dependency would make a cycle). */
const ENTRY_FILES = ['../../san/bench/entries.ts', '../../mm-net/bench/entries.ts'];

async function loadModels(): Promise<BenchModel[]> {
  const all = [...pgModels];
  for (const rel of ENTRY_FILES) {
    const file = join(here, rel);
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as { benchModels?: BenchModel[] };
    if (!Array.isArray(mod.benchModels)) throw new Error(`${file}: exports no benchModels array`);
    all.push(...mod.benchModels);
  }
  return all;
}

async function main() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      config: { type: 'string', default: 'small' },
      models: { type: 'string', default: 'all' },
      steps: { type: 'string', default: '6' },
      backend: { type: 'string' },
      seed: { type: 'string', default: '0' },
      path: { type: 'string' },
      paths: { type: 'string' },
    },
  });
  if (values.paths !== undefined) {
    process.exitCode = runPaths(
      values.paths,
      process.argv.slice(2).filter((a) => a !== '--'),
    );
    return;
  }
  if (values.path !== undefined) {
    const env = WASM_PATHS[values.path as WasmPath];
    if (!env) {
      throw new Error(
        `--path: unknown path "${values.path}" (expected ${Object.keys(WASM_PATHS).join(', ')})`,
      );
    }
    Object.assign(process.env, env);
  }
  const config = BENCH_CONFIGS[values.config!];
  if (!config)
    throw new Error(
      `--config: unknown config "${values.config}" (expected ${Object.keys(BENCH_CONFIGS).join(', ')})`,
    );
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`--steps: expected a positive integer, got "${values.steps}"`);
  const backend = await initBackend(values.backend ? { prefer: values.backend as BackendName } : {});
  const accelerator = backend.accelerator?.enabled ? backend.accelerator.reason : 'none';
  const available = await loadModels();
  const names =
    values.models === 'all' ? available.map((m) => m.name) : values.models!.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!available.some((m) => m.name === name)) {
      throw new Error(
        `--models: unknown model "${name}" (available: ${available.map((m) => m.name).join(', ')})`,
      );
    }
  }
  if (names.length > 1) {
    // One process per model: the wasm heap never shrinks, so a large model's peak would starve the next one.
    let failed = 0;
    for (const name of names) {
      const argv = process.argv.slice(2).filter((a) => a !== '--');
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, process.argv[1], ...stripModels(argv), '--models', name],
        {
          stdio: ['ignore', 'inherit', 'pipe'],
          encoding: 'utf8',
        },
      );
      if (child.status !== 0) {
        failed++;
        const reason = (child.stderr ?? '').trim().split('\n').pop() || `exit ${child.status}`;
        console.log(JSON.stringify({ model: name, config: config.name, error: reason }));
      }
    }
    if (failed > 0) process.exitCode = 1;
    return;
  }
  for (const name of names) {
    const model = available.find((m) => m.name === name)!;
    const setup = createBenchSetup(config, Number(values.seed));
    const path = values.path === undefined ? {} : { path: values.path };
    console.log(JSON.stringify({ ...measureModel(model, setup, steps), ...path, accelerator }));
    setup.features.dispose();
    setup.answers.dispose();
    setup.questions.dispose();
  }
}

/** The environment that selects each way of running the wasm backend (see @mmnet/native-kernels). */
const WASM_PATHS = {
  wasm: { MMNET_NATIVE_KERNELS: 'off' },
  'native-builtin': { MMNET_BLAS: 'builtin' },
  'native-system': { MMNET_BLAS: 'system' },
} as const;
type WasmPath = keyof typeof WASM_PATHS;

/** Runs every model on every path in `list`, one child process each, the paths back to back per model. */
function runPaths(list: string, argv: string[]): number {
  const paths = list === 'all' ? Object.keys(WASM_PATHS) : list.split(',').map((p) => p.trim());
  for (const path of paths) {
    if (!(path in WASM_PATHS)) {
      throw new Error(
        `--paths: unknown path "${path}" (expected ${Object.keys(WASM_PATHS).join(', ')} or all)`,
      );
    }
  }
  const at = argv.findIndex((a) => a === '--models' || a.startsWith('--models='));
  const models = at < 0 ? 'all' : argv[at] === '--models' ? argv[at + 1] : argv[at].slice('--models='.length);
  let failed = 0;
  for (const name of models.split(',').map((m) => m.trim())) {
    for (const path of paths) {
      const args = [...stripFlags(argv, ['--models', '--paths']), '--models', name, '--path', path];
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...args], {
        stdio: ['ignore', 'inherit', 'pipe'],
        encoding: 'utf8',
      });
      if (child.status !== 0) {
        failed++;
        const reason = (child.stderr ?? '').trim().split('\n').pop() || `exit ${child.status}`;
        console.log(JSON.stringify({ model: name, path, error: reason }));
      }
    }
  }
  return failed > 0 ? 1 : 0;
}

/** The arguments without the given flags (and their values when given separately). */
function stripFlags(argv: string[], flags: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (flags.includes(argv[i])) {
      i++;
      continue;
    }
    if (flags.some((flag) => argv[i].startsWith(`${flag}=`))) continue;
    kept.push(argv[i]);
  }
  return kept;
}

/** The arguments without any --models flag (and its value when given separately). */
function stripModels(argv: string[]): string[] {
  return stripFlags(argv, ['--models']);
}

main().catch((error) => {
  if (isWasmTrap(error)) console.error(`${describeWasmTrap(error)}: this config's sizes do not fit`);
  else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
