#!/usr/bin/env node
// Builds the native addon from source with node-gyp, offline, against this machine's Node headers, into
// native/build/Release/ (loaded when no prebuilt addon fits this platform). Not an install script: installs never
// need a compiler. Without `--strict` a failure prints one line and exits 0; `--strict` (used by `build:native`)
// prints the whole build log and exits non-zero on failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const strict = process.argv.includes('--strict');
// binding.gyp sits in native/ (not the package root, where npm and pnpm would run node-gyp at install).
const nativeDir = join(packageDir, 'native');
const logFile = join(nativeDir, 'build', 'native-build.log');

/** Node's header directory, so node-gyp never downloads headers (no network here). */
function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    join(dirname(process.execPath), '..'),
    '/usr',
    '/usr/local',
  ];
  for (const dir of candidates) {
    if (
      dir &&
      existsSync(join(dir, 'include', 'node', 'node_api.h')) &&
      existsSync(join(dir, 'include', 'node', 'common.gypi'))
    ) {
      return dir;
    }
  }
  return null;
}

function finish(ok, message, output) {
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, `${message}\n${output ?? ''}`);
  if (ok) {
    console.log(`@mmnet/native-kernels: ${message}`);
    process.exit(0);
  }
  if (strict) {
    if (output) console.error(output);
    console.error(`@mmnet/native-kernels: ${message}`);
    process.exit(1);
  }
  console.warn(
    `@mmnet/native-kernels: ${message} (optional; plain wasm kernels will be used; log: ${logFile})`,
  );
  process.exit(0);
}

if (process.env.MMNET_NATIVE_KERNELS === 'off') finish(false, 'build skipped: MMNET_NATIVE_KERNELS=off');
if (process.platform !== 'linux' && process.platform !== 'darwin') {
  finish(false, `build skipped: platform ${process.platform} is not supported`);
}

let nodeGypBin;
try {
  nodeGypBin = createRequire(join(packageDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
} catch {
  finish(false, 'build skipped: node-gyp is not installed');
}
const nodeDir = findNodeDir();
if (nodeDir === null)
  finish(false, 'build skipped: no Node headers (include/node/node_api.h) found on this machine');

// configure + build (not rebuild): make only recompiles what changed, and an addon that is up to date is never
// deleted, so a process using it is not disturbed by another install.
function nodeGyp(command) {
  return spawnSync(process.execPath, [nodeGypBin, command, `--nodedir=${nodeDir}`, '--jobs=max'], {
    cwd: nativeDir,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
    env: { ...process.env, npm_config_nodedir: nodeDir },
  });
}
let output = '';
for (const command of ['configure', 'build']) {
  const result = nodeGyp(command);
  output += `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) finish(false, `build failed: ${result.error.message}`, output);
  if (result.status !== 0)
    finish(false, `build failed: node-gyp ${command} exited with ${result.status}`, output);
}
finish(
  true,
  `native addon built (${join('native', 'build', 'Release', 'mmnet_native_kernels.node')})`,
  output,
);
