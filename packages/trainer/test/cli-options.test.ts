import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagSpecs } from '@mmnet/core-tensors';
import { describe, expect, it } from 'vitest';
import { builtinModels, runCli, trainFlagsSchema } from '../src/index.js';
import { captureIo, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

async function run(argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io, builtinModels());
  return { code, stderr: io.stderr, stdout: io.stdout };
}

describe('mmnet command line', () => {
  it('--help lists every train option with its default', async () => {
    const { code, stdout } = await run(['train', '--help']);
    expect(code).toBe(0);
    const help = stdout.join('\n');
    const specs = flagSpecs(trainFlagsSchema);
    expect(specs.map((s) => s.key)).not.toContain('model_config');
    for (const o of specs) {
      const line = help.split('\n').find((l) => l.startsWith(`  ${o.flag} `) || l === `  ${o.flag}`);
      expect(line, o.flag).toBeDefined();
      if (o.default !== undefined) expect(line, o.flag).toContain(`(default: ${o.default})`);
    }
    expect(help).toContain('--batch_size N');
    expect(help).toMatch(/--batch_size N +questions per batch \(default: 32\)/);
    expect(help).toMatch(/--stem-dim N .*\(default: 64\)/);
    expect(help).toMatch(/--use_curriculum +grow .*\(default: false\)/);
    expect(help).toContain('SAN|SAN_wbw|PG|PG_memory|PG_endtoend');
  });

  it('every command answers --help with its flags, exit code 0', async () => {
    for (const [command, flag] of [
      ['eval', '--split train|val|test'],
      ['predict', '--questions_json FILE'],
      ['convert', '--from clevr-iep|reference'],
      ['export', '--web'],
    ]) {
      const { code, stdout } = await run([command, '--help']);
      expect(code, command).toBe(0);
      expect(stdout.join('\n'), command).toMatch(/^usage: mmnet /);
      expect(stdout.join('\n'), command).toContain(flag);
    }
    expect((await run(['--help'])).stdout[0]).toMatch(/^usage: mmnet <command>/);
  });

  const badCases: [string[], RegExp][] = [
    [['--model', 'CNN'], /--model: unknown model "CNN"/],
    [['--batch_size', '0'], /--batch_size: must be at least 1/],
    [['--batch_size', 'ten'], /--batch_size: must be an integer/],
    [['--lr', '-1'], /--lr: must be > 0/],
    [['--min_grad', '3', '--max_grad', '1'], /--min_grad: must be below --max_grad/],
    [['--train_mode', 'XX'], /--train_mode: must be one of EE, PG, PG\+EE/],
    [['--decoder_mode', 'beam'], /--decoder_mode: must be one of soft, gumbel, hard, hard\+penalty/],
    [['--load_model_mode', 'ALL'], /--load_model_mode: must be one of EE, PG, PG\+EE/],
    [['--use_curriculum=maybe'], /--use_curriculum: must be 0\/1 or true\/false/],
    [['--backend', 'gpu'], /--backend: must be one of tensorflow, wasm, cpu/],
    [['--num_iterations', '1.5'], /--num_iterations: must be an integer/],
    [['--max-epochs', '0'], /--max-epochs: must be > 0/],
    [
      ['--train_mode', 'PG', '--program_supervision_fraction', '0'],
      /--program_supervision_fraction: must be in \(0, 1\]/,
    ],
    [
      ['--train_mode', 'PG', '--program_supervision_fraction', '1.5'],
      /--program_supervision_fraction: must be in \(0, 1\]/,
    ],
    [['--program_supervision_fraction', '0.1'], /--program_supervision_fraction: needs --train_mode PG/],
    [['--program_loss_weight', '1'], /--program_loss_weight: needs --program_supervision_fraction/],
    [
      ['--program_loss_weight', '1', '--program_supervision_fraction', '0.1', '--train_mode', 'EE'],
      /--program_loss_weight: needs a --train_mode that trains the program generator/,
    ],
    [['--program_loss_weight', '-1'], /--program_loss_weight: must be >= 0/],
    [['--greedy_programs'], /--greedy_programs: needs --decoder_mode hard, hard\+penalty or gumbel/],
    [['--seed'], /--seed: needs a value/],
    [['--bogus', '1'], /unknown flag --bogus \(see mmnet train --help\)/],
    [['stray'], /unexpected argument "stray"/],
    [
      ['--resume', '/tmp/x', '--lr', '0.1'],
      /--resume continues a run with its own config; --lr cannot be changed/,
    ],
  ];
  for (const [argv, message] of badCases) {
    it(`refuses ${argv.join(' ')} with one line and exit code 2`, async () => {
      const { code, stderr } = await run(['train', ...argv]);
      expect(code).toBe(2);
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toMatch(message);
    });
  }

  it('reports every mistake, one line each', async () => {
    const { code, stderr } = await run(['train', '--batch_size', '0', '--lr', 'x', '--train_mode', 'no']);
    expect(code).toBe(2);
    expect(stderr).toHaveLength(3);
  });

  it('checks a --config file with the same rules, naming its keys', async () => {
    const dir = tempDir('config');
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ batch_size: -2, 'stem-dim': 'wide', nonsense: 1 }));
    const { code, stderr } = await run(['train', '--config', file]);
    expect(code).toBe(2);
    expect(stderr.join('\n')).toMatch(/--batch_size: must be at least 1/);
    expect(stderr.join('\n')).toMatch(/--stem-dim: must be an integer/);
    expect(stderr.join('\n')).toMatch(/nonsense/);
    writeFileSync(file, '{ not json');
    const bad = await run(['train', '--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr[0]).toMatch(/--config .*c\.json: not valid JSON/);
  });

  it('eval and predict validate their options too', async () => {
    expect((await run(['eval'])).stderr[0]).toMatch(/give exactly one of --run DIR and --checkpoint FILE/);
    const p = await run(['predict', '--run', 'x']);
    expect(p.code).toBe(2);
    expect(p.stderr.join('\n')).toMatch(/--image: is required/);
    expect((await run(['fly'])).code).toBe(2);
  });

  it('exits with code 2 as a process', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(here, '..', 'src', 'cli', 'bin.ts'), 'train', '--batch_size', 'x'],
      {
        cwd: join(here, '..'),
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'mmnet train: --batch_size: must be an integer (see mmnet train --help)',
    ]);
  });
});
