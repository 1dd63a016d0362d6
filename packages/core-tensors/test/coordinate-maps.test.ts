import { describe, expect, it } from 'vitest';
import { coordinateMaps } from '../src/index.js';
import { useBackend } from './helpers.js';

describe('coordinateMaps', () => {
  it('gives each cell its column and row, from -1 to 1', async () => {
    await useBackend('cpu');
    const maps = coordinateMaps(2, 3);
    expect(maps.shape).toEqual([1, 2, 3, 2]);
    // (column, row) per cell, row-major.
    expect([...maps.dataSync()]).toEqual([-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1]);
    maps.dispose();
  });

  it('puts a side of one cell at 0', async () => {
    await useBackend('cpu');
    const single = coordinateMaps(1, 1);
    expect([...single.dataSync()]).toEqual([0, 0]);
    const column = coordinateMaps(3, 1);
    expect([...column.dataSync()]).toEqual([0, -1, 0, 0, 0, 1]);
    single.dispose();
    column.dispose();
  });
});
