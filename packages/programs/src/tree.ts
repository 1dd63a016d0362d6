import { type ArityFunction, clevrArity, parseProgramToken, stepToken } from './arity.js';
import { END_TOKEN, isSpecialToken, NULL_TOKEN, START_TOKEN } from './tokens.js';

/**
 * A program as a tree of module applications. `inputs` are the subtrees feeding the module, in order (the first
 * input of a binary module is the subtree that follows it in prefix order). `step` is where the token came from
 * (its position in the prefix row, the postfix row or the step list it was read from; -1 for a node added by a
 * repair), for errors and reports.
 */
export interface ProgramTreeNode {
  token: string;
  step: number;
  inputs: ProgramTreeNode[];
}

/**
 * One step of a program in the official CLEVR list form ("chain"): `inputs` index earlier steps and the last
 * step is the root.
 */
export interface ProgramStep {
  function: string;
  inputs: number[];
  value_inputs: string[];
}

/**
 * A malformed program: names the step (position in the form that was read), its token and, for batches, the
 * sample.
 */
export class ProgramError extends Error {
  constructor(
    readonly step: number,
    readonly token: string,
    readonly detail: string,
    readonly sample?: number,
  ) {
    super(
      `${sample === undefined ? 'program' : `program of sample ${sample},`} step ${step} (${token}): ${detail}`,
    );
    this.name = 'ProgramError';
  }
}

export interface ReadOptions {
  /** The arity of each token (default: CLEVR's, `clevrArity`). */
  arityOf?: ArityFunction;
  /** The sample of a batch the program belongs to, named by errors. */
  sample?: number;
  /** The `step` recorded for each token (default: its position in `tokens`). */
  steps?: readonly number[];
}

function arityAt(token: string, step: number, arityOf: ArityFunction, sample?: number): number {
  if (isSpecialToken(token)) {
    throw new ProgramError(step, token, 'not a module (special token inside the program)', sample);
  }
  const arity = arityOf(token);
  if (arity === null) throw new ProgramError(step, token, 'not a module', sample);
  return arity;
}

/**
 * The one prefix reader: tokens in prefix order (node before its inputs) to a tree. A leading `<START>` is
 * skipped and `<END>` or `<NULL>` ends the program (only `<NULL>` padding may follow), so the rows the reference
 * stores read as they are. Throws ProgramError naming the step and token for an empty program, a token that is
 * not a module, a module short of inputs, or tokens left over after a complete tree.
 */
export function prefixToTree(tokens: readonly string[], options: ReadOptions = {}): ProgramTreeNode {
  const { arityOf = clevrArity, sample, steps } = options;
  const begin = tokens[0] === START_TOKEN ? 1 : 0;
  let end = begin;
  while (end < tokens.length && tokens[end] !== END_TOKEN && tokens[end] !== NULL_TOKEN) end++;
  for (let i = end + 1; i < tokens.length; i++) {
    if (tokens[i] !== NULL_TOKEN) {
      throw new ProgramError(i, tokens[i], `token after the end of the program (step ${end})`, sample);
    }
  }
  if (end === begin) {
    throw new ProgramError(
      begin,
      tokens[begin] ?? '(none)',
      'empty program: no module before the end',
      sample,
    );
  }
  let pos = begin;
  const read = (): ProgramTreeNode => {
    const at = pos;
    const token = tokens[pos++];
    const arity = arityAt(token, at, arityOf, sample);
    const node: ProgramTreeNode = { token, step: steps ? steps[at] : at, inputs: [] };
    for (let k = 0; k < arity; k++) {
      if (pos >= end) {
        throw new ProgramError(at, token, `needs ${arity} input(s) but the program ends after ${k}`, sample);
      }
      node.inputs.push(read());
    }
    return node;
  };
  const root = read();
  if (pos !== end) {
    throw new ProgramError(
      pos,
      tokens[pos],
      `${end - pos} token(s) left over after a complete program (wrong arity before step ${pos}?)`,
      sample,
    );
  }
  return root;
}

