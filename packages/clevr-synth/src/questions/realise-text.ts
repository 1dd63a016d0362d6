import { choice, type RandomSource } from './random.js';
import type { Synonyms } from './template-schema.js';

const collapse = (s: string): string => s.split(/\s+/).filter(Boolean).join(' ');

/** Keeps or drops (each with probability 1/2) every `[optional text]`. */
export function replaceOptionals(text: string, rng: RandomSource): string {
  const pattern = /\[([^[\]]*)\]/;
  let s = text;
  for (let m = pattern.exec(s); m; m = pattern.exec(s)) {
    s = s.slice(0, m.index) + (rng.next() > 0.5 ? m[1] : '') + s.slice(m.index + m[0].length);
  }
  return s;
}

const OTHER_KEYS = ['<Z>', '<C>', '<M>', '<S>', '<Z2>', '<C2>', '<M2>', '<S2>'];

/**
 * CLEVR's "other" heuristic: in a question about exactly two described objects, "other"/"another" is
 * dropped when some attribute is given for both objects with different values (they cannot be the same).
 */
export function otherHeuristic(text: string, vals: Readonly<Record<string, string>>): string {
  if (!text.includes(' other ') && !text.includes(' another ')) return text;
  const keys = Object.keys(vals);
  if (keys.length !== OTHER_KEYS.length || !OTHER_KEYS.every((k) => k in vals)) return text;
  const pairs: [string, string][] = [
    ['<Z>', '<Z2>'],
    ['<C>', '<C2>'],
    ['<M>', '<M2>'],
    ['<S>', '<S2>'],
  ];
  const differ = pairs.some(([a, b]) => vals[a] !== '' && vals[b] !== '' && vals[a] !== vals[b]);
  if (!differ) return text;
  return text.replaceAll(' other ', ' ').replaceAll(' another ', ' a ');
}

/**
 * Writes a question: a random phrasing of the template, each parameter replaced by its value (or a random
 * synonym of it), optional parts kept at random, spaces collapsed, then the "other" heuristic.
 */
export function realiseText(
  phrasings: readonly string[],
  vals: Readonly<Record<string, string>>,
  synonyms: Synonyms,
  rng: RandomSource,
): string {
  let text = choice(phrasings, rng);
  for (const [name, value] of Object.entries(vals)) {
    const word = synonyms[value] ? choice(synonyms[value], rng) : value;
    text = collapse(text.split(name).join(word));
  }
  text = collapse(replaceOptionals(text, rng));
  return otherHeuristic(text, vals);
}
