import { type ArityFunction, clevrArity, parseProgramToken } from './arity.js';

/** What a module takes and gives: the types of its inputs, in order, and the type of its output. */
export interface ModuleType {
  readonly inputs: readonly string[];
  readonly output: string;
}

/**
 * A DSL's types: each token's module type (null for the tokens that are not modules) and the types a whole program
 * may give, its answers. A decoder that knows them proposes only programs whose every module gets the inputs it
 * takes (e.g. a count of objects, not of a colour). `ANY_TYPE` takes and gives every type; among the answers, it
 * lets every type answer.
 */
export interface ProgramTypes {
  typeOf(token: string): ModuleType | null;
  readonly answers: ReadonlySet<string>;
}

/** The type that matches every type: the inputs and output of a module whose types are not known. */
export const ANY_TYPE = '*';

/** Types that only say how many inputs each module takes (every input and output `ANY_TYPE`). */
export function arityTypes(arityOf: ArityFunction): ProgramTypes {
  return {
    typeOf(token) {
      const arity = arityOf(token);
      return arity === null ? null : { inputs: new Array(arity).fill(ANY_TYPE), output: ANY_TYPE };
    },
    answers: new Set([ANY_TYPE]),
  };
}

const type = (inputs: string[], output: string): ModuleType => ({ inputs, output });
const ATTRIBUTES = ['Color', 'Shape', 'Size', 'Material'];
/** CLEVR's functions as its metadata.json types them (the bracketed value inputs are part of the token). */
const CLEVR_FUNCTIONS: Record<string, ModuleType> = {
  scene: type([], 'ObjectSet'),
  unique: type(['ObjectSet'], 'Object'),
  relate: type(['Object'], 'ObjectSet'),
  union: type(['ObjectSet', 'ObjectSet'], 'ObjectSet'),
  intersect: type(['ObjectSet', 'ObjectSet'], 'ObjectSet'),
  count: type(['ObjectSet'], 'Integer'),
  exist: type(['ObjectSet'], 'Bool'),
  equal_integer: type(['Integer', 'Integer'], 'Bool'),
  less_than: type(['Integer', 'Integer'], 'Bool'),
  greater_than: type(['Integer', 'Integer'], 'Bool'),
  equal_object: type(['Object', 'Object'], 'Bool'),
  ...Object.fromEntries(
    ATTRIBUTES.flatMap((a) => {
      const name = a.toLowerCase();
      return [
        [`filter_${name}`, type(['ObjectSet'], 'ObjectSet')],
        [`query_${name}`, type(['Object'], a)],
        [`same_${name}`, type(['Object'], 'ObjectSet')],
        [`equal_${name}`, type([a, a], 'Bool')],
      ];
    }),
  ),
};

/**
 * CLEVR's types: object sets, single objects, integers, booleans and the four attributes; a whole program answers
 * with anything but objects. A function CLEVR does not have takes and gives `ANY_TYPE` (by `clevrArity`), which may
 * answer.
 */
export const clevrTypes: ProgramTypes = {
  typeOf(token) {
    const arity = clevrArity(token);
    if (arity === null) return null;
    return CLEVR_FUNCTIONS[parseProgramToken(token).function] ?? arityTypes(clevrArity).typeOf(token);
  },
  answers: new Set(['Bool', 'Integer', ...ATTRIBUTES]),
};
