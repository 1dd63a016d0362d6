/** A program node for display: its token, its prefix position and its inputs. */
export interface DisplayNode {
  token: string;
  /** Position in the prefix token list. */
  step: number;
  inputs: DisplayNode[];
}

/**
 * Prefix tokens to a tree by the arity rule (`arity(token)`: 0, 1 or 2). Tokens past a complete tree are
 * ignored and missing inputs are left out: what is shown is what the tokens say.
 */
export function prefixTree(
  tokens: readonly string[],
  arity: (token: string) => number,
): DisplayNode | undefined {
  let pos = 0;
  const read = (): DisplayNode | undefined => {
    if (pos >= tokens.length) return undefined;
    const node: DisplayNode = { token: tokens[pos], step: pos, inputs: [] };
    pos++;
    for (let i = 0; i < Math.max(0, arity(node.token)); i++) {
      const child = read();
      if (child) node.inputs.push(child);
    }
    return node;
  };
  return read();
}

/**
 * The tree as text lines, root first, each input below its function:
 *
 *     query_color
 *     └─ unique
 *        └─ filter_shape[cube]
 *           └─ scene
 */
export function formatProgramTree(root: DisplayNode): string[] {
  const lines: string[] = [root.token];
  const visit = (node: DisplayNode, indent: string) => {
    node.inputs.forEach((child, i) => {
      const last = i === node.inputs.length - 1;
      lines.push(`${indent}${last ? '└─ ' : '├─ '}${child.token}`);
      visit(child, `${indent}${last ? '   ' : '│  '}`);
    });
  };
  visit(root, '');
  return lines;
}

/** The nodes in the order they run (every input before its function: the reversed prefix order). */
export function executionOrder(root: DisplayNode): DisplayNode[] {
  const prefix: DisplayNode[] = [];
  const visit = (n: DisplayNode) => {
    prefix.push(n);
    for (const c of n.inputs) visit(c);
  };
  visit(root);
  return prefix.reverse();
}
