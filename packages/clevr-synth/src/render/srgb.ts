const LUT_SIZE = 4096;

/** 8-bit sRGB code of each linear value k / (LUT_SIZE - 1). */
const LUT = (() => {
  const lut = new Uint8Array(LUT_SIZE);
  for (let k = 0; k < LUT_SIZE; k++) {
    const v = k / (LUT_SIZE - 1);
    const s = v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
    lut[k] = Math.round(Math.min(1, Math.max(0, s)) * 255);
  }
  return lut;
})();

/** Encodes a linear value (clamped to [0, 1]) as an 8-bit sRGB code. */
export function linearToSrgb8(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return LUT[(v * (LUT_SIZE - 1) + 0.5) | 0];
}

/** Decodes an 8-bit sRGB code to linear light. */
export function srgb8ToLinear(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
