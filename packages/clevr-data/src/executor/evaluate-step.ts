import type { Attribute } from '../program/functions.js';
import type { PreparedScene } from './prepared-scene.js';
import { type ExecValue, intersectSorted, unionSorted } from './values.js';

/** Why a step could not be executed. */
export type ExecutionErrorKind =
  /** The program is malformed (unknown function, wrong arity or types, bad value input). */
  | 'invalid_program'
  /** `unique` got a set that does not hold exactly one object. */
  | 'not_unique'
  /** The scene lacks what the step needs (a relation list, an object index). */
  | 'bad_scene'
  /** The program's final output is an Object or ObjectSet, not an answer. */
  | 'not_an_answer';

/** A failed step (a value, never thrown out of the executor). */
export class StepFailure {
  constructor(
    readonly kind: ExecutionErrorKind,
    readonly message: string,
  ) {}
}

const ATTRS = new Set<string>(['shape', 'color', 'material', 'size']);

function attributeOf(fn: string, prefix: string): Attribute | null {
  const a = fn.slice(prefix.length);
  return ATTRS.has(a) ? (a as Attribute) : null;
}

function objectIndex(v: ExecValue, scene: PreparedScene): number | StepFailure {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= scene.objectCount) {
    return new StepFailure(
      'bad_scene',
      `object index ${String(v)} is not in the scene (${scene.objectCount} objects)`,
    );
  }
  return v;
}

function asSet(v: ExecValue): readonly number[] | StepFailure {
  return Array.isArray(v) ? v : new StepFailure('invalid_program', 'expected an ObjectSet input');
}

/**
 * Executes one basic CLEVR function on already computed inputs, with the semantics of CLEVR's question
 * engine. Returns the output value or a StepFailure; never throws for bad programs or scenes.
 */
export function evaluateStep(
  fn: string,
  valueInputs: readonly string[],
  args: readonly ExecValue[],
  scene: PreparedScene,
): ExecValue | StepFailure {
  switch (fn) {
    case 'scene':
      return scene.all;
    case 'unique': {
      const set = asSet(args[0]);
      if (set instanceof StepFailure) return set;
      if (set.length !== 1) {
        return new StepFailure('not_unique', `unique needs exactly one object, got ${set.length}`);
      }
      return set[0];
    }
    case 'relate': {
      const i = objectIndex(args[0], scene);
      if (i instanceof StepFailure) return i;
      const lists = scene.relations.get(valueInputs[0]);
      if (!lists) return new StepFailure('bad_scene', `the scene has no '${valueInputs[0]}' relationships`);
      const related = lists[i];
      if (!related)
        return new StepFailure('bad_scene', `relationships.${valueInputs[0]} has no entry for object ${i}`);
      return related;
    }
    case 'union':
    case 'intersect': {
      const a = asSet(args[0]);
      const b = asSet(args[1]);
      if (a instanceof StepFailure) return a;
      if (b instanceof StepFailure) return b;
      return fn === 'union' ? unionSorted(a, b) : intersectSorted(a, b);
    }
    case 'count': {
      const set = asSet(args[0]);
      return set instanceof StepFailure ? set : set.length;
    }
    case 'exist': {
      const set = asSet(args[0]);
      return set instanceof StepFailure ? set : set.length > 0;
    }
    case 'equal_integer':
    case 'equal_object':
      return args[0] === args[1];
    case 'less_than':
      return (args[0] as number) < (args[1] as number);
    case 'greater_than':
      return (args[0] as number) > (args[1] as number);
  }
  if (fn.startsWith('filter_')) {
    const attr = attributeOf(fn, 'filter_');
    const set = asSet(args[0]);
    if (attr && !(set instanceof StepFailure)) {
      const col = scene.attributes[attr];
      const value = valueInputs[0];
      return set.filter((i) => col[i] === value);
    }
  } else if (fn.startsWith('query_')) {
    const attr = attributeOf(fn, 'query_');
    if (attr) {
      const i = objectIndex(args[0], scene);
      return i instanceof StepFailure ? i : scene.attributes[attr][i];
    }
  } else if (fn.startsWith('same_')) {
    const attr = attributeOf(fn, 'same_');
    if (attr) {
      const i = objectIndex(args[0], scene);
      return i instanceof StepFailure ? i : scene.sameAs(attr, i);
    }
  } else if (fn.startsWith('equal_')) {
    if (attributeOf(fn, 'equal_')) return args[0] === args[1];
  }
  return new StepFailure('invalid_program', `cannot execute function '${fn}'`);
}
