import type { PreparedScene } from '@mmnet/clevr-data';
import { ATTRIBUTE_OF_TYPE, ATTRIBUTE_TYPES, type AttributeType, intersectSorted } from '@mmnet/clevr-data';
import { type RandomSource, shuffleInPlace } from './random.js';

/** Attribute values of a filter in ATTRIBUTE_TYPES order (Size, Color, Material, Shape); null = not filtered. */
export type FilterKey = readonly (string | null)[];

/** A filter and the objects of some input set that pass it. */
export interface FilterOption {
  key: FilterKey;
  objects: readonly number[];
}

/** A relation followed by a filter, and the objects it yields from some object. */
export interface RelateFilterOption extends FilterOption {
  relation: string;
}

const keyString = (key: FilterKey): string => key.map((v) => v ?? '').join('|');

const sceneFilters = new WeakMap<PreparedScene, FilterOption[]>();

/** Every filter that at least one object of the scene passes, with all the objects that pass it (memoised). */
function sceneFilterOptions(prepared: PreparedScene): FilterOption[] {
  const hit = sceneFilters.get(prepared);
  if (hit) return hit;
  const byKey = new Map<string, { key: FilterKey; objects: number[] }>();
  for (let i = 0; i < prepared.objectCount; i++) {
    const values = ATTRIBUTE_TYPES.map((t) => prepared.attributes[ATTRIBUTE_OF_TYPE[t]][i]);
    for (let mask = 0; mask < 1 << ATTRIBUTE_TYPES.length; mask++) {
      const key = values.map((v, k) => ((mask >> k) & 1 ? v : null));
      const s = keyString(key);
      const entry = byKey.get(s);
      if (entry) entry.objects.push(i);
      else byKey.set(s, { key, objects: [i] });
    }
  }
  const options = [...byKey.values()];
  sceneFilters.set(prepared, options);
  return options;
}

/** The scene's filters restricted to `input` (options whose restriction is empty are kept, as CLEVR does). */
export function findFilterOptions(input: readonly number[], prepared: PreparedScene): FilterOption[] {
  return sceneFilterOptions(prepared).map((o) => ({
    key: o.key,
    objects: intersectSorted(o.objects, input),
  }));
}

/** True when the key filters nothing. */
export function isNullKey(key: FilterKey): boolean {
  return key.every((v) => v === null);
}

/**
 * Adds up to `count` filters that no object of the scene passes (with empty object lists), drawn uniformly
 * without replacement from those filters; never the all-null key.
 */
export function addEmptyFilterOptions(
  options: FilterOption[],
  prepared: PreparedScene,
  domains: Readonly<Record<AttributeType, readonly string[]>>,
  count: number,
  rng: RandomSource,
): void {
  if (count <= 0) return;
  const missing = missingKeys(prepared, domains).slice();
  const n = Math.min(count, missing.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng.next() * (missing.length - i));
    const t = missing[i];
    missing[i] = missing[j];
    missing[j] = t;
    options.push({ key: missing[i], objects: [] });
  }
}

const sceneMissing = new WeakMap<PreparedScene, { domains: unknown; keys: FilterKey[] }>();

/** Every filter (except the all-null one) that no object of the scene passes (memoised per scene). */
function missingKeys(
  prepared: PreparedScene,
  domains: Readonly<Record<AttributeType, readonly string[]>>,
): readonly FilterKey[] {
  const hit = sceneMissing.get(prepared);
  if (hit && hit.domains === domains) return hit.keys;
  const present = new Set(sceneFilterOptions(prepared).map((o) => keyString(o.key)));
  let keys: (string | null)[][] = [[]];
  for (const t of ATTRIBUTE_TYPES) {
    const vals: (string | null)[] = [...domains[t], null];
    keys = keys.flatMap((k) => vals.map((v) => [...k, v]));
  }
  const missing = keys.filter((k) => !isNullKey(k) && !present.has(keyString(k)));
  sceneMissing.set(prepared, { domains, keys: missing });
  return missing;
}

/**
 * Options for `relate_filter*` nodes from one object: every (relation, scene filter) pair with the objects
 * related to `object` that pass the filter. `unique` keeps only single-object results, `includeZero` keeps
 * empty ones. Pairs whose relation does not change the filter's result ("trivial") are mostly left out:
 * a random tenth of the final options are trivial ones, as CLEVR does.
 */
export function findRelateFilterOptions(
  object: number,
  prepared: PreparedScene,
  relations: readonly string[],
  rng: RandomSource,
  opts: { unique: boolean; includeZero: boolean; trivialFraction?: number },
): RelateFilterOption[] {
  const filters = sceneFilterOptions(prepared);
  const options: RelateFilterOption[] = [];
  const trivial: RelateFilterOption[] = [];
  for (const relation of relations) {
    const related = prepared.relations.get(relation)?.[object];
    if (!related) continue;
    for (const f of filters) {
      const objects = intersectSorted(related, f.objects);
      if (opts.unique && objects.length !== 1) continue;
      if (!opts.includeZero && objects.length === 0) continue;
      const option = { relation, key: f.key, objects };
      if (objects.length === f.objects.length) trivial.push(option);
      else options.push(option);
    }
  }
  const frac = opts.trivialFraction ?? 0.1;
  const numTrivial = Math.round((options.length * frac) / (1 - frac));
  shuffleInPlace(trivial, rng);
  for (const o of trivial.slice(0, numTrivial)) options.push(o);
  return options;
}
