import type { DisplayNode } from '@mmnet/trainer';

/**
 * The program as a nested list, root first, each input below its function; every node is a button that selects
 * its step (`onSelect(prefix position)`).
 */
export function renderTree(root: DisplayNode, onSelect: (step: number) => void): HTMLElement {
  const list = (nodes: DisplayNode[]): HTMLUListElement => {
    const ul = document.createElement('ul');
    for (const node of nodes) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.step = String(node.step);
      button.textContent = node.token;
      button.addEventListener('click', () => onSelect(node.step));
      li.append(button);
      if (node.inputs.length) li.append(list(node.inputs));
      ul.append(li);
    }
    return ul;
  };
  return list([root]);
}

/** Marks the node of prefix position `step` as the current one. */
export function highlightStep(tree: HTMLElement, step: number | undefined): void {
  for (const button of tree.querySelectorAll<HTMLButtonElement>('button[data-step]'))
    button.classList.toggle('current', Number(button.dataset.step) === step);
}

/** The question with the words the vocabulary does not know marked. */
export function markUnknownWords(question: string, unknown: readonly string[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const lower = new Set(unknown.map((w) => w.toLowerCase()));
  for (const part of question.split(/(\s+|[?.,;!])/)) {
    if (part && lower.has(part.toLowerCase())) {
      const mark = document.createElement('mark');
      mark.textContent = part;
      fragment.append(mark);
    } else fragment.append(part);
  }
  return fragment;
}
