// Float RGB images and their resizing, without file access (decoding files is rgb-image.ts).

/** An RGB image, row-major HWC float32 with values in [0, 1] (what extractors take). */
export interface FloatRgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * An image of any size and aspect at `height` x `width` the way feature files are made: stretched by
 * `resizeBilinear` (no crop, no padding). An image at least 4x the target in both directions first has its
 * k x k pixel blocks averaged, k = floor(min(w / 2width, h / 2height)), leaving it at 2x the target or more,
 * so that a large photo is not aliased by a bilinear resize that reads 4 pixels per output pixel.
 */
export function resizeForExtractor(image: FloatRgbImage, height: number, width: number): FloatRgbImage {
  const k = Math.floor(Math.min(image.width / (2 * width), image.height / (2 * height)));
  return resizeBilinear(k >= 2 ? boxShrink(image, k) : image, height, width);
}

/** Averages k x k blocks (edges: the partial blocks' own pixels). */
function boxShrink(image: FloatRgbImage, k: number): FloatRgbImage {
  const width = Math.ceil(image.width / k);
  const height = Math.ceil(image.height / k);
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let n = 0;
      const sum = [0, 0, 0];
      for (let sy = y * k; sy < Math.min((y + 1) * k, image.height); sy++) {
        for (let sx = x * k; sx < Math.min((x + 1) * k, image.width); sx++) {
          const i = (sy * image.width + sx) * 3;
          sum[0] += image.data[i];
          sum[1] += image.data[i + 1];
          sum[2] += image.data[i + 2];
          n++;
        }
      }
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = sum[c] / n;
    }
  }
  return { width, height, data: out };
}

/**
 * Bilinear resize of an RGB image to `height` x `width` with half-pixel centres (the convention of PIL and of
 * `tf.image.resizeBilinear(..., halfPixelCenters=true)`); edges are clamped.
 */
export function resizeBilinear(image: FloatRgbImage, height: number, width: number): FloatRgbImage {
  const { width: sw, height: sh, data: src } = image;
  if (sw === width && sh === height) return { width, height, data: src.slice() };
  const out = new Float32Array(width * height * 3);
  const sy = sh / height;
  const sx = sw / width;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const fxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x] + 1, sw - 1);
    fxs[x] = fx - x0s[x];
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const wx = fxs[x];
      const a = (y0 * sw + x0s[x]) * 3;
      const b = (y0 * sw + x1s[x]) * 3;
      const c = (y1 * sw + x0s[x]) * 3;
      const d = (y1 * sw + x1s[x]) * 3;
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[a + ch] + (src[b + ch] - src[a + ch]) * wx;
        const bottom = src[c + ch] + (src[d + ch] - src[c + ch]) * wx;
        out[o + ch] = top + (bottom - top) * wy;
      }
    }
  }
  return { width, height, data: out };
}
