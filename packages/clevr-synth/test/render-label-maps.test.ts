import { describe, expect, it } from 'vitest';
import {
  attributeLabelMaps,
  generateScene,
  LABEL_MAP_CHANNELS,
  labelMapsFromObjectIds,
  renderObjectIds,
} from '../src/index.js';
import { obj } from './helpers/objects.js';

const channel = (name: string): number => LABEL_MAP_CHANNELS.indexOf(name);

describe('attribute label maps', () => {
  it('has 16 channels: 8 colours, 3 shapes, 2 materials, 2 sizes, background', () => {
    expect(LABEL_MAP_CHANNELS).toHaveLength(16);
    expect(LABEL_MAP_CHANNELS[0]).toBe('color:gray');
    expect(LABEL_MAP_CHANNELS[15]).toBe('background');
  });

  it('labels each cell with the object covering most of it (majority) or with coverage fractions', () => {
    // 4x4 id buffer, 2x2 grid: cell (0,0) mostly object 0, (1,0) all ground, (0,1) object 1, (1,1) tie 0/1 -> 0.
    // biome-ignore format: a picture of the buffer
    const ids = Int16Array.from([
      0, 0, -1, -1,
      0, -1, -1, -1,
      1, 1, 0, 0,
      1, 1, 1, 1,
    ]);
    const objects = [obj('red', 'cube'), obj('blue', 'sphere')];
    const maj = labelMapsFromObjectIds(objects, ids, 4, 4, { gridWidth: 2, gridHeight: 2 });
    expect(Array.from(maj.cellObjects)).toEqual([0, -1, 1, 0]);
    const at = (name: string, cell: number) => maj.data[channel(name) * 4 + cell];
    expect(at('color:red', 0)).toBe(1);
    expect(at('shape:cube', 0)).toBe(1);
    expect(at('material:metal', 0)).toBe(1);
    expect(at('size:small', 0)).toBe(1);
    expect(at('background', 0)).toBe(0);
    expect(at('background', 1)).toBe(1);
    expect(at('color:blue', 2)).toBe(1);
    expect(at('shape:sphere', 2)).toBe(1);
    expect(at('color:red', 3)).toBe(1);
    for (let cell = 0; cell < 4; cell++) {
      let sum = 0;
      for (let c = 0; c < 16; c++) sum += maj.data[c * 4 + cell];
      expect(sum).toBe(cell === 1 ? 1 : 4);
    }
    const cov = labelMapsFromObjectIds(objects, ids, 4, 4, { gridWidth: 2, gridHeight: 2, mode: 'coverage' });
    expect(cov.data[channel('color:red') * 4 + 0]).toBeCloseTo(0.75);
    expect(cov.data[channel('background') * 4 + 0]).toBeCloseTo(0.25);
    expect(cov.data[channel('color:red') * 4 + 3]).toBeCloseTo(0.5);
    expect(cov.data[channel('color:blue') * 4 + 3]).toBeCloseTo(0.5);
    expect(cov.data[channel('material:metal') * 4 + 3]).toBeCloseTo(1);
  });

  it('labels a rendered scene consistently with its object-id buffer', () => {
    const { synthetic } = generateScene({ seed: 2, index: 0, split: 'train' });
    const maps = attributeLabelMaps(synthetic, {
      gridWidth: 30,
      gridHeight: 20,
      renderWidth: 240,
      renderHeight: 160,
    });
    const plane = 30 * 20;
    expect(maps.data).toHaveLength(16 * plane);
    const { objectIds } = renderObjectIds(synthetic, 240, 160);
    const labelled = new Set<number>();
    for (let cell = 0; cell < plane; cell++) {
      const k = maps.cellObjects[cell];
      if (k < 0) {
        expect(maps.data[channel('background') * plane + cell]).toBe(1);
        continue;
      }
      labelled.add(k);
      const o = synthetic.objects[k];
      for (const name of [
        `color:${o.color}`,
        `shape:${o.shape}`,
        `material:${o.material}`,
        `size:${o.size}`,
      ]) {
        expect(maps.data[channel(name) * plane + cell]).toBe(1);
      }
      // In its 8x8-pixel cell the object has at least as many pixels as the ground or any other object.
      const cx = cell % 30;
      const cy = (cell - cx) / 30;
      const counts = new Map<number, number>();
      for (let y = cy * 8; y < cy * 8 + 8; y++) {
        for (let x = cx * 8; x < cx * 8 + 8; x++) {
          const id = objectIds[y * 240 + x];
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
      }
      for (const n of counts.values()) expect(counts.get(k)).toBeGreaterThanOrEqual(n);
    }
    expect(labelled.size).toBeGreaterThan(0);
  });

  it('rejects bad grids and buffers', () => {
    const ids = new Int16Array(16).fill(-1);
    expect(() => labelMapsFromObjectIds([], ids, 4, 4, { gridWidth: 0, gridHeight: 2 })).toThrow(/gridWidth/);
    expect(() => labelMapsFromObjectIds([], ids, 4, 4, { gridWidth: 8, gridHeight: 2 })).toThrow(/finer/);
    expect(() => labelMapsFromObjectIds([], ids, 4, 3, { gridWidth: 2, gridHeight: 2 })).toThrow(
      /expected 12/,
    );
    ids[5] = 3;
    expect(() => labelMapsFromObjectIds([], ids, 4, 4, { gridWidth: 2, gridHeight: 2 })).toThrow(
      /object id 3 at pixel \(1, 1\)/,
    );
  });
});
