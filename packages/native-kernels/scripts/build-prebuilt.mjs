#!/usr/bin/env node
// Builds the prebuilt addon shipped in prebuilds/<platform>-<arch>/ (committed, and published with the package),
// so that a machine without a C++ compiler or a BLAS still gets the native kernels. It compiles the same sources
// as native/binding.gyp with the system C++ compiler, links libstdc++ and libgcc statically (the binary then needs only
// libc, libm and libdl), keeps only what the addon uses (--gc-sections, hidden symbols) and strips it.
// Run on the oldest glibc you want to support: the binary needs the glibc it was linked against or newer.
//
//   node scripts/build-prebuilt.mjs [--out <file>]     (pnpm --filter @mmnet/native-kernels build:prebuilt)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const outArg = process.argv.indexOf('--out');
const libc = process.platform === 'linux' ? 'glibc' : null;
const target =
  outArg > 0
    ? process.argv[outArg + 1]
    : join(
        packageDir,
        'prebuilds',
        `${process.platform}-${process.arch}`,
        `mmnet_native_kernels${libc ? `.${libc}` : ''}.node`,
      );

function fail(message) {
  console.error(`build-prebuilt: ${message}`);
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} exited with ${result.status}`);
}

if (process.platform !== 'linux') fail(`only linux is set up here (this is ${process.platform})`);
const nodeInclude = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find(
  (dir) => existsSync(join(dir, 'node_api.h')),
);
if (!nodeInclude) fail('no Node headers (include/node/node_api.h) next to this node or in /usr/include/node');
const addonApi = createRequire(join(packageDir, 'package.json'))('node-addon-api').include_dir;
const gyp = JSON.parse(readFileSync(join(packageDir, 'native', 'binding.gyp'), 'utf8'));
const sources = gyp.targets[0].sources.map((source) => join(packageDir, 'native', source));
const cxx = process.env.CXX ?? 'g++';

const work = join(tmpdir(), `mmnet-prebuilt-${process.pid}`);
mkdirSync(work, { recursive: true });
const objects = [];
for (const source of sources) {
  const object = join(work, `${objects.length}.o`);
  // Same defines and optimisation as binding.gyp; one section per function so the linker can drop unused code.
  run(cxx, [
    '-c',
    '-O3',
    '-std=c++17',
    '-fno-math-errno',
    '-fPIC',
    '-pthread',
    '-fvisibility=hidden',
    '-ffunction-sections',
    '-fdata-sections',
    '-DNAPI_VERSION=8',
    '-DNAPI_CPP_EXCEPTIONS',
    '-DNODE_GYP_MODULE_NAME=mmnet_native_kernels',
    `-I${nodeInclude}`,
    `-I${addonApi}`,
    source,
    '-o',
    object,
  ]);
  objects.push(object);
}
mkdirSync(dirname(target), { recursive: true });
const linked = `${target}.tmp`;
run(cxx, [
  '-shared',
  '-o',
  linked,
  ...objects,
  '-static-libstdc++',
  '-static-libgcc',
  '-pthread',
  '-ldl',
  '-Wl,--gc-sections',
  '-Wl,--exclude-libs,ALL',
  '-Wl,-O1',
  '-Wl,--as-needed',
  '-s',
]);
renameSync(linked, target);
rmSync(work, { recursive: true, force: true });
console.log(`build-prebuilt: ${target} (${(statSync(target).size / 1024).toFixed(0)} KiB)`);
