#!/usr/bin/env node
// Checks the @mmnet packages the way a stranger meets them, on the packed tarballs (never on src/):
// 1. packs every package (`pnpm pack`: workspace:* ranges become versions) and checks what each tarball holds
//    (and that clevr-data neither depends on nor imports clevr-synth or tfjs-layers/-converter);
// 2. runs publint (strict) and arethetypeswrong (node10, node16 from CJS and ESM, bundler) on each tarball;
// 3. installs @mmnet/module-net + @mmnet/core-tensors with npm into a fresh project, type-checks a custom module
//    network against the published .d.ts under nodenext, node16 and bundler resolution, runs it as ES module and
//    CommonJS, and reports the install size;
// 4. installs every tarball with pnpm into another fresh project and loads each package with import and require,
//    which must give the same module (one copy of each package and its state), and runs each command's --help.
// Usage: node scripts/check-packages.mjs [--tarballs DIR] [--keep]
//   (packs with scripts off, so run `pnpm build` first; --tarballs checks already packed tarballs instead;
//   --keep leaves the temporary folder). Network: the npm registry only, for dependencies not yet in the caches.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { tarballs: { type: 'string' }, keep: { type: 'boolean' } } });

const started = Date.now();
const failures = [];
const fail = (line) => {
  failures.push(line);
  console.log(`FAIL ${line}`);
};
const say = (line) => console.log(`[check-packages ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);

/** Runs a command; returns its output, or records a failure naming the step (and returns null). */
function run(step, command, argv, options = {}) {
  const result = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n  ');
    fail(`${step}: exit ${result.status ?? result.signal}\n  ${output || result.error?.message}`);
    return null;
  }
  return result.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'mmnet-packages-'));
const tarballDir = args.tarballs ? resolve(args.tarballs) : join(work, 'tarballs');
const packages = readdirSync(join(root, 'packages'))
  .map((name) => ({ name, dir: join(root, 'packages', name) }))
  .filter((p) => existsSync(join(p.dir, 'package.json')))
  .map((p) => ({ ...p, manifest: JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) }))
  .filter((p) => !p.manifest.private);

// 1. Pack.
if (!args.tarballs) {
  mkdirSync(tarballDir);
  for (const p of packages) {
    if (!existsSync(join(p.dir, 'dist', 'index.js'))) {
      throw new Error(`${p.manifest.name}: no dist/index.js; run \`pnpm build\` before this check`);
    }
    run(`pack ${p.manifest.name}`, 'pnpm', ['pack', '--ignore-scripts', '--pack-destination', tarballDir], {
      cwd: p.dir,
    });
  }
}
const tarballOf = (name) => {
  const prefix = `${name.replace('@', '').replace('/', '-')}-`;
  const file = readdirSync(tarballDir).find((f) => f.startsWith(prefix) && f.endsWith('.tgz'));
  if (!file) throw new Error(`no tarball for ${name} in ${tarballDir}`);
  return join(tarballDir, file);
};
say(`packed ${packages.length} packages into ${tarballDir}`);

