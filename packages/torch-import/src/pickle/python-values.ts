/**
 * The Python values a restricted unpickle produces: None is null, bool/float/str are themselves, int is a number
 * (a bigint past 2^53), bytes are Uint8Array, lists and tuples are arrays, dicts (and OrderedDicts) are `PyDict`,
 * instances of an allowed class are `PyObject`. Tensors and storages are the torch module's own classes.
 */

/** A dict key: Python's hashable scalars (tuples as keys are refused). */
export type PyKey = string | number | bigint | boolean | null;

/** A Python dict or OrderedDict: keys in insertion order; `attributes` holds a BUILD state (OrderedDict `_metadata`). */
export class PyDict extends Map<PyKey, unknown> {
  attributes: Record<string, unknown> = {};

  /** The value under a string key, or an error naming `what` and the key. */
  require(key: string, what: string): unknown {
    if (!this.has(key)) throw new Error(`${what}: no key '${key}'`);
    return this.get(key);
  }
}

/** An instance of an allowed Python class (e.g. argparse.Namespace), with the attributes its BUILD set. */
export class PyObject {
  constructor(
    readonly className: string,
    public attributes: Record<string, unknown> = {},
  ) {}
}

/** What a pickled global stands for: a pure function the unpickler may call with the pickled arguments. */
export interface PyCallable {
  readonly qualifiedName: string;
  call(args: unknown[]): unknown;
}

/** Objects that take a pickle BUILD (`__setstate__`) themselves. */
export const SET_STATE = Symbol('setstate');

export interface SetsState {
  [SET_STATE](state: unknown): void;
}

export function setsState(value: unknown): value is SetsState {
  return typeof value === 'object' && value !== null && SET_STATE in value;
}

/** A plain JSON-like copy of a Python value (dicts become objects, bigints numbers when safe, else strings). */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof PyDict) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJsonValue(v);
    return out;
  }
  if (value instanceof PyObject) return toJsonValue(new PyDict(Object.entries(value.attributes)));
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value === 'object' && value !== null) return `<${value.constructor?.name ?? 'object'}>`;
  return value;
}
