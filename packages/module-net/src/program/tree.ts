/**
 * A program as a tree of module applications. `inputs` are the subtrees feeding the module, in order (the
 * first input of a binary module is the subtree that follows it in prefix order). `step` is the position of the
 * token in its prefix row (with a leading <START> at 0, the first function is step 1), for errors and reports.
 */
export interface ProgramTreeNode {
  token: string;
  step: number;
  inputs: ProgramTreeNode[];
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

/** Tokens in prefix order (node before its inputs, inputs left to right): the reference's storage order. */
export function treeToPrefix(node: ProgramTreeNode): string[] {
  const out: string[] = [];
  const visit = (n: ProgramTreeNode) => {
    out.push(n.token);
    for (const c of n.inputs) visit(c);
  };
  visit(node);
  return out;
}
