import { streamQuestionsFile } from '../io/clevr-json.js';
import type { ProgressCallback } from '../io/progress.js';

/** Counts of a questions JSON: totals, and answers per question family. */
export interface QuestionStats {
  questions: number;
  images: number;
  withPrograms: number;
  withAnswers: number;
  /** answer -> count over all questions. */
  answers: Record<string, number>;
  /** family index (or "none") -> { questions, answers: answer -> count }. */
  families: Record<string, { questions: number; answers: Record<string, number> }>;
}

/** Streams a questions JSON and counts answers per question family (pure apart from reading the file). */
export async function questionStats(
  file: string,
  hooks: { onProgress?: ProgressCallback; signal?: AbortSignal } = {},
): Promise<QuestionStats> {
  const stats: QuestionStats = {
    questions: 0,
    images: 0,
    withPrograms: 0,
    withAnswers: 0,
    answers: {},
    families: {},
  };
  const images = new Set<number>();
  for await (const q of streamQuestionsFile(file, hooks)) {
    stats.questions++;
    images.add(q.image_index);
    if (q.program) stats.withPrograms++;
    const key = q.question_family_index === undefined ? 'none' : String(q.question_family_index);
    stats.families[key] ??= { questions: 0, answers: {} };
    const fam = stats.families[key];
    fam.questions++;
    if (q.answer !== undefined) {
      stats.withAnswers++;
      stats.answers[q.answer] = (stats.answers[q.answer] ?? 0) + 1;
      fam.answers[q.answer] = (fam.answers[q.answer] ?? 0) + 1;
    }
  }
  stats.images = images.size;
  return stats;
}

/** Human-readable lines: totals, then one line per family with its answers by decreasing count. */
export function formatQuestionStats(stats: QuestionStats, file: string): string[] {
  const byCount = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([a, n]) => `${a}:${n}`)
      .join(' ');
  const lines = [
    `${file}: ${stats.questions} questions, ${stats.images} images, ${stats.withPrograms} with programs, ${stats.withAnswers} with answers, ${Object.keys(stats.answers).length} distinct answers`,
    `answers: ${byCount(stats.answers)}`,
  ];
  const keys = Object.keys(stats.families).sort((a, b) =>
    a === 'none' ? 1 : b === 'none' ? -1 : Number(a) - Number(b),
  );
  for (const k of keys) {
    const f = stats.families[k];
    lines.push(`family ${k}: ${f.questions} questions; ${byCount(f.answers)}`);
  }
  return lines;
}
