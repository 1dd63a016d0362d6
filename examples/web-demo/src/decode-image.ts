import type { FloatRgbImage } from '@mmnet/clevr-data';

/** An image the user gave that the browser cannot decode: shown as a message naming the file. */
export class NotAnImageError extends Error {
  constructor(name: string, detail: string) {
    super(`${name} is not an image the browser can read (${detail}); give a PNG or JPEG`);
    this.name = 'NotAnImageError';
  }
}

/**
 * Decodes PNG or JPEG bytes to RGB in [0, 1] as `mmnet predict` reads files: the stored pixel values, without
 * colour-space conversion, alpha dropped.
 */
export async function decodeImage(blob: Blob, name: string): Promise<FloatRgbImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (error) {
    throw new NotAnImageError(name, error instanceof Error ? error.message : String(error));
  }
  const { width, height } = bitmap;
  if (width === 0 || height === 0) throw new NotAnImageError(name, `empty image ${width}x${height}`);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser gives no 2D canvas to read the image with');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, width, height).data;
  const data = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++)
    for (let c = 0; c < 3; c++) data[p * 3 + c] = rgba[p * 4 + c] / 255;
  return { width, height, data };
}

/** A float RGB image as canvas pixels. */
export function toImageData(image: FloatRgbImage): ImageData {
  const out = new ImageData(image.width, image.height);
  for (let p = 0; p < image.width * image.height; p++) {
    for (let c = 0; c < 3; c++)
      out.data[p * 4 + c] = Math.round(255 * Math.min(1, Math.max(0, image.data[p * 3 + c])));
    out.data[p * 4 + 3] = 255;
  }
  return out;
}
