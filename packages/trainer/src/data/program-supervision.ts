import { createRng } from '@mmnet/core-tensors';

/**
 * Weak supervision: which training questions keep their ground-truth program. `max(1, round(fraction *
 * count))` question rows, chosen uniformly without replacement by a generator seeded with `seed`, returned in
 * increasing order. The same (count, fraction, seed) always gives the same rows, and a smaller fraction's rows
 * are a prefix of the same seeded draw, so they are contained in a larger fraction's rows.
 */
export function selectSupervisedQuestions(count: number, fraction: number, seed: number): Int32Array {
  if (!Number.isInteger(count) || count < 1) throw new Error(`selectSupervisedQuestions: count ${count} < 1`);
  if (!(fraction > 0 && fraction <= 1))
    throw new Error(`selectSupervisedQuestions: fraction ${fraction} is not in (0, 1]`);
  const keep = Math.min(count, Math.max(1, Math.round(fraction * count)));
  const rows = Int32Array.from({ length: count }, (_, i) => i);
  const rng = createRng(seed ^ 0x5eed5);
  // Partial Fisher-Yates: the first `keep` entries are a uniform sample without replacement.
  for (let i = 0; i < keep; i++) {
    const j = i + rng.int(count - i);
    const t = rows[i];
    rows[i] = rows[j];
    rows[j] = t;
  }
  return rows.slice(0, keep).sort();
}

/** The rows of `order` (an epoch's permutation of all rows) that are in `selected`, in `order`'s order. */
export function restrictOrder(order: Int32Array, selected: Int32Array): Int32Array {
  const member = new Set(selected);
  return order.filter((row) => member.has(row));
}
