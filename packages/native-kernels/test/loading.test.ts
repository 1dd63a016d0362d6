// Which addon loads: the prebuilt one for this platform, else a source build, else none (plain wasm), with the
// reason naming every file tried. Each case builds a package folder of its own in a temporary directory.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addonCandidates,
  findPackageRoot,
  loadNativeAddon,
  prebuiltAddonFile,
} from '../src/addon/native-addon';

const root = findPackageRoot();
const real = root === null ? [] : addonCandidates({ packageRoot: root });
// Any addon this machine can load, to play the prebuilt or the source build in a temporary package folder.
const loadable = real.find((candidate) => loadNativeAddon({ addonPath: candidate.path }).ok)?.path;
if (loadable === undefined)
  console.warn('[native-kernels] SKIPPING loading-order cases that need an addon: none loads');

const work = mkdtempSync(join(tmpdir(), 'mmnet-addon-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let folders = 0;

/** A package folder holding the given files (relative path -> source file, or a string of bytes). */
function packageWith(files: Record<string, { copy: string } | { text: string }>): string {
  const dir = join(work, `pkg${folders++}`);
  for (const [relative, content] of Object.entries(files)) {
    const path = join(dir, relative);
    mkdirSync(dirname(path), { recursive: true });
    if ('copy' in content) copyFileSync(content.copy, path);
    else writeFileSync(path, content.text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const linuxX64 = { platform: 'linux', arch: 'x64', libc: 'glibc' } as const;
const prebuilt = prebuiltAddonFile('linux', 'x64', 'glibc');
const sourceBuild = join('native', 'build', 'Release', 'mmnet_native_kernels.node');

describe('addon loading order', () => {
  it('tries the prebuilt addon for the platform first, then the source build', () => {
    const dir = packageWith({});
    expect(addonCandidates({ packageRoot: dir, ...linuxX64 })).toEqual([
      { kind: 'prebuilt', path: join(dir, 'prebuilds', 'linux-x64', 'mmnet_native_kernels.glibc.node') },
      { kind: 'source', path: join(dir, sourceBuild) },
    ]);
    expect(prebuiltAddonFile('linux', 'x64', 'musl')).toBe(
      join('prebuilds', 'linux-x64', 'mmnet_native_kernels.musl.node'),
    );
    expect(prebuiltAddonFile('darwin', 'arm64', null)).toBe(
      join('prebuilds', 'darwin-arm64', 'mmnet_native_kernels.node'),
    );
  });

  it('an explicit addon path is the only one tried', () => {
    expect(addonCandidates({ addonPath: '/x/y.node', packageRoot: '/z' })).toEqual([
      { kind: 'custom', path: '/x/y.node' },
    ]);
  });

  it('with neither binary, says both are missing and how to build one', () => {
    const load = loadNativeAddon({ packageRoot: packageWith({}), ...linuxX64 });
    expect(load.ok).toBe(false);
    if (!load.ok) {
      expect(load.reason).toMatch(
        /no prebuilt addon for this platform \(.*prebuilds\/linux-x64\/mmnet_native_kernels\.glibc\.node is missing\)/,
      );
      expect(load.reason).toMatch(
        /no source-built addon at .*native\/build\/Release\/mmnet_native_kernels\.node/,
      );
      expect(load.reason).toMatch(
        /install a C\+\+ compiler and run `pnpm --filter @mmnet\/native-kernels build:native`/,
      );
    }
  });

  it('a binary that is not a loadable addon (wrong platform, corrupt) is named with the loader error', () => {
    const load = loadNativeAddon({
      packageRoot: packageWith({ [prebuilt]: { text: 'not an ELF file' } }),
      ...linuxX64,
    });
    expect(load.ok).toBe(false);
    if (!load.ok)
      expect(load.reason).toMatch(
        /prebuilt addon .*mmnet_native_kernels\.glibc\.node cannot be loaded: .*(invalid ELF|too short|file)/i,
      );
  });

  it.skipIf(loadable === undefined)('loads the prebuilt addon when it is there', () => {
    const dir = packageWith({ [prebuilt]: { copy: loadable as string } });
    const load = loadNativeAddon({ packageRoot: dir, ...linuxX64 });
    expect(load.ok && load.kind).toBe('prebuilt');
    if (load.ok) expect(load.skipped).toEqual([]);
  });

  it.skipIf(loadable === undefined)('falls back to the source build when the prebuilt one is missing', () => {
    const dir = packageWith({ [sourceBuild]: { copy: loadable as string } });
    const load = loadNativeAddon({ packageRoot: dir, ...linuxX64 });
    expect(load.ok && load.kind).toBe('source');
    if (load.ok) expect(load.skipped.join('\n')).toMatch(/no prebuilt addon for this platform/);
  });

  it.skipIf(loadable === undefined)('falls back to the source build on another platform or libc', () => {
    const dir = packageWith({
      [prebuilt]: { copy: loadable as string },
      [sourceBuild]: { copy: loadable as string },
    });
    for (const other of [
      { platform: 'darwin', arch: 'arm64', libc: null },
      { platform: 'linux', arch: 'arm64', libc: 'glibc' },
      { platform: 'linux', arch: 'x64', libc: 'musl' },
    ] as const) {
      const load = loadNativeAddon({ packageRoot: dir, ...other });
      expect(load.ok && load.kind).toBe('source');
      if (load.ok) expect(load.skipped[0]).toMatch(/no prebuilt addon for this platform/);
    }
  });

  it.skipIf(loadable === undefined)(
    'falls back to the source build when the prebuilt one cannot load',
    () => {
      const dir = packageWith({
        [prebuilt]: { text: 'not an ELF file' },
        [sourceBuild]: { copy: loadable as string },
      });
      const load = loadNativeAddon({ packageRoot: dir, ...linuxX64 });
      expect(load.ok && load.kind).toBe('source');
      if (load.ok) expect(load.skipped[0]).toMatch(/cannot be loaded/);
    },
  );
});

describe('the committed prebuilt addon', () => {
  const [prebuiltHere, sourceHere] = real.map((candidate) => loadNativeAddon({ addonPath: candidate.path }));
  it.skipIf(!prebuiltHere?.ok || !sourceHere?.ok)(
    'exports what a source build of the same sources exports (rebuild it with build:prebuilt after changing native/src)',
    () => {
      if (!prebuiltHere?.ok || !sourceHere?.ok) return;
      expect(Object.keys(prebuiltHere.addon).sort()).toEqual(Object.keys(sourceHere.addon).sort());
    },
  );
});
