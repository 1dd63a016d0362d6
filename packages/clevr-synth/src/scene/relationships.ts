import type { Directions } from '../geometry/directions.js';
import type { Vec3 } from '../geometry/vec3.js';

/** For each spatial relation, for each object i, the sorted indices of the objects j in that relation to i. */
export interface SpatialRelationships {
  left: number[][];
  right: number[][];
  front: number[][];
  behind: number[][];
}

/** CLEVR's threshold: j is `dir` of i when (coords_j - coords_i) . dir > eps. */
export const RELATIONSHIP_EPS = 0.2;

/** compute_all_relationships of render_images.py. */
export function computeRelationships(
  coords: readonly Vec3[],
  directions: Directions,
  eps = RELATIONSHIP_EPS,
): SpatialRelationships {
  const relate = (dir: Vec3): number[][] =>
    coords.map((c1, i) => {
      const related: number[] = [];
      coords.forEach((c2, j) => {
        if (i === j) return;
        const dot = (c2[0] - c1[0]) * dir[0] + (c2[1] - c1[1]) * dir[1] + (c2[2] - c1[2]) * dir[2];
        if (dot > eps) related.push(j);
      });
      return related;
    });
  return {
    behind: relate(directions.behind),
    front: relate(directions.front),
    left: relate(directions.left),
    right: relate(directions.right),
  };
}
