import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressCallback, Scene } from '@mmnet/clevr-data';
import {
  checkLimit,
  DEFAULT_INPUT_LIMITS,
  decodePng,
  readPngText,
  writePngFileWithText,
} from '@mmnet/clevr-data';
import { removeStaleTempFilesIn, writeFileAtomicAsync } from '@mmnet/core-tensors';
import { z } from 'zod';
import { builtinTemplateSet } from '../questions/builtin-templates.js';
import { type GeneratedQuestion, QuestionGenerator } from '../questions/generate.js';
import { loadTemplateDir } from '../questions/load-templates.js';
import { renderScene } from '../render/render-scene.js';
import type { RenderStyle } from '../render/style.js';
import { buildScenesFile, clevrImageFilename } from '../scene/clevr-json.js';
import { generateScene } from '../scene/generate.js';
import { parseSceneSamplerOptions, type SceneSamplerOptions } from '../scene/sample-scene.js';

export const generateSplitConfigSchema = z.object({
  /** Receives images/<split>/*.png, scenes/CLEVR_<split>_scenes.json, questions/CLEVR_<split>_questions.json. */
  outputDir: z.string().min(1),
  split: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'letters and digits only')
    .default('train'),
  numImages: z.number().int().positive(),
  /** Index of the first image (to grow a split in several runs). */
  startIndex: z.number().int().min(0).default(0),
  seed: z.number().int().default(0),
  width: z.number().int().positive().default(480),
  height: z.number().int().positive().default(320),
  antialias: z.boolean().default(true),
  shadows: z.boolean().default(true),
  /** Templates that must give questions per image (CLEVR: 10). */
  templatesPerImage: z.number().int().positive().default(10),
  /** Folder of CLEVR template JSON files; default: the templates shipped with the package. */
  templateDir: z.string().min(1).optional(),
  /** Write the PNGs (false: scenes and questions only). */
  renderImages: z.boolean().default(true),
  /** Date recorded in the files' info (given by the caller so that output is deterministic). */
  date: z.string().default(''),
  /** Scene sampler options (object counts, camera and lamp jitter, ...); default: CLEVR's. */
  sampler: z.custom<SceneSamplerOptions>((v) => typeof v === 'object' && v !== null).optional(),
  /** Changes to the renderer's look (exposure, ground, materials); default: `DEFAULT_RENDER_STYLE`. */
  style: z.custom<Partial<RenderStyle>>((v) => typeof v === 'object' && v !== null).optional(),
  /** Largest width or height accepted (see `InputLimits`). */
  maxImageSize: z.number().int().positive().default(DEFAULT_INPUT_LIMITS.maxImageSize),
});
export type GenerateSplitConfig = z.input<typeof generateSplitConfigSchema>;

export interface GenerateSplitResult {
  images: number;
  /** PNGs already present from an interrupted run and not rendered again (scenes are deterministic). */
  imagesReused: number;
  questions: number;
  scenesFile: string;
  questionsFile: string;
  imageDir: string;
}

/** Keyword of the PNG `tEXt` chunk recording the render settings of a generated image. */
export const RENDER_SETTINGS_KEY = 'mmnet-render';

/** True when `file` is a complete PNG of `width` x `height` pixels rendered with `settings`. */
function isReusablePng(file: string, settings: string, width: number, height: number): boolean {
  if (!existsSync(file)) return false;
  try {
    const bytes = readFileSync(file);
    if (readPngText(bytes, RENDER_SETTINGS_KEY) !== settings) return false;
    const image = decodePng(bytes, file);
    return image.width === width && image.height === height;
  } catch {
    return false;
  }
}

/**
 * Generates a synthetic CLEVR split in the official layout: seeded scenes (renderer engineer's sampler),
 * rendered PNGs, and questions from CLEVR templates (semantics engineer's generator). Every file is written
 * atomically; a rerun after an interruption reuses the PNGs already written with the same render settings
 * (same seed -> same scenes), and renders again any that are damaged or were made with other settings.
 */
export async function generateClevrSplit(
  config: GenerateSplitConfig,
  hooks: { onProgress?: ProgressCallback; signal?: AbortSignal } = {},
): Promise<GenerateSplitResult> {
  const cfg = generateSplitConfigSchema.parse(config);
  const limits = { ...DEFAULT_INPUT_LIMITS, maxImageSize: cfg.maxImageSize };
  checkLimit(limits, 'maxImageSize', cfg.width, '--width', 'the image width');
  checkLimit(limits, 'maxImageSize', cfg.height, '--height', 'the image height');
  if (cfg.sampler) parseSceneSamplerOptions(cfg.sampler); // a bad field is an error before any work
  const templates = cfg.templateDir ? loadTemplateDir(cfg.templateDir) : builtinTemplateSet();
  const generator = new QuestionGenerator(templates, {
    seed: cfg.seed,
    templatesPerImage: cfg.templatesPerImage,
  });
  const imageDir = join(cfg.outputDir, 'images', cfg.split);
  removeStaleTempFilesIn(imageDir); // PNG writes cut by a kill
  const scenes: Scene[] = [];
  const questions: GeneratedQuestion[] = [];
  let reused = 0;
  // What a PNG was rendered with is recorded in it (a tEXt chunk): it is reused only when that matches (another
  // seed, size or style renders other pixels) and it decodes whole at the expected size.
  const settings = JSON.stringify({
    split: cfg.split,
    seed: cfg.seed,
    width: cfg.width,
    height: cfg.height,
    antialias: cfg.antialias,
    shadows: cfg.shadows,
    // Only when given, so that PNGs rendered before these options existed stay reusable.
    ...(cfg.sampler && { sampler: cfg.sampler }),
    ...(cfg.style && { style: cfg.style }),
  });
  for (let k = 0; k < cfg.numImages; k++) {
    if (hooks.signal?.aborted) throw new Error(`generation aborted after ${k} images (rerun to continue)`);
    const index = cfg.startIndex + k;
    const { synthetic, json } = generateScene({
      seed: cfg.seed,
      index,
      split: cfg.split,
      width: cfg.width,
      height: cfg.height,
      sampler: cfg.sampler,
    });
    if (cfg.renderImages) {
      const png = join(imageDir, clevrImageFilename(cfg.split, index));
      if (isReusablePng(png, settings, cfg.width, cfg.height)) reused++;
      else {
        const image = renderScene(synthetic, {
          width: cfg.width,
          height: cfg.height,
          antialias: cfg.antialias,
          shadows: cfg.shadows,
          style: cfg.style,
        });
        writePngFileWithText(png, image, RENDER_SETTINGS_KEY, settings);
      }
    }
    scenes.push(json);
    questions.push(...generator.generateForScene(json));
    hooks.onProgress?.({ phase: `generate ${cfg.split}`, done: k + 1, total: cfg.numImages });
  }
  const scenesFile = join(cfg.outputDir, 'scenes', `CLEVR_${cfg.split}_scenes.json`);
  const questionsFile = join(cfg.outputDir, 'questions', `CLEVR_${cfg.split}_questions.json`);
  await writeFileAtomicAsync(
    scenesFile,
    JSON.stringify(buildScenesFile(scenes, { split: cfg.split, date: cfg.date })),
  );
  const info = {
    split: cfg.split,
    version: '1.0',
    date: cfg.date,
    seed: cfg.seed,
    templates: templates.templates.length,
  };
  await writeFileAtomicAsync(questionsFile, JSON.stringify({ info, questions }));
  return {
    images: cfg.numImages,
    imagesReused: reused,
    questions: questions.length,
    scenesFile,
    questionsFile,
    imageDir,
  };
}