/** Imports a package must never have (the package above it, or what that package exists to hold). */
const NEVER_IMPORTS = {
  '@mmnet/clevr-data': ['@mmnet/clevr-synth', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter'],
};

// What each tarball holds: the licence, the readme, no workspace ranges, no source maps, sources or benchmarks.
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
for (const p of packages) {
  const tarball = tarballOf(p.manifest.name);
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  const name = p.manifest.name;
  if (!files.includes('package/README.md')) fail(`${name}: tarball has no README.md`);
  if (!files.includes('package/LICENSE')) fail(`${name}: tarball has no LICENSE`);
  else if (execFileSync('tar', ['xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' }) !== license) {
    fail(`${name}: LICENSE differs from the repository's`);
  }
  for (const bad of files.filter((f) => /\.map$|^package\/(src|bench|test)\//.test(f))) {
    fail(`${name}: tarball ships ${bad}`);
  }
  const manifest = JSON.parse(
    execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  );
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) fail(`${name}: ${field}.${dep} is still "${range}"`);
    }
  }
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'engines']) {
    if (manifest[field] === undefined) fail(`${name}: package.json has no "${field}"`);
  }
  if (manifest.publishConfig?.access !== 'public') fail(`${name}: publishConfig.access is not "public"`);
  // Packages depend downward only: what a package must never need, in its manifest or its built code.
  for (const banned of NEVER_IMPORTS[name] ?? []) {
    const fields = ['dependencies', 'optionalDependencies', 'peerDependencies'];
    if (fields.some((field) => manifest[field]?.[banned])) fail(`${name}: package.json depends on ${banned}`);
    for (const file of files.filter((f) => /^package\/dist\/.*\.(c?js|d\.c?ts)$/.test(f))) {
      const code = execFileSync('tar', ['xzOf', tarball, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (code.includes(`'${banned}`) || code.includes(`"${banned}`))
        fail(`${name}: ${file} imports ${banned}`);
    }
  }
}

// 2. publint and arethetypeswrong, four tarballs at a time.
const bin = (name) => join(root, 'node_modules', '.bin', name);
/** Like run(), without blocking: resolves to the output, or null after recording a failure. */
const runAsync = (step, command, argv) =>
  new Promise((done) => {
    execFile(command, argv, { encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (!error) return done(stdout);
      const output = `${stdout}${stderr}`.trim().split('\n').slice(-25).join('\n  ');
      fail(`${step}: exit ${error.code}\n  ${output || error.message}`);
      done(null);
    });
  });
async function lintTarball(p) {
  const tarball = tarballOf(p.manifest.name);
  const lint = await runAsync(`publint ${p.manifest.name}`, bin('publint'), ['run', '--strict', tarball]);
  if (lint !== null && !/All good!/.test(lint)) fail(`publint ${p.manifest.name}:\n${lint}`);
  // arethetypeswrong's default profile: node10, node16 from CommonJS and from ES modules, bundler.
  const types = await runAsync(`attw ${p.manifest.name}`, bin('attw'), [
    '--no-definitely-typed',
    '--format',
    'json',
    tarball,
  ]);
  if (types !== null) {
    const problems = JSON.parse(types).analysis?.problems ?? [];
    if (problems.length > 0) fail(`attw ${p.manifest.name}: ${JSON.stringify(problems)}`);
  }
}
const queue = [...packages];
await Promise.all(
  Array.from({ length: 4 }, async () => {
    for (let p = queue.shift(); p; p = queue.shift()) await lintTarball(p);
  }),
);
say('publint and arethetypeswrong ran on every tarball');

// 3. A fresh npm project: module-net + core-tensors + programs, type-checked and run as ESM and CJS.
const overrides = Object.fromEntries(
  packages.map((p) => [p.manifest.name, `file:${tarballOf(p.manifest.name)}`]),
);
const npmProject = join(work, 'npm-consumer');
mkdirSync(npmProject);
writeFileSync(
  join(npmProject, 'package.json'),
  JSON.stringify(
    {
      name: 'mmnet-npm-consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@mmnet/core-tensors': overrides['@mmnet/core-tensors'],
        '@mmnet/module-net': overrides['@mmnet/module-net'],
        '@mmnet/programs': overrides['@mmnet/programs'],
      },
      overrides,
    },
    null,
    2,
  ),
);
// Install scripts off: @mmnet/native-kernels (optional) would compile its addon; it is switched off at run time.
const npmInstall = run(
  'npm install (module-net + core-tensors)',
  'npm',
  ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
  { cwd: npmProject },
);
if (npmInstall !== null) {
  const du = (path) => Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0]) / 1024;
  const nodeModules = join(npmProject, 'node_modules');
  say(
    `npm install of module-net + core-tensors: ${du(nodeModules).toFixed(0)} MB on disk ` +
      `(@tensorflow: ${du(join(nodeModules, '@tensorflow')).toFixed(0)} MB)`,
  );
  const consumer = readFileSync(join(root, 'scripts', 'package-consumer', 'consumer.ts'), 'utf8');
  writeFileSync(join(npmProject, 'consumer.ts'), consumer);
  writeFileSync(join(npmProject, 'consumer.cts'), consumer);
  const base = {
    target: 'ES2022',
    lib: ['ES2023'],
    strict: true,
    skipLibCheck: true,
    typeRoots: [join(root, 'node_modules', '@types')],
    types: ['node'],
  };
  const configs = {
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' },
    node16: { module: 'node16', moduleResolution: 'node16', noEmit: true },
    bundler: { module: 'preserve', moduleResolution: 'bundler', noEmit: true },
  };
  for (const [resolution, options] of Object.entries(configs)) {
    const file = `tsconfig.${resolution}.json`;
    writeFileSync(
      join(npmProject, file),
      JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['consumer.ts', 'consumer.cts'] }),
    );
    run(`tsc (${resolution}) on the published types`, bin('tsc'), ['-p', file], { cwd: npmProject });
  }
  say('tsc ran on the consumer under nodenext, node16 and bundler');
  for (const out of ['consumer.js', 'consumer.cjs']) {
    if (!existsSync(join(npmProject, 'out', out))) continue;
    const env = { ...process.env, MMNET_NATIVE_KERNELS: 'off', MMNET_BACKEND: '' };
    const output = run(`node ${out}`, process.execPath, [join('out', out)], { cwd: npmProject, env });
    if (output !== null) say(`ran ${out}: ${output.trim()}`);
  }
}

