/**
 * The CLEVR program DSL as data: every basic function with its input types, its value-input kind and
 * its output type. These are the facts of CLEVR 1.0's metadata.json, restated here so the package
 * needs no outside file.
 */

/** Attribute-like value types: the kinds of value inputs and of query answers. */
export type ValueType = 'Shape' | 'Color' | 'Size' | 'Material' | 'Relation';
/** Every type a program step can consume or produce. */
export type ClevrType = 'Object' | 'ObjectSet' | 'Integer' | 'Bool' | ValueType;

export interface FunctionSpec {
  name: string;
  /** Types of the step inputs (outputs of earlier steps), in order. */
  inputs: readonly ClevrType[];
  /** The kind of the single value input (e.g. `Color` for `filter_color[red]`), or null for none. */
  valueInput: ValueType | null;
  output: ClevrType;
  /** True when the output can be a question's answer. */
  terminal: boolean;
}

/** The value domains of CLEVR 1.0, in metadata order. */
export const CLEVR_VALUES: Readonly<Record<ValueType, readonly string[]>> = {
  Shape: ['cube', 'sphere', 'cylinder'],
  Color: ['gray', 'red', 'blue', 'green', 'brown', 'purple', 'cyan', 'yellow'],
  Relation: ['left', 'right', 'behind', 'front'],
  Size: ['small', 'large'],
  Material: ['rubber', 'metal'],
};

/** The scene-object attribute read by each attribute value type. */
export const ATTRIBUTE_OF_TYPE = {
  Shape: 'shape',
  Color: 'color',
  Size: 'size',
  Material: 'material',
} as const;
export type AttributeType = keyof typeof ATTRIBUTE_OF_TYPE;
export type Attribute = (typeof ATTRIBUTE_OF_TYPE)[AttributeType];
export const ATTRIBUTE_TYPES: readonly AttributeType[] = ['Size', 'Color', 'Material', 'Shape'];

function fn(
  name: string,
  inputs: ClevrType[],
  output: ClevrType,
  valueInput: ValueType | null = null,
  terminal = false,
): FunctionSpec {
  return { name, inputs, valueInput, output, terminal };
}

const attributeFunctions = (ATTRIBUTE_TYPES as AttributeType[]).flatMap((t) => {
  const a = ATTRIBUTE_OF_TYPE[t];
  return [
    fn(`filter_${a}`, ['ObjectSet'], 'ObjectSet', t),
    fn(`query_${a}`, ['Object'], t, null, true),
    fn(`same_${a}`, ['Object'], 'ObjectSet'),
    fn(`equal_${a}`, [t, t], 'Bool', null, true),
  ];
});

/** Every basic CLEVR function (those that appear in question programs). */
export const CLEVR_FUNCTIONS: readonly FunctionSpec[] = [
  fn('scene', [], 'ObjectSet'),
  fn('unique', ['ObjectSet'], 'Object'),
  fn('relate', ['Object'], 'ObjectSet', 'Relation'),
  fn('union', ['ObjectSet', 'ObjectSet'], 'ObjectSet'),
  fn('intersect', ['ObjectSet', 'ObjectSet'], 'ObjectSet'),
  fn('count', ['ObjectSet'], 'Integer', null, true),
  fn('exist', ['ObjectSet'], 'Bool', null, true),
  fn('equal_integer', ['Integer', 'Integer'], 'Bool', null, true),
  fn('less_than', ['Integer', 'Integer'], 'Bool', null, true),
  fn('greater_than', ['Integer', 'Integer'], 'Bool', null, true),
  fn('equal_object', ['Object', 'Object'], 'Bool', null, true),
  ...attributeFunctions,
];

const byName = new Map(CLEVR_FUNCTIONS.map((f) => [f.name, f]));

/** The spec of a basic function, or undefined when the name is not a CLEVR function. */
export function getFunctionSpec(name: string): FunctionSpec | undefined {
  return byName.get(name);
}

/** True for the value types whose values name an object attribute (not Relation). */
export function isAttributeType(t: ClevrType): t is AttributeType {
  return t === 'Shape' || t === 'Color' || t === 'Size' || t === 'Material';
}
