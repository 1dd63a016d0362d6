import type { Scene, SceneFile } from '@mmnet/clevr-data';
import { pixelCoords } from '../geometry/camera.js';
import type { SyntheticScene } from '../geometry/types.js';
import { computeRelationships } from './relationships.js';

/** CLEVR's image resolution, at which `pixel_coords` are given. */
export const CLEVR_WIDTH = 480;
export const CLEVR_HEIGHT = 320;

/** `CLEVR_<split>_<6-digit index>.png`, the official image file name. */
export function clevrImageFilename(split: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new Error(`clevrImageFilename: bad image index ${index}`);
  return `CLEVR_${split}_${String(index).padStart(6, '0')}.png`;
}

export interface SceneJsonOptions {
  split: string;
  imageIndex: number;
  /** Resolution of `pixel_coords` (CLEVR's 480x320 by default). */
  width?: number;
  height?: number;
}

/** A synthetic scene in the official CLEVR scene format (one entry of `scenes` in CLEVR_<split>_scenes.json). */
export function toClevrSceneJson(scene: SyntheticScene, options: SceneJsonOptions): Scene {
  const width = options.width ?? CLEVR_WIDTH;
  const height = options.height ?? CLEVR_HEIGHT;
  const coords = scene.objects.map((o) => o.position);
  return {
    split: options.split,
    image_index: options.imageIndex,
    image_filename: clevrImageFilename(options.split, options.imageIndex),
    objects: scene.objects.map((o) => ({
      shape: o.shape,
      color: o.color,
      material: o.material,
      size: o.size,
      '3d_coords': [o.position[0], o.position[1], o.position[2]],
      rotation: o.rotation,
      pixel_coords: pixelCoords(scene.camera, o.position, width, height),
    })),
    relationships: computeRelationships(coords, scene.directions),
    directions: { ...scene.directions },
  };
}

export interface ScenesFileInfo {
  split: string;
  /** Generation date string (given by the caller so that output stays deterministic). */
  date: string;
  version?: string;
  license?: string;
}

/** The official scenes file: `{info: {date, version, split, license}, scenes}`. */
export function buildScenesFile(scenes: Scene[], info: ScenesFileInfo): SceneFile {
  return {
    info: {
      date: info.date,
      version: info.version ?? '1.0',
      split: info.split,
      license: info.license ?? 'Creative Commons Attribution (CC-BY 4.0)',
    },
    scenes,
  };
}
