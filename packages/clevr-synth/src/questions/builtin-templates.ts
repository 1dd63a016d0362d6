import compareInteger from '../../templates/compare_integer.json';
import comparison from '../../templates/comparison.json';
import metadata from '../../templates/metadata.json';
import oneHop from '../../templates/one_hop.json';
import properties from '../../templates/properties.json';
import sameRelate from '../../templates/same_relate.json';
import singleAnd from '../../templates/single_and.json';
import singleOr from '../../templates/single_or.json';
import synonyms from '../../templates/synonyms.json';
import threeHop from '../../templates/three_hop.json';
import twoHop from '../../templates/two_hop.json';
import zeroHop from '../../templates/zero_hop.json';
import { buildTemplateSet, type TemplateSet } from './template-set.js';

/** mmnet's own template families (our wording over CLEVR's 90 program shapes), shipped in `templates/`. */
export const BUILTIN_TEMPLATE_FAMILIES: Readonly<Record<string, unknown>> = {
  compare_integer: compareInteger,
  comparison,
  one_hop: oneHop,
  same_relate: sameRelate,
  single_and: singleAnd,
  single_or: singleOr,
  three_hop: threeHop,
  two_hop: twoHop,
  zero_hop: zeroHop,
};

/** The package's own metadata.json, synonyms.json and properties.json (CLEVR 1.0 facts). */
export const BUILTIN_METADATA: unknown = metadata;
export const BUILTIN_SYNONYMS: unknown = synonyms;
export const BUILTIN_PROPERTIES = properties as unknown as {
  shapes: Record<string, string>;
  colors: Record<string, [number, number, number]>;
  materials: Record<string, string>;
  sizes: Record<string, number>;
};

let cached: TemplateSet | null = null;

/** The shipped template set (parsed once). */
export function builtinTemplateSet(): TemplateSet {
  cached ??= buildTemplateSet(BUILTIN_TEMPLATE_FAMILIES, BUILTIN_METADATA, BUILTIN_SYNONYMS);
  return cached;
}
