import type { Rng } from '@mmnet/core-tensors';

/**
 * A tiny synthetic task of its own (not CLEVR): a 4x4 grid of cells, each empty or red, green or blue. A program
 * of the "grid" DSL selects cells and the answer is how many cells it selects:
 *   count keep[red] grid                                    -> number of red cells
 *   count and keep[red] grid shift[right] keep[blue] grid   -> red cells whose right neighbour is blue
 */
export const COLORS = ['red', 'green', 'blue'] as const;
export const DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const GRID = 4;
/** Channels per cell: one-hot red, green, blue, empty. */
export const CELL_CHANNELS = 4;
/** Answers 0..MAX_COUNT (larger counts are clipped). */
export const MAX_COUNT = 6;

export interface GridBatch {
  /** One-hot cells [n, GRID, GRID, CELL_CHANNELS], row-major NHWC. */
  features: Float32Array;
  programs: string[][];
  answers: number[];
}

/** The row/column offset a shift looks at: shift[right] at (i, j) reads (i, j + 1). */
export function directionOffset(dir: Direction): [number, number] {
  return dir === 'left' ? [0, -1] : dir === 'right' ? [0, 1] : dir === 'up' ? [-1, 0] : [1, 0];
}

/** A batch of grids, programs and answers drawn from a seeded generator. */
export function generateGridBatch(rng: Rng, n: number): GridBatch {
  const features = new Float32Array(n * GRID * GRID * CELL_CHANNELS);
  const programs: string[][] = [];
  const answers: number[] = [];
  for (let b = 0; b < n; b++) {
    const cells: number[] = [];
    for (let i = 0; i < GRID * GRID; i++) {
      const color = rng.next() < 0.35 ? 3 : rng.int(3);
      cells.push(color);
      features[(b * GRID * GRID + i) * CELL_CHANNELS + color] = 1;
    }
    const at = (r: number, c: number) =>
      r >= 0 && r < GRID && c >= 0 && c < GRID ? cells[r * GRID + c] : -1;
    const c1 = rng.int(3);
    let count = 0;
    if (rng.next() < 0.5) {
      programs.push(['count', `keep[${COLORS[c1]}]`, 'grid']);
      count = cells.filter((c) => c === c1).length;
    } else {
      const c2 = rng.int(3);
      const dir = DIRECTIONS[rng.int(4)];
      const [dr, dc] = directionOffset(dir);
      programs.push([
        'count',
        'and',
        `keep[${COLORS[c1]}]`,
        'grid',
        `shift[${dir}]`,
        `keep[${COLORS[c2]}]`,
        'grid',
      ]);
      for (let r = 0; r < GRID; r++) {
        for (let c = 0; c < GRID; c++) if (at(r, c) === c1 && at(r + dr, c + dc) === c2) count++;
      }
    }
    answers.push(Math.min(count, MAX_COUNT));
  }
  return { features, programs, answers };
}

/** Accuracy of always answering the most common answer of a batch: the chance level to beat. */
export function majorityBaseline(answers: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return Math.max(...counts.values()) / answers.length;
}
