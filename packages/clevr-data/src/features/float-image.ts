// Float RGB images and their resizing, without file access (decoding files is rgb-image.ts).

/** An RGB image, row-major HWC float32 with values in [0, 1] (what extractors take). */
export interface FloatRgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * How an extractor wants images resized to its input: `bilinear` (mmnet's own extractors) or `pil-bicubic`
 * (PIL's bicubic resize of the 8-bit image, which scipy.misc.imresize(..., interp='bicubic') calls: clevr-iep's
 * extract_features.py, so that its ResNet features are reproduced).
 */
export type ResampleMethod = 'bilinear' | 'pil-bicubic';

/**
 * An image of any size and aspect at `height` x `width` the way feature files are made: stretched (no crop, no
 * padding) by `resizeBilinear` or, for `pil-bicubic`, by `resizePilBicubic`. Before a bilinear resize, an image
 * at least 4x the target in both directions has its k x k pixel blocks averaged, k = floor(min(w / 2width,
 * h / 2height)), leaving it at 2x the target or more, so that a large photo is not aliased by a bilinear resize
 * that reads 4 pixels per output pixel (PIL's bicubic widens its filter instead).
 */
export function resizeForExtractor(
  image: FloatRgbImage,
  height: number,
  width: number,
  resample: ResampleMethod = 'bilinear',
): FloatRgbImage {
  if (resample === 'pil-bicubic') return resizePilBicubic(image, height, width);
  const k = Math.floor(Math.min(image.width / (2 * width), image.height / (2 * height)));
  return resizeBilinear(k >= 2 ? boxShrink(image, k) : image, height, width);
}

/** PIL's fixed-point precision for 8-bit resampling. */
const PIL_PRECISION_BITS = 32 - 8 - 2;

/** PIL's bicubic kernel (a = -0.5). */
function pilBicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/**
 * PIL's resampling coefficients from `inSize` to `outSize` samples: per output sample the first input index,
 * the count, and integer weights with PIL_PRECISION_BITS fraction bits (the filter widened by the scale when
 * shrinking, normalised to sum 1, rounded half away from zero), as Pillow's precompute_coeffs and
 * normalize_coeffs_8bpc compute them.
 */
function pilCoefficients(inSize: number, outSize: number) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const kSize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * kSize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const ss = 1 / filterScale;
    let total = 0;
    const k = new Float64Array(xmax);
    for (let x = 0; x < xmax; x++) {
      k[x] = pilBicubic((x + xmin - center + 0.5) * ss);
      total += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? k[x] / total : k[x];
      const fixed = w * (1 << PIL_PRECISION_BITS);
      weights[xx * kSize + x] = w < 0 ? Math.trunc(-0.5 + fixed) : Math.trunc(0.5 + fixed);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { first, count, weights, kSize };
}

/** PIL's clip8: a fixed-point sum to a byte. */
function clip8(sum: number): number {
  if (sum >= 256 * (1 << PIL_PRECISION_BITS)) return 255;
  if (sum <= 0) return 0;
  return Math.floor(sum / (1 << PIL_PRECISION_BITS));
}

/** One separable pass of PIL's resampling over 8-bit RGB: along x (`horizontal`) or along y. */
function pilPass(
  src: Uint8Array,
  w: number,
  h: number,
  out: number,
  horizontal: boolean,
): { data: Uint8Array; w: number; h: number } {
  const { first, count, weights, kSize } = pilCoefficients(horizontal ? w : h, out);
  const ow = horizontal ? out : w;
  const oh = horizontal ? h : out;
  const dst = new Uint8Array(ow * oh * 3);
  const half = 1 << (PIL_PRECISION_BITS - 1);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const o = horizontal ? x : y;
      const start = first[o];
      for (let c = 0; c < 3; c++) {
        let sum = half;
        for (let i = 0; i < count[o]; i++) {
          const si = horizontal ? (y * w + start + i) * 3 + c : ((start + i) * w + x) * 3 + c;
          sum += src[si] * weights[o * kSize + i];
        }
        dst[(y * ow + x) * 3 + c] = clip8(sum);
      }
    }
  }
  return { data: dst, w: ow, h: oh };
}

/**
 * PIL's `Image.resize((width, height), Image.BICUBIC)` of the 8-bit RGB image (values of `image` are rounded
 * to bytes first, as a decoded PNG's are exactly): horizontal pass, then vertical, each rounded to bytes, byte
 * for byte as Pillow computes it. This is what scipy.misc.imresize(img, size, interp='bicubic') returns, the
 * resize of clevr-iep's extract_features.py.
 */
export function resizePilBicubic(image: FloatRgbImage, height: number, width: number): FloatRgbImage {
  let data: Uint8Array = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(image.data[i] * 255)));
  let w = image.width;
  let h = image.height;
  if (width !== w) ({ data, w, h } = pilPass(data, w, h, width, true));
  if (height !== h) ({ data, w, h } = pilPass(data, w, h, height, false));
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return { width, height, data: out };
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
