import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, encodePng, writePngFile } from '@mmnet/clevr-data';
import { createRng } from '@mmnet/core-tensors';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BACKGROUND_ID,
  clevrCamera,
  clevrLights,
  computeDirections,
  generateScene,
  renderObjectIds,
  renderScene,
  type SyntheticObject,
  type SyntheticScene,
  sampleScene,
  scaledMinPixels,
} from '../src/index.js';

const generated = Array.from({ length: 12 }, (_, index) => generateScene({ seed: 11, index, split: 'val' }));
const tmp = mkdtempSync(join(tmpdir(), 'clevr-render-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sceneWith(objects: SyntheticObject[]): SyntheticScene {
  const camera = clevrCamera(null);
  return { objects, camera, lights: clevrLights(null), directions: computeDirections(camera) };
}

function sphere(
  x: number,
  y: number,
  material: 'rubber' | 'metal',
  color: 'blue' | 'gray' = 'blue',
): SyntheticObject {
  return { shape: 'sphere', color, material, size: 'large', position: [x, y, 0.7], scale: 0.7, rotation: 0 };
}

const luminance = (rgb: Uint8Array, p: number): number =>
  0.299 * rgb[p * 3] + 0.587 * rgb[p * 3 + 1] + 0.114 * rgb[p * 3 + 2];

describe('renderer', () => {
  it('is deterministic: the same seed gives byte-identical PNGs', () => {
    const again = generateScene({ seed: 11, index: 3, split: 'val' });
    const a = encodePng(renderScene(generated[3].synthetic, { width: 96, height: 64 }));
    const b = encodePng(renderScene(again.synthetic, { width: 96, height: 64 }));
    expect(a.equals(b)).toBe(true);
    const c = encodePng(renderScene(generated[4].synthetic, { width: 96, height: 64 }));
    expect(a.equals(c)).toBe(false);
  });

  it('shows every object with at least the minimum of visible pixels (200 at 480x320)', () => {
    for (const { synthetic } of generated) {
      const { objectIds, visiblePixels } = renderObjectIds(synthetic, 480, 320);
      expect(visiblePixels).toHaveLength(synthetic.objects.length);
      for (const n of visiblePixels) expect(n).toBeGreaterThanOrEqual(200);
      const counted = new Array(synthetic.objects.length).fill(0);
      for (const id of objectIds) if (id !== BACKGROUND_ID) counted[id]++;
      expect(counted).toEqual(visiblePixels);
    }
    // At a smaller check resolution the minimum scales with the area.
    const min = scaledMinPixels(120, 80);
    expect(min).toBe(13);
    const small = sampleScene(createRng(5), {
      visibilityWidth: 120,
      visibilityHeight: 80,
      minPixelsPerObject: min,
    });
    for (const n of renderObjectIds(small, 120, 80).visiblePixels) expect(n).toBeGreaterThanOrEqual(min);
  });

  it('puts pixel_coords inside the image, on the object (or on an object in front of it)', () => {
    let onSelf = 0;
    let total = 0;
    for (const { synthetic, json } of generated) {
      const { objectIds } = renderObjectIds(synthetic, 480, 320);
      json.objects.forEach((o, k) => {
        const [x, y, depth] = o.pixel_coords;
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(480);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThan(320);
        const id = objectIds[y * 480 + x];
        expect(id).not.toBe(BACKGROUND_ID);
        if (id === k) onSelf++;
        else expect(json.objects[id].pixel_coords[2]).toBeLessThan(depth);
        total++;
        // Alone in the scene, the object is always under its pixel_coords.
        const alone = renderObjectIds({ ...synthetic, objects: [synthetic.objects[k]] }, 480, 320);
        expect(alone.objectIds[y * 480 + x]).toBe(0);
      });
    }
    expect(onSelf / total).toBeGreaterThan(0.8);
  });

  it('returns the object-id buffer and counts with the image, at any size', () => {
    const { synthetic } = generated[0];
    const image = renderScene(synthetic, { width: 60, height: 40 });
    expect(image.rgb).toHaveLength(60 * 40 * 3);
    expect(image.objectIds).toEqual(renderObjectIds(synthetic, 60, 40).objectIds);
    expect(() => renderScene(synthetic, { width: 0 })).toThrow(/width/);
  });

  it('draws a grey ground, darker in the key lamp shadows and next to objects', () => {
    const scene = sceneWith([sphere(0, 0, 'rubber')]);
    const lit = renderScene(scene, { width: 120, height: 80, shadows: false });
    const shaded = renderScene(scene, { width: 120, height: 80 });
    const empty = renderScene(sceneWith([]), { width: 120, height: 80 });
    let darker = 0;
    const nearObject = (p: number): boolean =>
      [p, p - 1, p + 1, p - 120, p + 120].some(
        (q) => q >= 0 && q < 120 * 80 && shaded.objectIds[q] !== BACKGROUND_ID,
      );
    for (let p = 0; p < 120 * 80; p++) {
      if (nearObject(p)) continue; // silhouette pixels mix in the object's colour
      expect(shaded.rgb[p * 3]).toBe(shaded.rgb[p * 3 + 1]);
      expect(shaded.rgb[p * 3]).toBe(shaded.rgb[p * 3 + 2]);
      expect(shaded.rgb[p * 3]).toBeLessThanOrEqual(lit.rgb[p * 3]);
      expect(lit.rgb[p * 3]).toBeLessThanOrEqual(empty.rgb[p * 3]);
      if (shaded.rgb[p * 3] + 8 < lit.rgb[p * 3]) darker++;
    }
    expect(darker).toBeGreaterThan(20);
  });

  it('makes metal visibly shinier than rubber: brighter highlights, reflections of its surroundings', () => {
    const redCube: SyntheticObject = {
      shape: 'cube',
      color: 'red',
      material: 'rubber',
      size: 'large',
      position: [-1.0, -1.0, 0.7 / Math.SQRT2], // left of the sphere, as seen from the camera
      scale: 0.7 / Math.SQRT2,
      rotation: 0.3,
    };
    const stats = (material: 'rubber' | 'metal') => {
      const image = renderScene(sceneWith([sphere(0, 0, material, 'gray'), redCube]), {
        width: 240,
        height: 160,
      });
      let max = 0;
      let reddish = 0;
      const ids = image.objectIds;
      image.objectIds.forEach((id, p) => {
        // Interior pixels only (silhouette pixels are blended with their neighbours).
        if (id !== 0 || ids[p - 1] !== 0 || ids[p + 1] !== 0 || ids[p - 240] !== 0 || ids[p + 240] !== 0)
          return;
        max = Math.max(max, luminance(image.rgb, p));
        if (image.rgb[p * 3] > image.rgb[p * 3 + 2]) reddish++;
      });
      return { max, reddish };
    };
    const rubber = stats('rubber');
    const metal = stats('metal');
    expect(metal.max).toBeGreaterThan(rubber.max + 40);
    expect(rubber.reddish).toBe(0);
    expect(metal.reddish).toBeGreaterThan(10);
  });
});

describe('PNG output', () => {
  it('decodes back to the rendered pixels', () => {
    const image = renderScene(generated[1].synthetic, { width: 72, height: 48 });
    const decoded = decodePng(encodePng(image));
    expect(decoded.width).toBe(72);
    expect(decoded.height).toBe(48);
    expect(Buffer.from(decoded.rgb).equals(Buffer.from(image.rgb))).toBe(true);
  });

  it('writes files through a temporary name, leaving only the final file', () => {
    const image = renderScene(generated[2].synthetic, { width: 48, height: 32 });
    const path = join(tmp, 'images', generated[2].json.image_filename);
    writePngFile(path, image);
    expect(readdirSync(join(tmp, 'images'))).toEqual(['CLEVR_val_000002.png']);
    expect(Buffer.from(decodePng(readFileSync(path), path).rgb).equals(Buffer.from(image.rgb))).toBe(true);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => decodePng(Buffer.from('not a png'), 'x.png')).toThrow(/x\.png: not a readable PNG/);
    expect(() => encodePng({ width: 2, height: 2, rgb: new Uint8Array(5) })).toThrow(/expected 12/);
  });
});
