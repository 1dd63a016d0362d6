import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
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

const PNG_SIGNATURE_BYTES = 8;

/** PNG bytes with a `tEXt` chunk `keyword`=`text` inserted after the header chunk (Latin-1 text). */
export function withPngText(png: Buffer, keyword: string, text: string): Buffer {
  const ihdrEnd = PNG_SIGNATURE_BYTES + 12 + png.readUInt32BE(PNG_SIGNATURE_BYTES);
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(`${keyword}\0${text}`, 'latin1')]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** The text of the first `tEXt` chunk named `keyword`, or undefined (also for bytes that are not a PNG). */
export function readPngText(png: Buffer, keyword: string): string | undefined {
  let at = PNG_SIGNATURE_BYTES;
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > png.length) return undefined;
    if (type === 'tEXt') {
      const data = png.toString('latin1', at + 8, at + 8 + length);
      const zero = data.indexOf('\0');
      if (zero >= 0 && data.slice(0, zero) === keyword) return data.slice(zero + 1);
    }
    if (type === 'IEND') return undefined;
    at = end;
  }
  return undefined;
}

/** `writePngFile` with a `tEXt` chunk (see `withPngText`). */
export function writePngFileWithText(path: string, image: RgbImage, keyword: string, text: string): void {
  const bytes = withPngText(encodePng(image), keyword, text);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, bytes, { fsync: false });
  } catch (err) {
    throw new Error(`writePngFile: cannot write ${path}: ${(err as Error).message}`);
  }
}