/** Tokens in postfix order (inputs left to right, then the node) to a tree; errors name the step and token. */
export function postfixToTree(tokens: readonly string[], options: ReadOptions = {}): ProgramTreeNode {
  const { arityOf = clevrArity, sample, steps } = options;
  if (tokens.length === 0) throw new ProgramError(0, '(none)', 'empty program: no tokens', sample);
  const stack: ProgramTreeNode[] = [];
  tokens.forEach((token, i) => {
    const arity = arityAt(token, i, arityOf, sample);
    if (stack.length < arity) {
      throw new ProgramError(
        i,
        token,
        `needs ${arity} input(s) but only ${stack.length} are available`,
        sample,
      );
    }
    stack.push({ token, step: steps ? steps[i] : i, inputs: stack.splice(stack.length - arity, arity) });
  });
  if (stack.length !== 1) {
    const last = tokens.length - 1;
    throw new ProgramError(last, tokens[last], `leaves ${stack.length} unconnected subtrees`, sample);
  }
  return stack[0];
}

/** Tokens in prefix order (node before its inputs, inputs left to right): the reference's storage order. */
export function treeToPrefix(root: ProgramTreeNode): string[] {
  const out: string[] = [];
  const visit = (node: ProgramTreeNode): void => {
    out.push(node.token);
    for (const child of node.inputs) visit(child);
  };
  visit(root);
  return out;
}

/** Tokens in postfix order (inputs left to right, then the node). */
export function treeToPostfix(root: ProgramTreeNode): string[] {
  const out: string[] = [];
  const visit = (node: ProgramTreeNode): void => {
    for (const child of node.inputs) visit(child);
    out.push(node.token);
  };
  visit(root);
  return out;
}

/**
 * The official list form to a tree (tokens written `function[value,...]`, steps numbered by list index). Throws
 * ProgramError naming the step when an input refers to itself, a later step or a missing one.
 */
export function stepsToTree(steps: readonly ProgramStep[]): ProgramTreeNode {
  if (steps.length === 0) throw new ProgramError(0, '(none)', 'empty program: no steps');
  const built: ProgramTreeNode[] = [];
  steps.forEach((step, i) => {
    const token = stepToken(step.function, step.value_inputs);
    const inputs = step.inputs.map((j) => {
      if (!Number.isInteger(j) || j < 0 || j >= i) {
        throw new ProgramError(i, token, `input ${j} must refer to an earlier step (0..${i - 1})`);
      }
      return built[j];
    });
    built.push({ token, step: i, inputs });
  });
  return built[built.length - 1];
}

/** A tree to the official list form, steps in postfix order (every step after its inputs). */
export function treeToSteps(root: ProgramTreeNode): ProgramStep[] {
  const steps: ProgramStep[] = [];
  const visit = (node: ProgramTreeNode): number => {
    const inputs = node.inputs.map(visit);
    const { function: fn, valueInputs } = parseProgramToken(node.token);
    steps.push({ function: fn, inputs, value_inputs: valueInputs });
    return steps.length - 1;
  };
  visit(root);
  return steps;
}

/** 1 for a leaf, else 1 + the largest height of the inputs. */
export function treeHeight(node: ProgramTreeNode): number {
  let h = 0;
  for (const c of node.inputs) h = Math.max(h, treeHeight(c));
  return h + 1;
}

/** Number of nodes of a tree. */
export function countNodes(node: ProgramTreeNode): number {
  let n = 1;
  for (const c of node.inputs) n += countNodes(c);
  return n;
}

/**
 * True when `programs` is a list of trees rather than rows of token ids. An empty list counts as trees (an empty
 * batch, nothing to read).
 */
export function isProgramTreeList(programs: unknown): programs is readonly ProgramTreeNode[] {
  if (!Array.isArray(programs)) return false;
  if (programs.length === 0) return true;
  const first: unknown = programs[0];
  return typeof first === 'object' && first !== null && 'token' in first && 'inputs' in first;
}
