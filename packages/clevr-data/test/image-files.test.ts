import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError, readImageFile, resizeBilinear, resizeForExtractor } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mmnet-image-files-'));

/** A PNG of colour type `colorType` (0 grey, 2 RGB, 4 grey + alpha, 6 RGBA) whose pixels are all `rgba`. */
function solidPng(
  width: number,
  height: number,
  rgba: [number, number, number, number],
  colorType: 0 | 2 | 4 | 6,
) {
  const png = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let i = 0; i < width * height; i++) png.data.set(rgba, i * 4);
  return PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true });
}

describe('readImageFile', () => {
  it('reads RGBA and greyscale PNGs as RGB (alpha dropped)', async () => {
    const rgba = join(dir, 'rgba.png');
    writeFileSync(rgba, solidPng(5, 3, [255, 0, 128, 40], 6));
    const a = await readImageFile(rgba);
    expect([a.width, a.height]).toEqual([5, 3]);
    expect(Array.from(a.data.slice(0, 3)).map((v) => Math.round(v * 255))).toEqual([255, 0, 128]);
    const grey = join(dir, 'grey.png');
    writeFileSync(grey, solidPng(4, 4, [100, 100, 100, 255], 0));
    const g = await readImageFile(grey);
    expect(Array.from(g.data.slice(0, 3)).map((v) => Math.round(v * 255))).toEqual([100, 100, 100]);
  });

  it('reads JPEGs of any size (told apart from PNGs by their bytes, whatever the file name)', async () => {
    const width = 37;
    const height = 21;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([200, 40, 30, 255], i * 4);
    const file = join(dir, 'photo.png'); // a JPEG under a .png name
    writeFileSync(file, encodeJpeg({ width, height, data }, 95).data);
    const img = await readImageFile(file);
    expect([img.width, img.height]).toEqual([width, height]);
    const mid = (10 * width + 18) * 3;
    const rgb = Array.from(img.data.slice(mid, mid + 3)).map((v) => v * 255);
    expect(Math.abs(rgb[0] - 200)).toBeLessThan(8);
    expect(Math.abs(rgb[1] - 40)).toBeLessThan(8);
    expect(Math.abs(rgb[2] - 30)).toBeLessThan(8);
  });

  it('names the file it cannot read or decode', async () => {
    const text = join(dir, 'notes.png');
    writeFileSync(text, 'not an image');
    await expect(readImageFile(text)).rejects.toThrow(`${text}: not a PNG or JPEG image`);
    await expect(readImageFile(join(dir, 'missing.jpg'))).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(readImageFile(join(dir, 'missing.jpg'))).rejects.toThrow(join(dir, 'missing.jpg'));
    const cut = join(dir, 'cut.jpg');
    writeFileSync(cut, Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16));
    await expect(readImageFile(cut)).rejects.toThrow(`${cut}: cannot decode JPEG`);
    // A PNG cut short after its header (an interrupted copy): the magic bytes say PNG, the data is missing.
    const half = join(dir, 'half.png');
    const whole = solidPng(40, 30, [10, 20, 30, 255], 2);
    writeFileSync(half, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(readImageFile(half)).rejects.toThrow(`${half}: cannot decode PNG`);
  });
});

describe('resizeForExtractor', () => {
  const image = (width: number, height: number) => ({
    width,
    height,
    data: Float32Array.from({ length: width * height * 3 }, (_, i) => ((i * 7919) % 256) / 255),
  });

  it("stretches images up to 4x the target as the feature files' images were (bilinear, no crop)", () => {
    const clevr = image(480, 320);
    expect(resizeForExtractor(clevr, 224, 224).data).toEqual(resizeBilinear(clevr, 224, 224).data);
    const small = image(320, 240);
    expect(resizeForExtractor(small, 224, 224).data).toEqual(resizeBilinear(small, 224, 224).data);
  });

  it('averages pixel blocks of a large image first, so a fine pattern is not aliased', () => {
    // A 1-pixel checkerboard of black and white: its true mean is 0.5 everywhere.
    const width = 2000;
    const height = 1600;
    const data = new Float32Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) data.fill((x + y) % 2, (y * width + x) * 3, (y * width + x + 1) * 3);
    const out = resizeForExtractor({ width, height, data }, 224, 224);
    expect([out.width, out.height]).toEqual([224, 224]);
    for (const v of out.data) expect(Math.abs(v - 0.5)).toBeLessThan(0.07); // 3x3 blocks: 4 or 5 of 9 white
    // A bilinear stretch alone samples the pattern and lands far from the mean.
    const aliased = resizeBilinear({ width, height, data }, 224, 224).data;
    let worst = 0;
    for (const v of aliased) worst = Math.max(worst, Math.abs(v - 0.5));
    expect(worst).toBeGreaterThan(0.2);
  });
});
