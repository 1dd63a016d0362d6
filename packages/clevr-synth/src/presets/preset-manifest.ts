import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomicAsync } from '@mmnet/core-tensors';
import type { PresetDefinition } from './preset-definitions.js';

/** `dir/preset.json`: the preset's definition and the steps completed so far (with what they produced). */
export interface PresetManifest {
  preset: PresetDefinition;
  steps: Record<string, Record<string, unknown>>;
}

export const PRESET_MANIFEST = 'preset.json';

/**
 * Reads the manifest of a preset folder: undefined when there is none; an error naming the file when it is
 * unreadable or records another definition (the folder holds another dataset).
 */
export async function readPresetManifest(
  dir: string,
  preset: PresetDefinition,
): Promise<PresetManifest | undefined> {
  const file = join(dir, PRESET_MANIFEST);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  let manifest: PresetManifest;
  try {
    manifest = JSON.parse(text) as PresetManifest;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    typeof manifest.steps !== 'object' ||
    manifest.steps === null
  ) {
    throw new Error(`${file}: not a preset manifest (no "steps")`);
  }
  if (JSON.stringify(manifest.preset) !== JSON.stringify(preset)) {
    const other = (manifest.preset as { name?: string } | undefined)?.name ?? 'unknown';
    throw new Error(
      `${file}: this folder holds preset "${other}" built with other settings than "${preset.name}"; use another folder or delete it`,
    );
  }
  return manifest;
}

export async function writePresetManifest(dir: string, manifest: PresetManifest): Promise<void> {
  await writeFileAtomicAsync(join(dir, PRESET_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}
