import { type ProgramStep, type ProgramTreeNode, parseProgramToken, stepToken } from '@mmnet/programs';
import type { Scene } from '../formats/scene-schema.js';
import type { ClevrType } from '../program/functions.js';
import { type CheckOptions, checkProgramSteps, checkProgramTree } from '../program/typecheck.js';
import { type ExecutionErrorKind, evaluateStep, StepFailure } from './evaluate-step.js';
import { prepareScene } from './prepared-scene.js';
import { type ExecValue, formatAnswer } from './values.js';

export interface ExecutionError {
  /** Index of the failing step: list index for step lists, prefix index for trees. */
  step: number;
  token: string;
  kind: ExecutionErrorKind;
  message: string;
}

export type ExecutionResult =
  | { ok: true; answer: string; outputType: ClevrType }
  | { ok: false; error: ExecutionError };

export type StepsExecution = { ok: true; outputs: ExecValue[] } | { ok: false; error: ExecutionError };

function fail(
  step: number,
  token: string,
  kind: ExecutionErrorKind,
  message: string,
): { ok: false; error: ExecutionError } {
  return { ok: false, error: { step, token, kind, message } };
}

/**
 * Runs every step of a program in the official list form (no type check) and returns all step outputs,
 * or the first failing step.
 */
export function executeSteps(steps: readonly ProgramStep[], scene: Scene): StepsExecution {
  const prepared = prepareScene(scene);
  const outputs: ExecValue[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const args: ExecValue[] = [];
    for (const j of step.inputs) {
      if (!(j >= 0 && j < i)) {
        return fail(
          i,
          stepToken(step.function, step.value_inputs),
          'invalid_program',
          `input ${j} is not an earlier step`,
        );
      }
      args.push(outputs[j]);
    }
    const out = evaluateStep(step.function, step.value_inputs, args, prepared);
    if (out instanceof StepFailure)
      return fail(i, stepToken(step.function, step.value_inputs), out.kind, out.message);
    outputs.push(out);
  }
  return { ok: true, outputs };
}

function answerOf(value: ExecValue, outputType: ClevrType, step: number, token: string): ExecutionResult {
  const answer = formatAnswer(value, outputType);
  if (answer === null)
    return fail(step, token, 'not_an_answer', `the program ends in an ${outputType}, not an answer`);
  return { ok: true, answer, outputType };
}

/**
 * Executes a program (official list form or tree) on a scene and returns the answer string exactly as
 * CLEVR's question engine and the official files give it ('yes'/'no', '3', 'red'). Malformed programs
 * and failing steps come back as `{ok: false, error: {step, kind, message}}`, never as exceptions.
 */
export function executeProgram(
  program: readonly ProgramStep[] | ProgramTreeNode,
  scene: Scene,
  options: CheckOptions = {},
): ExecutionResult {
  if (Array.isArray(program)) {
    const steps = program as readonly ProgramStep[];
    const check = checkProgramSteps(steps, options);
    if (!check.ok) return fail(check.error.step, check.error.token, 'invalid_program', check.error.detail);
    const run = executeSteps(steps, scene);
    if (!run.ok) return run;
    const last = steps.length - 1;
    return answerOf(
      run.outputs[last],
      check.outputType,
      last,
      stepToken(steps[last].function, steps[last].value_inputs),
    );
  }
  const root = program as ProgramTreeNode;
  const check = checkProgramTree(root, options);
  if (!check.ok) return fail(check.error.step, check.error.token, 'invalid_program', check.error.detail);
  const prepared = prepareScene(scene);
  let failure: ExecutionError | null = null;
  const visit = (node: ProgramTreeNode): ExecValue | null => {
    const args: ExecValue[] = [];
    for (const child of node.inputs) {
      const v = visit(child);
      if (v === null) return null;
      args.push(v);
    }
    const { function: fn, valueInputs } = parseProgramToken(node.token);
    const out = evaluateStep(fn, valueInputs, args, prepared);
    if (out instanceof StepFailure) {
      failure = {
        step: node.step,
        token: node.token,
        kind: out.kind,
        message: out.message,
      };
      return null;
    }
    return out;
  };
  const value = visit(root);
  if (value === null) return { ok: false, error: failure as unknown as ExecutionError };
  return answerOf(value, check.outputType, root.step, root.token);
}
