import type { ProgramStep } from '../formats/question-schema.js';
import { ProgramError } from './errors.js';
import { CLEVR_VALUES, type ClevrType, getFunctionSpec, type ValueType } from './functions.js';
import { stepToken } from './tokens.js';
import { nodeToken, type ProgramNode } from './tree.js';

export type ProgramCheck = { ok: true; outputType: ClevrType } | { ok: false; error: ProgramError };

export interface CheckOptions {
  /** Allowed values per value type; defaults to CLEVR 1.0's. `null` skips the value-domain check. */
  values?: Readonly<Record<ValueType, readonly string[]>> | null;
  /**
   * Refuse a list-form program with a step that no later step uses. CLEVR's question engine runs such steps
   * and answers (its generator makes them in single_or templates, about 1 question in 2,000), so by default
   * they are accepted: they run, and only the last step gives the answer.
   */
  rejectUnusedSteps?: boolean;
}

interface InputInfo {
  type: ClevrType;
  /** Where the input comes from, for messages, e.g. `step 3 (unique)`. */
  from: string;
}

/** Checks one step against its spec given the types of its inputs; returns the output type or a message. */
function checkStep(
  fn: string,
  valueInputs: readonly string[],
  inputs: readonly InputInfo[],
  values: CheckOptions['values'],
): { type: ClevrType } | { message: string } {
  const fail = (message: string) => ({ message });
  const spec = getFunctionSpec(fn);
  if (!spec) return fail(`unknown function '${fn}'`);
  if (spec.valueInput) {
    if (valueInputs.length !== 1) {
      return fail(`takes one ${spec.valueInput} value input, got ${valueInputs.length}`);
    }
    const domain = values?.[spec.valueInput];
    if (domain && !domain.includes(valueInputs[0])) {
      return fail(
        `unknown ${spec.valueInput} value '${valueInputs[0]}' (expected one of ${domain.join(', ')})`,
      );
    }
  } else if (valueInputs.length !== 0) {
    return fail(`takes no value inputs, got [${valueInputs.join(', ')}]`);
  }
  if (inputs.length !== spec.inputs.length) {
    return fail(
      `takes ${spec.inputs.length} input${spec.inputs.length === 1 ? '' : 's'}, got ${inputs.length}`,
    );
  }
  for (let k = 0; k < inputs.length; k++) {
    if (inputs[k].type !== spec.inputs[k]) {
      return fail(
        `input ${k} is ${inputs[k].type} (from ${inputs[k].from}) but ${fn} needs ${spec.inputs[k]}`,
      );
    }
  }
  return { type: spec.output };
}

/**
 * Type-checks a program in the official list form: known functions, value inputs of the right kind and
 * domain, inputs that refer to earlier steps, arity, input types (and, with `rejectUnusedSteps`, every step
 * used by a later one).
 * Errors name the step by its list index and token.
 */
export function checkProgramSteps(steps: readonly ProgramStep[], options: CheckOptions = {}): ProgramCheck {
  const values = options.values === undefined ? CLEVR_VALUES : options.values;
  if (steps.length === 0)
    return { ok: false, error: new ProgramError(0, '(empty)', 'the program has no steps') };
  const types: ClevrType[] = [];
  const used = new Array<boolean>(steps.length).fill(false);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const token = stepToken(step.function, step.value_inputs);
    const inputs: InputInfo[] = [];
    for (const j of step.inputs) {
      if (!Number.isInteger(j) || j < 0 || j >= i) {
        return {
          ok: false,
          error: new ProgramError(i, token, `input ${j} must refer to an earlier step (0..${i - 1})`),
        };
      }
      used[j] = true;
      inputs.push({
        type: types[j],
        from: `step ${j} (${stepToken(steps[j].function, steps[j].value_inputs)})`,
      });
    }
    const out = checkStep(step.function, step.value_inputs, inputs, values);
    if ('message' in out) return { ok: false, error: new ProgramError(i, token, out.message) };
    types.push(out.type);
  }
  for (let i = 0; i < steps.length - 1 && options.rejectUnusedSteps; i++) {
    if (!used[i]) {
      const token = stepToken(steps[i].function, steps[i].value_inputs);
      return { ok: false, error: new ProgramError(i, token, 'the step is not used by any later step') };
    }
  }
  return { ok: true, outputType: types[types.length - 1] };
}

/** Type-checks a program tree; errors name the node by its prefix-order index and token. */
export function checkProgramTree(root: ProgramNode, options: CheckOptions = {}): ProgramCheck {
  const values = options.values === undefined ? CLEVR_VALUES : options.values;
  let counter = 0;
  const visit = (node: ProgramNode): ClevrType => {
    const index = counter++;
    const inputs: InputInfo[] = [];
    for (const child of node.inputs) {
      const childIndex = counter;
      inputs.push({ type: visit(child), from: `step ${childIndex} (${nodeToken(child)})` });
    }
    const out = checkStep(node.function, node.valueInputs, inputs, values);
    if ('message' in out) throw new ProgramError(index, nodeToken(node), out.message);
    return out.type;
  };
  try {
    return { ok: true, outputType: visit(root) };
  } catch (e) {
    if (e instanceof ProgramError) return { ok: false, error: e };
    throw e;
  }
}

/** Like checkProgramTree but throws the ProgramError; returns the output type. */
export function assertValidProgramTree(root: ProgramNode, options: CheckOptions = {}): ClevrType {
  const r = checkProgramTree(root, options);
  if (!r.ok) throw r.error;
  return r.outputType;
}
