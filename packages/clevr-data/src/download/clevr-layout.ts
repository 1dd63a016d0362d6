import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const CLEVR_SPLITS = ['train', 'val', 'test'] as const;
export type ClevrSplit = (typeof CLEVR_SPLITS)[number];

/** The official CLEVR v1.0 archive's files (test has no scenes: they were never released). */
export interface ClevrLayout {
  root: string;
  imageDirs: Record<ClevrSplit, string>;
  imageCounts: Record<ClevrSplit, number>;
  questionFiles: Record<ClevrSplit, string>;
  sceneFiles: { train: string; val: string };
}

export class ClevrLayoutError extends Error {
  constructor(
    readonly root: string,
    readonly missing: string[],
  ) {
    super(`${root}: not the official CLEVR_v1.0 layout; missing or empty: ${missing.join(', ')}`);
    this.name = 'ClevrLayoutError';
  }
}

/**
 * Checks `CLEVR_v1.0/{images/{train,val,test}/*.png, questions/CLEVR_<split>_questions.json,
 * scenes/CLEVR_{train,val}_scenes.json}`. `dir` may be the `CLEVR_v1.0` folder itself or its parent.
 * Every missing piece is listed in one error.
 */
export async function verifyClevrLayout(dir: string): Promise<ClevrLayout> {
  const root = existsSync(join(dir, 'CLEVR_v1.0')) ? join(dir, 'CLEVR_v1.0') : dir;
  const missing: string[] = [];
  const imageDirs = {} as Record<ClevrSplit, string>;
  const imageCounts = {} as Record<ClevrSplit, number>;
  const questionFiles = {} as Record<ClevrSplit, string>;
  for (const split of CLEVR_SPLITS) {
    const imgDir = join(root, 'images', split);
    imageDirs[split] = imgDir;
    imageCounts[split] = existsSync(imgDir)
      ? (await readdir(imgDir)).filter((n) => n.toLowerCase().endsWith('.png')).length
      : 0;
    if (imageCounts[split] === 0) missing.push(`images/${split}/*.png`);
    const q = join(root, 'questions', `CLEVR_${split}_questions.json`);
    questionFiles[split] = q;
    if (!isNonEmptyFile(q)) missing.push(`questions/CLEVR_${split}_questions.json`);
  }
  const sceneFiles = {
    train: join(root, 'scenes', 'CLEVR_train_scenes.json'),
    val: join(root, 'scenes', 'CLEVR_val_scenes.json'),
  };
  for (const [split, file] of Object.entries(sceneFiles)) {
    if (!isNonEmptyFile(file)) missing.push(`scenes/CLEVR_${split}_scenes.json`);
  }
  if (missing.length > 0) throw new ClevrLayoutError(root, missing);
  return { root, imageDirs, imageCounts, questionFiles, sceneFiles };
}

function isNonEmptyFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile() && statSync(path).size > 0;
}
