import { readFile } from 'node:fs/promises';
import { decode as decodeJpeg } from 'jpeg-js';
import { decodePng, type RgbImage } from '../io/png.js';
import type { FloatRgbImage } from './float-image.js';

export class ImageDecodeError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ImageDecodeError';
  }
}

/** Decodes PNG bytes (any colour type; alpha is dropped) to RGB in [0, 1]. `file` names the source in errors. */
export function decodePngFloat(bytes: Uint8Array, file: string): FloatRgbImage {
  let img: RgbImage;
  try {
    img = decodePng(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  } catch (err) {
    const detail = (err as Error).message.replace(`${file}: `, '');
    throw new ImageDecodeError(file, `cannot decode PNG: ${detail}`);
  }
  const { width, height, rgb } = img;
  if (width <= 0 || height <= 0) throw new ImageDecodeError(file, `empty image ${width}x${height}`);
  const data = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) data[i] = rgb[i] / 255;
  return { width, height, data };
}

/** Reads and decodes a PNG file; a missing or undecodable file is an `ImageDecodeError` naming it. */
export async function readPngFile(file: string): Promise<FloatRgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ImageDecodeError(file, `cannot read (${(err as Error).message})`);
  }
  return decodePngFloat(bytes, file);
}

/** Decodes JPEG bytes (baseline or progressive, colour or greyscale) to RGB in [0, 1]. */
export function decodeJpegFloat(bytes: Uint8Array, file: string): FloatRgbImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (err) {
    throw new ImageDecodeError(file, `cannot decode JPEG: ${(err as Error).message ?? err}`);
  }
  const { width, height, data: rgb } = img;
  if (width <= 0 || height <= 0 || rgb.length !== width * height * 3)
    throw new ImageDecodeError(
      file,
      `cannot decode JPEG: got ${rgb.length} bytes for ${width}x${height} RGB`,
    );
  const data = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) data[i] = rgb[i] / 255;
  return { width, height, data };
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * Decodes a PNG (any colour type, alpha dropped) or JPEG (colour or greyscale), told apart by their first
 * bytes, to RGB in [0, 1]; anything else is an `ImageDecodeError` naming `file`.
 */
export function decodeImageFloat(bytes: Uint8Array, file: string): FloatRgbImage {
  if (startsWith(bytes, PNG_MAGIC)) return decodePngFloat(bytes, file);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpegFloat(bytes, file);
  throw new ImageDecodeError(file, 'not a PNG or JPEG image');
}

/** Reads a PNG or JPEG file; a missing, unreadable or undecodable file is an `ImageDecodeError` naming it. */
export async function readImageFile(file: string): Promise<FloatRgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ImageDecodeError(file, `cannot read (${(err as Error).message})`);
  }
  return decodeImageFloat(bytes, file);
}
