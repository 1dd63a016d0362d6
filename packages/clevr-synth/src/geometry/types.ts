import type { ColorName, MaterialName, ShapeName, SizeName } from '@mmnet/clevr-data';
import type { Camera } from './camera.js';
import type { Directions } from './directions.js';
import type { LightRig } from './lights.js';
import type { Vec3 } from './vec3.js';

/** One object of a synthetic scene, with everything needed to render it. */
export interface SyntheticObject {
  shape: ShapeName;
  color: ColorName;
  material: MaterialName;
  size: SizeName;
  /** Centre: (x, y) on the ground plane and z = `scale`, so the object rests on the ground (CLEVR's 3d_coords). */
  position: Vec3;
  /**
   * Blender scale of the unit asset: sphere radius, cylinder radius and half-height, cube half-edge.
   * It is the size's radius, divided by sqrt(2) for cubes, as render_images.py does.
   */
  scale: number;
  /**
   * CLEVR's `rotation` (render_images.py draws it in degrees in [0, 360) and stores it as such). Blender
   * receives the same number as radians (rotation_euler[2] = theta), and so does this renderer.
   */
  rotation: number;
}

/** A full synthetic scene: objects, the jittered camera and lamps, and the CLEVR directions. */
export interface SyntheticScene {
  objects: SyntheticObject[];
  camera: Camera;
  lights: LightRig;
  directions: Directions;
}
