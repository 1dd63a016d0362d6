import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The PNG files of a folder in name order (CLEVR names them `CLEVR_<split>_<6-digit index>.png`, so name order
 * is image-index order and row i of a feature file is image i). A missing or empty folder is an error naming it.
 */
export async function listPngFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot list images (${(err as Error).message})`);
  }
  const pngs = names.filter((n) => n.toLowerCase().endsWith('.png')).sort();
  if (pngs.length === 0) throw new Error(`${dir}: no .png images`);
  return pngs.map((n) => join(dir, n));
}
