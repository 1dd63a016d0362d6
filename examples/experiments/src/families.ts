import { builtinTemplateSet } from '@mmnet/clevr-synth';

export interface Tally {
  correct: number;
  total: number;
}

/** The 9 CLEVR question families (template files), in name order. */
export function familyNames(): string[] {
  return [...new Set(builtinTemplateSet().templates.map((t) => t.family))].sort();
}

/** question_family_index (template index) -> family name, for the generator's built-in templates. */
export function familyOfTemplate(): Map<number, string> {
  return new Map(builtinTemplateSet().templates.map((t) => [t.familyIndex, t.family]));
}

/** Per-template tallies of `count` answers: answer i was to a question of template `templateOf(i)`, right or not. */
export function tallyByTemplate(
  count: number,
  templateOf: (i: number) => number,
  isRight: (i: number) => boolean,
): Record<string, Tally> {
  const perTemplate: Record<string, Tally> = {};
  for (let i = 0; i < count; i++) {
    const key = String(templateOf(i));
    perTemplate[key] ??= { correct: 0, total: 0 };
    perTemplate[key].total++;
    if (isRight(i)) perTemplate[key].correct++;
  }
  return perTemplate;
}

/** Sums per-template tallies into per-family accuracies (null for a family with no question). */
export function accuracyByFamily(
  perTemplate: Readonly<Record<string, Tally>>,
): Record<string, number | null> {
  const families = familyOfTemplate();
  const sums = new Map<string, Tally>(familyNames().map((f) => [f, { correct: 0, total: 0 }]));
  for (const [index, t] of Object.entries(perTemplate)) {
    const family = families.get(Number(index));
    if (family === undefined) throw new Error(`question family index ${index} is not a built-in template`);
    const s = sums.get(family)!;
    s.correct += t.correct;
    s.total += t.total;
  }
  return Object.fromEntries([...sums].map(([f, s]) => [f, s.total ? s.correct / s.total : null]));
}
