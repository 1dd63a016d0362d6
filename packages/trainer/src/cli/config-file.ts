import { readFileSync } from 'node:fs';
import { UsageError } from '@mmnet/core-tensors';

/** Reads a --config JSON object; keys may use '-' or '_' (normalised to '_'). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`--config ${path}: must hold a JSON object of options`);
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k.replace(/-/g, '_'), v]));
}
