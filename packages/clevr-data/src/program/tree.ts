import type { ProgramStep } from '../formats/question-schema.js';
import { ProgramError } from './errors.js';
import { arityAt, parseProgramToken, stepToken } from './tokens.js';

/** A program as a tree: the root is the answer step; `inputs` are the subtrees feeding it, in order. */
export interface ProgramNode {
  function: string;
  valueInputs: string[];
  inputs: ProgramNode[];
}

/** The program token of a tree node, e.g. `filter_color[red]`. */
export function nodeToken(node: ProgramNode): string {
  return stepToken(node.function, node.valueInputs);
}

/**
 * Official list form (each step's `inputs` index earlier steps; the last step is the root) to a tree.
 * Throws ProgramError naming the step when an input refers to itself, a later step or a missing one.
 */
export function stepsToTree(steps: readonly ProgramStep[]): ProgramNode {
  if (steps.length === 0) throw new ProgramError(0, '(empty)', 'the program has no steps');
  const built: ProgramNode[] = [];
  steps.forEach((step, i) => {
    const inputs = step.inputs.map((j) => {
      if (!Number.isInteger(j) || j < 0 || j >= i) {
        throw new ProgramError(
          i,
          stepToken(step.function, step.value_inputs),
          `input ${j} must refer to an earlier step (0..${i - 1})`,
        );
      }
      return built[j];
    });
    built.push({ function: step.function, valueInputs: [...step.value_inputs], inputs });
  });
  return built[built.length - 1];
}

/** A tree to the official list form, steps in postfix order (every step after its inputs). */
export function treeToSteps(root: ProgramNode): ProgramStep[] {
  const steps: ProgramStep[] = [];
  const visit = (node: ProgramNode): number => {
    const inputs = node.inputs.map(visit);
    steps.push({ function: node.function, inputs, value_inputs: [...node.valueInputs] });
    return steps.length - 1;
  };
  visit(root);
  return steps;
}

/** Prefix tokens (node before its inputs, inputs left to right), the order the reference stores. */
export function treeToPrefix(root: ProgramNode): string[] {
  const out: string[] = [];
  const visit = (node: ProgramNode): void => {
    out.push(nodeToken(node));
    for (const child of node.inputs) visit(child);
  };
  visit(root);
  return out;
}

/** Postfix tokens (inputs left to right, then the node). */
export function treeToPostfix(root: ProgramNode): string[] {
  const out: string[] = [];
  const visit = (node: ProgramNode): void => {
    for (const child of node.inputs) visit(child);
    out.push(nodeToken(node));
  };
  visit(root);
  return out;
}

function leaf(token: string): ProgramNode {
  const { function: f, valueInputs } = parseProgramToken(token);
  return { function: f, valueInputs, inputs: [] };
}

/** Parses prefix tokens into a tree; errors name the token index and the token. */
export function prefixToTree(tokens: readonly string[]): ProgramNode {
  if (tokens.length === 0) throw new ProgramError(0, '(empty)', 'the prefix program has no tokens');
  let pos = 0;
  const parse = (): ProgramNode => {
    const index = pos;
    const token = tokens[pos++];
    const arity = arityAt(token, index);
    const node = leaf(token);
    for (let k = 0; k < arity; k++) {
      if (pos >= tokens.length) {
        throw new ProgramError(index, token, `needs ${arity} inputs but the program ends after ${k}`);
      }
      node.inputs.push(parse());
    }
    return node;
  };
  const root = parse();
  if (pos !== tokens.length) {
    throw new ProgramError(
      pos,
      tokens[pos],
      `extra tokens after the complete program (${tokens.length - pos} left)`,
    );
  }
  return root;
}

/** Parses postfix tokens into a tree; errors name the token index and the token. */
export function postfixToTree(tokens: readonly string[]): ProgramNode {
  if (tokens.length === 0) throw new ProgramError(0, '(empty)', 'the postfix program has no tokens');
  const stack: ProgramNode[] = [];
  tokens.forEach((token, i) => {
    const arity = arityAt(token, i);
    if (stack.length < arity) {
      throw new ProgramError(i, token, `needs ${arity} inputs but only ${stack.length} are available`);
    }
    const node = leaf(token);
    node.inputs = stack.splice(stack.length - arity, arity);
    stack.push(node);
  });
  if (stack.length !== 1) {
    throw new ProgramError(
      tokens.length - 1,
      tokens[tokens.length - 1],
      `the postfix program leaves ${stack.length} unconnected subtrees`,
    );
  }
  return stack[0];
}

/** Official list form straight to prefix tokens. */
export function stepsToPrefix(steps: readonly ProgramStep[]): string[] {
  return treeToPrefix(stepsToTree(steps));
}

/** Official list form straight to postfix tokens. */
export function stepsToPostfix(steps: readonly ProgramStep[]): string[] {
  return treeToPostfix(stepsToTree(steps));
}

/** Number of nodes of a tree. */
export function programSize(root: ProgramNode): number {
  let n = 1;
  for (const c of root.inputs) n += programSize(c);
  return n;
}
