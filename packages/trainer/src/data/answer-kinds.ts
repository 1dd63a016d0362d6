/** The kinds of CLEVR answers, for per-kind accuracy and the answer-type prior. */
export const ANSWER_KINDS = ['yes/no', 'count', 'color', 'shape', 'material', 'size', 'other'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

const COLORS = new Set(['gray', 'red', 'blue', 'green', 'brown', 'purple', 'cyan', 'yellow']);
const SHAPES = new Set(['cube', 'sphere', 'cylinder']);
const MATERIALS = new Set(['rubber', 'metal']);
const SIZES = new Set(['large', 'small']);

export function answerKind(answer: string): AnswerKind {
  const a = answer.toLowerCase();
  if (a === 'yes' || a === 'no') return 'yes/no';
  if (/^\d+$/.test(a)) return 'count';
  if (COLORS.has(a)) return 'color';
  if (SHAPES.has(a)) return 'shape';
  if (MATERIALS.has(a)) return 'material';
  if (SIZES.has(a)) return 'size';
  return 'other';
}

export interface AnswerPrior {
  /** Most common training answer (index) per kind. */
  byKind: Partial<Record<AnswerKind, number>>;
  /** Accuracy on the evaluated answers of always giving the most common answer of the right kind. */
  accuracy: number;
  /** Accuracy of always giving the single most common answer. */
  majorityAccuracy: number;
}

/**
 * The answer-type prior: for each kind of answer, the most common training answer of that kind; its accuracy
 * on `evalAnswers` is what a model knowing only the kind of question would score.
 */
export function answerTypePrior(
  trainAnswers: ArrayLike<number>,
  evalAnswers: ArrayLike<number>,
  answerTokens: readonly string[],
): AnswerPrior {
  const counts = new Map<number, number>();
  for (let i = 0; i < trainAnswers.length; i++)
    counts.set(trainAnswers[i], (counts.get(trainAnswers[i]) ?? 0) + 1);
  const byKind: Partial<Record<AnswerKind, number>> = {};
  const best: Partial<Record<AnswerKind, number>> = {};
  let majority = -1;
  let majorityCount = -1;
  for (const [a, c] of [...counts.entries()].sort((x, y) => x[0] - y[0])) {
    const kind = answerKind(answerTokens[a] ?? '');
    if (c > (best[kind] ?? -1)) {
      best[kind] = c;
      byKind[kind] = a;
    }
    if (c > majorityCount) {
      majorityCount = c;
      majority = a;
    }
  }
  let right = 0;
  let majorityRight = 0;
  for (let i = 0; i < evalAnswers.length; i++) {
    const a = evalAnswers[i];
    if (byKind[answerKind(answerTokens[a] ?? '')] === a) right++;
    if (a === majority) majorityRight++;
  }
  const n = Math.max(1, evalAnswers.length);
  return { byKind, accuracy: right / n, majorityAccuracy: majorityRight / n };
}
