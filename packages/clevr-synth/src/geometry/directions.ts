import type { Camera } from './camera.js';
import { dot3, normalize3, scale3, sub3, type Vec3 } from './vec3.js';

/** The six CLEVR directions as unit vectors in the world frame. */
export interface Directions {
  left: Vec3;
  right: Vec3;
  front: Vec3;
  behind: Vec3;
  above: Vec3;
  below: Vec3;
}

const PLANE_NORMAL: Vec3 = [0, 0, 1];

function projectOnto(v: Vec3, n: Vec3): Vec3 {
  return scale3(n, dot3(v, n) / dot3(n, n));
}

/**
 * The directions as render_images.py computes them: the camera's backward-looking axis and left axis
 * projected onto the ground plane ("behind" is away from the camera), and "above" the camera's up axis
 * projected on the plane normal.
 */
export function computeDirections(camera: Camera): Directions {
  const camBehind = camera.forward; // Blender: camera rotation * (0, 0, -1)
  const camLeft = scale3(camera.right, -1);
  const planeBehind = normalize3(sub3(camBehind, projectOnto(camBehind, PLANE_NORMAL)));
  const planeLeft = normalize3(sub3(camLeft, projectOnto(camLeft, PLANE_NORMAL)));
  const planeUp = normalize3(projectOnto(camera.up, PLANE_NORMAL));
  const clean = (v: Vec3): Vec3 => [v[0] + 0, v[1] + 0, v[2] + 0]; // no negative zeros in JSON
  return {
    behind: clean(planeBehind),
    front: clean(scale3(planeBehind, -1)),
    left: clean(planeLeft),
    right: clean(scale3(planeLeft, -1)),
    above: clean(planeUp),
    below: clean(scale3(planeUp, -1)),
  };
}