// 4. A fresh pnpm project with every package: install (workspace ranges resolved) and load each.
const pnpmProject = join(work, 'pnpm-consumer');
mkdirSync(pnpmProject);
writeFileSync(
  join(pnpmProject, 'package.json'),
  JSON.stringify(
    { name: 'mmnet-pnpm-consumer', private: true, type: 'module', dependencies: overrides },
    null,
    2,
  ),
);
writeFileSync(
  join(pnpmProject, 'pnpm-workspace.yaml'),
  // The one line a pnpm user adds (see the package READMEs): whether the optional native addon may build.
  `allowBuilds:\n  '@mmnet/native-kernels': false\noverrides:\n${Object.entries(overrides)
    .map(([k, v]) => `  '${k}': '${v}'`)
    .join('\n')}\n`,
);
if (
  run('pnpm install (every package)', 'pnpm', ['install', '--prefer-offline'], { cwd: pnpmProject }) !== null
) {
  for (const p of packages) {
    const name = p.manifest.name;
    // One copy of the package whichever way it is loaded: require() gives the ES module's own exports.
    const script = [
      "import { createRequire } from 'node:module';",
      `const esm = await import('${name}');`,
      `const cjs = createRequire(import.meta.url)('${name}');`,
      'const names = Object.keys(esm);',
      'const differ = names.filter((k) => esm[k] !== cjs[k]);',
      'if (names.length === 0 || differ.length > 0 || Object.keys(cjs).length !== names.length)',
      "  throw new Error('require and import differ on: ' + (differ.join(', ') || 'the export names'));",
    ].join('\n');
    run(`import and require ${name} (pnpm)`, process.execPath, ['--input-type=module', '-e', script], {
      cwd: pnpmProject,
    });
    for (const bin of Object.keys(p.manifest.bin ?? {})) {
      run(`${bin} --help (pnpm)`, join(pnpmProject, 'node_modules', '.bin', bin), ['--help'], {
        cwd: pnpmProject,
      });
    }
  }
  say('every package loads, as one module, with import and require from a pnpm install');
}

if (args.keep) say(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
if (failures.length > 0) {
  console.log(`check-packages: ${failures.length} problem(s)`);
  process.exit(1);
}
say('all packages pass');
