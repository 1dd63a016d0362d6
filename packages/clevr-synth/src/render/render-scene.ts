import { z } from 'zod';
import type { SyntheticScene } from '../geometry/index.js';
import { SceneRenderer } from './scene-renderer.js';
import type { RenderStyle } from './style.js';

export const RenderOptionsSchema = z
  .object({
    width: z.number().int().min(1).max(8192).default(480),
    height: z.number().int().min(1).max(8192).default(320),
    /** Four samples on the pixels along object silhouettes. */
    antialias: z.boolean().default(true),
    /** Soft shadows of the key lamp. */
    shadows: z.boolean().default(true),
  })
  .strict();

export type RenderOptions = z.input<typeof RenderOptionsSchema> & { style?: Partial<RenderStyle> };

/** A rendered image with its object-id buffer. */
export interface RenderedImage {
  width: number;
  height: number;
  /** 8-bit sRGB, RGB interleaved, row-major from the top-left pixel. */
  rgb: Uint8Array;
  /** Index of the front-most object at each pixel centre, or -1 for the ground. */
  objectIds: Int16Array;
  /** Number of pixels of `objectIds` showing each object. */
  visiblePixels: number[];
}

function parseRenderOptions(options: RenderOptions): z.output<typeof RenderOptionsSchema> {
  const { style: _style, ...rest } = options;
  const parsed = RenderOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`render options: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Renders a synthetic scene as CLEVR's Blender setup would show it (default 480x320). */
export function renderScene(scene: SyntheticScene, options: RenderOptions = {}): RenderedImage {
  const o = parseRenderOptions(options);
  const style = o.shadows ? options.style : { ...options.style, shadowSamples: 0 };
  const renderer = new SceneRenderer(scene, o.width, o.height, style);
  const visiblePixels = renderer.computeIds();
  renderer.computeGroundShading(o.shadows);
  const rgb = renderer.shadeImage(o.antialias);
  return { width: o.width, height: o.height, rgb, objectIds: renderer.ids, visiblePixels };
}
