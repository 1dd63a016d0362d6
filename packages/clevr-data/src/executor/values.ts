import type { ClevrType } from '../program/functions.js';

/**
 * A value computed by a program step: an ObjectSet is an ascending list of object indices, an Object is
 * an object index, an Integer a number, a Bool a boolean, an attribute a string.
 */
export type ExecValue = readonly number[] | number | boolean | string;

/** Equality of two step outputs as CLEVR's engine compares them (sets element-wise). */
export function sameValue(a: ExecValue, b: ExecValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return a === b;
}

/**
 * The answer string of a final value, as the official files write it: 'yes'/'no', '3', 'red'.
 * Returns null for Object and ObjectSet outputs, which are not answers.
 */
export function formatAnswer(value: ExecValue, type: ClevrType): string | null {
  if (type === 'Bool') return value ? 'yes' : 'no';
  if (type === 'Integer') return String(value);
  if (type === 'Object' || type === 'ObjectSet') return null;
  return String(value);
}

/** Union of two ascending index lists. */
export function unionSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else {
      out.push(a[i]);
      i++;
      j++;
    }
  }
  return out;
}

/** Intersection of two ascending index lists. */
export function intersectSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) i++;
    else if (b[j] < a[i]) j++;
    else {
      out.push(a[i]);
      i++;
      j++;
    }
  }
  return out;
}
