import type { RgbImage } from '@mmnet/clevr-data';
import { rasteriseText } from './bitmap-font.js';

export type Rgb = readonly [number, number, number];

/** An RGB pixel buffer with the few drawing operations a line chart needs (clipped to the image). */
export class Raster {
  readonly rgb: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new Error(`Raster: bad size ${width}x${height}`);
    this.rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < this.rgb.length; i += 3) this.rgb.set(background, i);
  }

  set(x: number, y: number, color: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    this.rgb.set(color, (py * this.width + px) * 3);
  }

  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.rgb[i], this.rgb[i + 1], this.rgb[i + 2]];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++)
      for (let i = Math.round(x); i < Math.round(x + w); i++) this.set(i, j, color);
  }

  /** A line `thickness` pixels wide; `dash` = [on, off] pixel lengths for a dashed line. */
  line(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    color: Rgb,
    thickness = 1,
    dash?: [number, number],
  ): void {
    const length = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.ceil(length * 2));
    const half = (thickness - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      if (dash && (t * length) % (dash[0] + dash[1]) >= dash[0]) continue;
      const x = x0 + (x1 - x0) * t;
      const y = y0 + (y1 - y0) * t;
      for (let dy = -half; dy <= half; dy++)
        for (let dx = -half; dx <= half; dx++) this.set(x + dx, y + dy, color);
    }
  }

  text(text: string, x: number, y: number, color: Rgb, scale = 1): void {
    rasteriseText(text, Math.round(x), Math.round(y), scale, (px, py) => this.set(px, py, color));
  }

  image(): RgbImage {
    return { width: this.width, height: this.height, rgb: this.rgb };
  }
}
