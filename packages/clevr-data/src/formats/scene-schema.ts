import { z } from 'zod';

const vec3 = z.tuple([z.number(), z.number(), z.number()]).readonly();

/** One object of a CLEVR scene. Attribute values are free strings so custom datasets validate too. */
export const sceneObjectSchema = z.looseObject({
  shape: z.string(),
  color: z.string(),
  material: z.string(),
  size: z.string(),
  '3d_coords': vec3,
  rotation: z.number(),
  pixel_coords: vec3,
});
export type SceneObject = z.output<typeof sceneObjectSchema>;

const indexLists = z.array(z.array(z.number().int().nonnegative()));

/**
 * `relationships[rel][i]` lists the objects that stand in relation `rel` to object `i`
 * (e.g. `relationships.left[i]` = the objects left of object i), as in CLEVR.
 */
export const relationshipsSchema = z.object({
  left: indexLists,
  right: indexLists,
  front: indexLists,
  behind: indexLists,
});
export type Relationships = z.output<typeof relationshipsSchema>;

/** Unit vectors of the camera directions in world space, as CLEVR stores them. */
export const directionsSchema = z.record(z.string(), vec3);

export const sceneSchema = z
  .looseObject({
    split: z.string(),
    image_index: z.number().int().nonnegative(),
    image_filename: z.string(),
    objects: z.array(sceneObjectSchema),
    relationships: relationshipsSchema,
    directions: directionsSchema.optional(),
  })
  .superRefine((scene, ctx) => {
    const n = scene.objects.length;
    for (const [rel, lists] of Object.entries(scene.relationships)) {
      if (!Array.isArray(lists)) continue;
      if (lists.length !== n) {
        ctx.addIssue({
          code: 'custom',
          path: ['relationships', rel],
          message: `has ${lists.length} entries but the scene has ${n} objects`,
        });
        return;
      }
      lists.forEach((list: unknown, i: number) => {
        if (!Array.isArray(list)) return;
        list.forEach((j: unknown, k: number) => {
          if (typeof j === 'number' && (j >= n || j === i)) {
            ctx.addIssue({
              code: 'custom',
              path: ['relationships', rel, i, k],
              message: `object index ${j} is ${j === i ? 'the object itself' : `out of range (scene has ${n} objects)`}`,
            });
          }
        });
      });
    }
  });
export type Scene = z.output<typeof sceneSchema>;

export const sceneFileSchema = z.looseObject({
  info: z.record(z.string(), z.unknown()).optional(),
  scenes: z.array(sceneSchema),
});
export type SceneFile = z.output<typeof sceneFileSchema>;
