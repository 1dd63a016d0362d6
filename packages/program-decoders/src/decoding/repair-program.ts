import { type Arity, END_ID } from '@mmnet/programs';

/**
 * How a decoded token sequence became an executable prefix program:
 * - `valid`: the tokens before `<END>` form exactly one complete tree;
 * - `padded`: the sequence stopped (at `<END>`, a special token or the length limit) with inputs still
 *   missing, and every missing input was filled with a `scene` leaf;
 * - `truncated`: the tree was complete before the sequence stopped, and the extra tokens were dropped.
 */
export type ProgramStatus = 'valid' | 'padded' | 'truncated';

export interface RepairedProgram {
  /** The executable prefix program (token ids, no `<START>`/`<END>`). */
  tokens: number[];
  /**
   * For each program token, the decoding step it came from (index into the decoded sequence), or -1 for
   * a `scene` leaf added by the repair.
   */
  steps: number[];
  status: ProgramStatus;
}

/**
 * The repair rule for decoded programs (never throws on model output): tokens are read in prefix order
 * until `<END>`, a token that is not a module (arity null) or the end of the sequence; the longest prefix that still fits
 * in one tree is kept (tokens after the tree is complete are dropped), and missing inputs are filled with
 * `scene` leaves. An empty sequence becomes `scene`. `arity(id)` gives null for the special tokens.
 */
export function repairPrefixProgram(
  decoded: ArrayLike<number>,
  arity: (id: number) => Arity | null,
  sceneId: number,
): RepairedProgram {
  const tokens: number[] = [];
  const steps: number[] = [];
  let open = 1;
  let stopped = decoded.length;
  for (let i = 0; i < decoded.length; i++) {
    const id = decoded[i];
    const a = id === END_ID ? null : arity(id);
    if (a === null) {
      stopped = i;
      break;
    }
    if (open === 0) {
      // The tree is already complete: a real token after it means the sequence was too long.
      return { tokens, steps, status: 'truncated' };
    }
    tokens.push(id);
    steps.push(i);
    open += a - 1;
  }
  if (open === 0) {
    const endedCleanly = stopped === decoded.length || decoded[stopped] === END_ID;
    return { tokens, steps, status: endedCleanly ? 'valid' : 'truncated' };
  }
  for (let k = 0; k < open; k++) {
    tokens.push(sceneId);
    steps.push(-1);
  }
  return { tokens, steps, status: 'padded' };
}

/** Counts of program statuses over a batch (for metrics). */
export interface ProgramStatusCounts {
  valid: number;
  padded: number;
  truncated: number;
}

export function countStatuses(programs: readonly { status: ProgramStatus }[]): ProgramStatusCounts {
  const counts: ProgramStatusCounts = { valid: 0, padded: 0, truncated: 0 };
  for (const p of programs) counts[p.status]++;
  return counts;
}
