import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@mmnet/core-tensors';
import { PNG } from 'pngjs';

/** An 8-bit RGB image (interleaved, row-major from the top-left). */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

function checkImage(image: RgbImage): void {
  const { width, height, rgb } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: bad image size ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new Error(
      `encodePng: rgb has ${rgb.length} bytes, expected ${width * height * 3} for ${width}x${height}`,
    );
  }
}

/** Encodes an RGB image as PNG bytes (8-bit RGB, no alpha). Deterministic for the same pixels. */
export function encodePng(image: RgbImage): Buffer {
  checkImage(image);
  const { width, height, rgb } = image;
  const rgba = Buffer.alloc(width * height * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    rgba[q] = rgb[p];
    rgba[q + 1] = rgb[p + 1];
    rgba[q + 2] = rgb[p + 2];
    rgba[q + 3] = 255;
  }
  const png = new PNG({ width, height });
  png.data = rgba;
  return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true });
}

/** Decodes PNG bytes to RGB (alpha dropped); `source` names the file in errors. */
export function decodePng(bytes: Buffer, source = 'PNG'): RgbImage {
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (err) {
    throw new Error(`${source}: not a readable PNG (${(err as Error).message})`);
  }
  const { width, height, data } = png;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    rgb[p] = data[q];
    rgb[p + 1] = data[q + 1];
    rgb[p + 2] = data[q + 2];
  }
  return { width, height, rgb };
}

/**
 * Writes an image as a PNG file, creating its folder: to a temporary name in the same folder, then renamed into
 * place. Not flushed to disk first (a dataset has thousands of images, each rendered again if lost).
 */
export function writePngFile(path: string, image: RgbImage): void {
  const bytes = encodePng(image);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, bytes, { fsync: false });
  } catch (err) {
    throw new Error(`writePngFile: cannot write ${path}: ${(err as Error).message}`);
  }
}
