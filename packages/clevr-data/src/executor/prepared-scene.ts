import type { Scene } from '../formats/scene-schema.js';
import type { Attribute } from '../program/functions.js';

/** A scene indexed for fast execution: attribute columns, sorted relation lists, lazy same-attribute sets. */
export interface PreparedScene {
  readonly scene: Scene;
  readonly objectCount: number;
  /** Every object index, ascending (the output of `scene`). */
  readonly all: readonly number[];
  readonly attributes: Readonly<Record<Attribute, readonly string[]>>;
  /** `relations.get('left')[i]`: the objects left of object i, ascending. */
  readonly relations: ReadonlyMap<string, readonly (readonly number[])[]>;
  /** Objects other than i sharing attribute a with object i, computed on first use. */
  sameAs(attribute: Attribute, i: number): readonly number[];
}

const cache = new WeakMap<Scene, PreparedScene>();

/** Indexes a scene for execution; memoised per scene object (scenes are treated as immutable). */
export function prepareScene(scene: Scene): PreparedScene {
  const hit = cache.get(scene);
  if (hit) return hit;
  const objects = scene.objects;
  const n = objects.length;
  const attributes = {
    shape: objects.map((o) => o.shape),
    color: objects.map((o) => o.color),
    material: objects.map((o) => o.material),
    size: objects.map((o) => o.size),
  };
  const relations = new Map<string, number[][]>();
  for (const [rel, lists] of Object.entries(scene.relationships ?? {})) {
    if (Array.isArray(lists)) {
      relations.set(
        rel,
        (lists as number[][]).map((l) => [...l].sort((a, b) => a - b)),
      );
    }
  }
  const same = new Map<Attribute, number[][]>();
  const prepared: PreparedScene = {
    scene,
    objectCount: n,
    all: Array.from({ length: n }, (_, i) => i),
    attributes,
    relations,
    sameAs(attribute, i) {
      let table = same.get(attribute);
      if (!table) {
        const col = attributes[attribute];
        table = col.map((v, a) => col.flatMap((w, b) => (b !== a && w === v ? [b] : [])));
        same.set(attribute, table);
      }
      return table[i];
    },
  };
  cache.set(scene, prepared);
  return prepared;
}
