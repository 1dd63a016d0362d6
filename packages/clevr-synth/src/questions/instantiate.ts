import type { Scene } from '@mmnet/clevr-data';
import {
  ATTRIBUTE_OF_TYPE,
  ATTRIBUTE_TYPES,
  type AttributeType,
  type ExecValue,
  evaluateStep,
  executeSteps,
  formatAnswer,
  getFunctionSpec,
  type PreparedScene,
  prepareScene,
  StepFailure,
  sameValue,
} from '@mmnet/clevr-data';
import type { ProgramStep } from '@mmnet/programs';
import type { AnswerCounts } from './answer-balance.js';
import {
  addEmptyFilterOptions,
  type FilterKey,
  type FilterOption,
  findFilterOptions,
  findRelateFilterOptions,
  isNullKey,
} from './filter-options.js';
import { type RandomSource, shuffleInPlace } from './random.js';
import type { Metadata, TemplateNode } from './template-schema.js';
import type { LoadedTemplate } from './template-set.js';

/** A template instantiated on a scene, before its text is written. */
export interface Instantiation {
  steps: ProgramStep[];
  answer: string;
  /** Parameter name -> value ('' or 'thing' for unset ones), in the order they were set. */
  vals: Record<string, string>;
}

export interface InstantiateOptions {
  /** Stop after this many accepted instantiations (CLEVR's instances_per_template, default 1). */
  maxInstances?: number;
  /** Give up after popping this many search states (default 5000); CLEVR has no such bound. */
  maxStates?: number;
}

export interface InstantiateResult {
  instances: Instantiation[];
  /** Search states popped. */
  states: number;
  /** True when the search stopped at maxStates. */
  truncated: boolean;
}

interface State {
  steps: ProgramStep[];
  outputs: ExecValue[];
  vals: Record<string, string>;
  /** template node index -> index of the step holding its output */
  inputMap: number[];
  /** template node index -> index of the step holding the object set it filtered (before count/exist/unique) */
  setMap: number[];
  next: number;
}

const COMPOSITE = new Set([
  'filter',
  'filter_unique',
  'filter_count',
  'filter_exist',
  'relate_filter',
  'relate_filter_unique',
  'relate_filter_count',
  'relate_filter_exist',
]);

const domainCache = new WeakMap<Metadata, Record<AttributeType, readonly string[]>>();

/** The domains of the attribute types: the metadata's values (memoised per metadata object). */
function domainsOf(metadata: Metadata): Record<AttributeType, readonly string[]> {
  let out = domainCache.get(metadata);
  if (!out) {
    out = {} as Record<AttributeType, readonly string[]>;
    for (const t of ATTRIBUTE_TYPES) out[t] = metadata.types[t] ?? [];
    domainCache.set(metadata, out);
  }
  return out;
}

/** The answers a template's final node can give, for the balance counts. */
export function possibleAnswers(template: LoadedTemplate, metadata: Metadata): string[] {
  const last = template.nodes[template.nodes.length - 1].type;
  const fn = metadata.functions.find((f) => f.name === last);
  const type = fn?.output ?? getFunctionSpec(last)?.output;
  if (type === 'Bool') return ['yes', 'no'];
  if (type === 'Integer') return Array.from({ length: 11 }, (_, i) => String(i));
  return [...((type && metadata.types[type]) ?? [])];
}

/** Value written for a parameter left unset: 'thing' for shapes in CLEVR 1.0, '' otherwise. */
function unsetValue(type: string, metadata: Metadata): string {
  return type === 'Shape' && metadata.dataset === 'CLEVR-v1.0' ? 'thing' : '';
}

function appendSteps(state: State, newSteps: ProgramStep[], scene: PreparedScene): ExecValue[] | null {
  const outputs = state.outputs.slice();
  for (const step of newSteps) {
    const args = step.inputs.map((j) => outputs[j]);
    const out = evaluateStep(step.function, step.value_inputs, args, scene);
    if (out instanceof StepFailure) return null;
    outputs.push(out);
  }
  return outputs;
}

/**
 * CLEVR's degeneracy test for templates with raw `relate` nodes: the question is degenerate when replacing
 * any relate step by `scene` leaves the answer unchanged.
 */
