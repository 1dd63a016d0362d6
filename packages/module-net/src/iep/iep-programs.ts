import type { ProgramIdRows } from '../program/parse-prefix.js';
import type { ProgramTreeNode } from '../program/tree.js';
import { invertVocabulary, type ProgramVocabulary } from '../program/vocabulary.js';
import { iepArity, iepModuleName } from './iep-modules.js';

function rowList(programs: ProgramIdRows): ArrayLike<number>[] {
  if (Array.isArray(programs)) return programs as ArrayLike<number>[];
  const { data, shape } = programs as { data: ArrayLike<number>; shape: [number, number] };
  if (data.length !== shape[0] * shape[1]) {
    throw new Error(`programs: ${data.length} ids do not fill the shape [${shape}]`);
  }
  return Array.from({ length: shape[0] }, (_, b) =>
    Array.prototype.slice.call(data, b * shape[1], (b + 1) * shape[1]),
  );
}

/**
 * Reads prefix id rows into module trees exactly as clevr-iep's execution engine does (`_forward_modules_ints`),
 * so that any row, well-formed or not, runs the same modules: `<START>` is skipped; `<NULL>` and reading past
 * the row's end give `scene`; every other token, `<END>` and `<UNK>` included, is a module taking as many
 * subtrees as its arity (`iepArity`), read on from the next position. Node tokens are module names
 * (`iepModuleName`); `step` is the token's position (-1 for a `scene` read past the end).
 */
export function parseIepPrograms(programs: ProgramIdRows, vocab: ProgramVocabulary): ProgramTreeNode[] {
  const tokens = invertVocabulary(vocab);
  return rowList(programs).map((row, sample) => {
    const read = (j: number): { node: ProgramTreeNode; next: number } => {
      for (;;) {
        if (j >= row.length) return { node: { token: 'scene', step: -1, inputs: [] }, next: j };
        const id = row[j];
        const token = tokens[id];
        if (token === undefined) {
          throw new Error(
            `program of sample ${sample}, step ${j}: id ${id} is not in the program vocabulary`,
          );
        }
        if (token === '<START>') {
          j++;
          continue;
        }
        if (token === '<NULL>') return { node: { token: 'scene', step: j, inputs: [] }, next: j + 1 };
        const node: ProgramTreeNode = { token: iepModuleName(token), step: j, inputs: [] };
        let next = j + 1;
        for (let k = 0; k < iepArity(token); k++) {
          const input = read(next);
          node.inputs.push(input.node);
          next = input.next;
        }
        return { node, next };
      }
    };
    return read(0).node;
  });
}
