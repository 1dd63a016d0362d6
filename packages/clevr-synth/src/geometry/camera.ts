import type { Rng } from '@mmnet/core-tensors';
import { jitterOffset } from './jitter.js';
import { dot3, sub3, type Vec3 } from './vec3.js';

/** A pinhole camera: position, orthonormal axes in world space and the horizontal field of view. */
export interface Camera {
  position: Vec3;
  /** Image right (+x of the camera). */
  right: Vec3;
  /** Image up (+y of the camera). */
  up: Vec3;
  /** Viewing direction (-z of the camera). */
  forward: Vec3;
  /** tan(horizontal FOV / 2); the vertical extent follows the image aspect (Blender's horizontal sensor fit). */
  tanHalfFovX: number;
}

/**
 * CLEVR's camera in base_scene.blend (Blender's default camera): location, XYZ Euler rotation in degrees,
 * a 35 mm lens on a 32 mm sensor (49.1 degrees horizontal field of view).
 */
export const CLEVR_CAMERA = {
  location: [7.358891487121582, -6.925790786743164, 4.958309173583984] as Vec3,
  rotationDeg: [63.5593, 0.6197, 46.6919] as Vec3,
  focalLengthMm: 35,
  sensorWidthMm: 32,
} as const;

/** Rotation matrix columns of a Blender XYZ Euler rotation (R = Rz * Ry * Rx), applied to a vector. */
function rotateEulerXYZ(v: Vec3, rxDeg: number, ryDeg: number, rzDeg: number): Vec3 {
  const [rx, ry, rz] = [rxDeg, ryDeg, rzDeg].map((d) => (d * Math.PI) / 180);
  // Rx
  let [x, y, z] = v;
  [y, z] = [y * Math.cos(rx) - z * Math.sin(rx), y * Math.sin(rx) + z * Math.cos(rx)];
  // Ry
  [x, z] = [x * Math.cos(ry) + z * Math.sin(ry), -x * Math.sin(ry) + z * Math.cos(ry)];
  // Rz
  [x, y] = [x * Math.cos(rz) - y * Math.sin(rz), x * Math.sin(rz) + y * Math.cos(rz)];
  return [x, y, z];
}

/** A camera from Blender parameters (location, XYZ Euler degrees, focal length and sensor width in mm). */
export function cameraFromBlender(
  location: Vec3,
  rotationDeg: Vec3,
  focalLengthMm: number,
  sensorWidthMm: number,
): Camera {
  const [rx, ry, rz] = rotationDeg;
  return {
    position: [location[0], location[1], location[2]],
    right: rotateEulerXYZ([1, 0, 0], rx, ry, rz),
    up: rotateEulerXYZ([0, 1, 0], rx, ry, rz),
    forward: rotateEulerXYZ([0, 0, -1], rx, ry, rz),
    tanHalfFovX: sensorWidthMm / 2 / focalLengthMm,
  };
}

/**
 * CLEVR's camera, its location moved by up to +-`jitter` on each axis as render_images.py does (by at least
 * `minJitter` on each axis when that is > 0).
 */
export function clevrCamera(rng: Rng | null, jitter = 0.5, minJitter = 0): Camera {
  const { location, rotationDeg, focalLengthMm, sensorWidthMm } = CLEVR_CAMERA;
  const jittered: Vec3 =
    rng && jitter > 0
      ? [
          location[0] + jitterOffset(rng, jitter, minJitter),
          location[1] + jitterOffset(rng, jitter, minJitter),
          location[2] + jitterOffset(rng, jitter, minJitter),
        ]
      : location;
  return cameraFromBlender(jittered, rotationDeg, focalLengthMm, sensorWidthMm);
}

/**
 * Projects a world point to continuous image coordinates: x right and y down in pixels (the pixel
 * (i, j) covers [i, i+1) x [j, j+1)), and the depth along the viewing axis.
 */
export function projectPoint(camera: Camera, p: Vec3, width: number, height: number): Vec3 {
  const d = sub3(p, camera.position);
  const depth = dot3(d, camera.forward);
  const tanX = camera.tanHalfFovX;
  const tanY = (tanX * height) / width;
  const u = dot3(d, camera.right) / depth / tanX; // -1..1 across the image
  const v = dot3(d, camera.up) / depth / tanY;
  return [((u + 1) / 2) * width, ((1 - v) / 2) * height, depth];
}

/**
 * CLEVR's `pixel_coords` of a point (utils.get_camera_coords): integer pixel x and y (rounded, y down)
 * and the depth along the viewing axis.
 */
export function pixelCoords(
  camera: Camera,
  p: Vec3,
  width: number,
  height: number,
): [number, number, number] {
  const [x, y, depth] = projectPoint(camera, p, width, height);
  return [Math.round(x), Math.round(y), depth];
}