export function isDegenerate(steps: readonly ProgramStep[], answer: string, scene: Scene): boolean {
  const outType = getFunctionSpec(steps[steps.length - 1].function)?.output;
  if (!outType) return false;
  for (let i = 0; i < steps.length; i++) {
    if (steps[i].function !== 'relate') continue;
    const replaced = steps.slice();
    replaced[i] = { function: 'scene', inputs: [], value_inputs: [] };
    const run = executeSteps(replaced, scene);
    if (run.ok && formatAnswer(run.outputs[run.outputs.length - 1], outType) === answer) return true;
  }
  return false;
}

/**
 * Instantiates a template on a scene by depth-first search, as CLEVR's generate_questions.py does:
 * composite nodes expand into basic steps with filter values drawn from what the scene makes
 * meaningful, every partial program is executed and dropped when a step fails or a constraint breaks,
 * finished programs are rejected when their answer is over-represented for the template (`counts`) or,
 * for templates with raw relate nodes, degenerate. Accepted answers are added to `counts`.
 */
export function instantiateTemplate(
  template: LoadedTemplate,
  scene: Scene,
  metadata: Metadata,
  counts: AnswerCounts,
  rng: RandomSource,
  options: InstantiateOptions = {},
): InstantiateResult {
  const prepared = prepareScene(scene);
  const maxInstances = options.maxInstances ?? 1;
  const maxStates = options.maxStates ?? 5000;
  const paramType = new Map(template.params.map((p) => [p.name, p.type]));
  const domains = domainsOf(metadata);
  const relations = (metadata.types.Relation ?? []).filter((r) => prepared.relations.has(r));
  const hasRawRelate = template.nodes.some((n) => n.type === 'relate');

  const violates = (state: State): boolean => {
    for (const c of template.constraints) {
      if (c.type === 'NULL') {
        const v = state.vals[c.params[0]];
        if (v !== undefined && v !== unsetValue(paramType.get(c.params[0]) ?? '', metadata)) return true;
      } else if (c.type === 'OUT_NEQ' || c.type === 'SET_NEQ') {
        const map = c.type === 'OUT_NEQ' ? state.inputMap : state.setMap;
        const i = map[c.params[0]];
        const j = map[c.params[1]];
        if (i !== undefined && j !== undefined && sameValue(state.outputs[i], state.outputs[j])) return true;
      } else {
        const a = state.vals[c.params[0]];
        const b = state.vals[c.params[1]];
        if (a !== undefined && b !== undefined && a === b) return true;
      }
    }
    return false;
  };

  // Children are pushed as unevaluated thunks and executed when popped (as CLEVR checks a state when it
  // pops it), so the many siblings left on the stack when the search stops cost nearly nothing.
  const stack: (() => State | null)[] = [];
  const materialise = (
    from: State,
    newSteps: ProgramStep[],
    vals: Record<string, string>,
    setOffset: number,
  ) => {
    const outputs = appendSteps(from, newSteps, prepared);
    if (!outputs) return null;
    const inputMap = from.inputMap.slice();
    inputMap[from.next] = outputs.length - 1;
    const setMap = from.setMap.slice();
    setMap[from.next] = outputs.length - 1 - setOffset;
    const state: State = {
      steps: from.steps.concat(newSteps),
      outputs,
      vals,
      inputMap,
      setMap,
      next: from.next + 1,
    };
    return violates(state) ? null : state;
  };
  const push = (from: State, build: () => [ProgramStep[], Record<string, string>, number?]): void => {
    stack.push(() => {
      const [newSteps, vals, setOffset] = build();
      return materialise(from, newSteps, vals, setOffset ?? 0);
    });
  };

  const instances: Instantiation[] = [];
  const root: State = { steps: [], outputs: [], vals: {}, inputMap: [], setMap: [], next: 0 };
  push(root, () => [[basicStep(template.nodes[0], [], [])], {}]);
  let states = 0;
  let truncated = false;
  while (stack.length > 0) {
    if (states >= maxStates) {
      truncated = true;
      break;
    }
    states++;
    const state = (stack.pop() as () => State | null)();
    if (!state) continue;
    if (state.next === template.nodes.length) {
      const value = state.outputs[state.outputs.length - 1];
      const lastType = getFunctionSpec(state.steps[state.steps.length - 1].function)?.output;
      const answer = lastType ? formatAnswer(value, lastType) : null;
      if (answer === null || counts.rejects(answer)) continue;
      if (hasRawRelate && isDegenerate(state.steps, answer, scene)) continue;
      counts.add(answer);
      instances.push({ steps: state.steps, answer, vals: state.vals });
      if (instances.length >= maxInstances) break;
      continue;
    }
    const node = template.nodes[state.next];
    const inputs = node.inputs.map((i) => state.inputMap[i]);
    if (COMPOSITE.has(node.type)) {
      expandComposite(node, state, inputs[0]);
    } else if (node.side_inputs && node.side_inputs.length > 0) {
      if (node.side_inputs.length !== 1) {
        throw new Error(
          `${template.filename}[${template.indexInFamily}]: node ${state.next} (${node.type}) has ${node.side_inputs.length} side inputs; basic nodes take one`,
        );
      }
      const name = node.side_inputs[0];
      const values = shuffleInPlace([...(metadata.types[paramType.get(name) ?? ''] ?? [])], rng);
      for (const v of values)
        push(state, () => [[basicStep(node, inputs, [v])], { ...state.vals, [name]: v }]);
    } else {
      push(state, () => [[basicStep(node, inputs, [])], state.vals]);
    }
  }
  return { instances, states, truncated };

  function expandComposite(node: TemplateNode, state: State, input: number): void {
    const sides = node.side_inputs ?? [];
    const isRelate = node.type.startsWith('relate_filter');
    let options: (FilterOption & { relation?: string })[];
    if (isRelate) {
      options = findRelateFilterOptions(state.outputs[input] as number, prepared, relations, rng, {
        unique: node.type === 'relate_filter_unique',
        includeZero: node.type === 'relate_filter_count' || node.type === 'relate_filter_exist',
      });
    } else {
      options = findFilterOptions(state.outputs[input] as readonly number[], prepared);
      if (node.type === 'filter') options = options.filter((o) => !isNullKey(o.key));
      if (node.type === 'filter_unique') {
        options = options.filter((o) => o.objects.length === 1);
      } else {
        const extra =
          node.type === 'filter_exist'
            ? options.length
            : options.filter((o) => o.objects.length === 1).length;
        addEmptyFilterOptions(options, prepared, domains, extra, rng);
      }
    }
    shuffleInPlace(options, rng);
    for (const option of options)
      push(state, () => expandOption(node, state, input, option, isRelate, sides));
  }

  function expandOption(
    node: TemplateNode,
    state: State,
    input: number,
    option: FilterOption & { relation?: string },
    isRelate: boolean,
    sides: string[],
  ): [ProgramStep[], Record<string, string>, number] {
    const vals = { ...state.vals };
    const newSteps: ProgramStep[] = [];
    let prev = input;
    const append = (step: ProgramStep): void => {
      newSteps.push(step);
      prev = state.steps.length + newSteps.length - 1;
    };
    if (isRelate) {
      vals[sides[0]] = option.relation as string;
      append({ function: 'relate', inputs: [prev], value_inputs: [option.relation as string] });
    }
    for (const name of isRelate ? sides.slice(1) : sides) {
      const type = paramType.get(name) as AttributeType;
      const value = valueFor(option.key, type);
      if (value === null) {
        vals[name] = unsetValue(type, metadata);
      } else {
        vals[name] = value;
        append({ function: `filter_${ATTRIBUTE_OF_TYPE[type]}`, inputs: [prev], value_inputs: [value] });
      }
    }
    const extra = node.type.endsWith('unique')
      ? 'unique'
      : node.type.endsWith('count')
        ? 'count'
        : node.type.endsWith('exist')
          ? 'exist'
          : null;
    if (extra) append({ function: extra, inputs: [prev], value_inputs: [] });
    return [newSteps, vals, extra ? 1 : 0];
  }
}

function valueFor(key: FilterKey, type: AttributeType): string | null {
  const k = ATTRIBUTE_TYPES.indexOf(type);
  if (k < 0) throw new Error(`composite filter parameter of type '${type}' is not an attribute type`);
  return key[k];
}

function basicStep(node: TemplateNode, inputs: number[], values: string[]): ProgramStep {
  return { function: node.type, inputs, value_inputs: values };
}
