import type { ClevrBatch } from '@mmnet/clevr-data';
import { describe, expect, it } from 'vitest';
import { withOtherImages } from '../src/other-images.js';

// One feature value per row: its image index, so a row's new feature names the image it was paired with.
const batch = (images: number[]) =>
  ({
    featureShape: [images.length, 1, 1, 1],
    features: Float32Array.from(images),
    imageIdxs: Int32Array.from(images),
  }) as unknown as ClevrBatch;

describe('withOtherImages', () => {
  it('pairs every question with the next image that differs, also across runs of one image', () => {
    const out = withOtherImages(batch([0, 0, 0, 1, 1, 2]));
    expect(Array.from(out.features)).toEqual([1, 1, 1, 2, 2, 0]);
  });

  it('keeps a row on its image only when the whole batch shares one, and counts it', () => {
    let same = 0;
    const out = withOtherImages(batch([4, 4]), () => same++);
    expect(Array.from(out.features)).toEqual([4, 4]);
    expect(same).toBe(2);
  });
});
