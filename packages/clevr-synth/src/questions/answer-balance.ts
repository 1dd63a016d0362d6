/**
 * Per-template answer counts and CLEVR's rejection rule: an instantiation is rejected when its answer
 * has been given more than 1.1 times as often as the second most common answer, or more than 5 times
 * the median answer count (the median is at least 5).
 */
export class AnswerCounts {
  private readonly counts = new Map<string, number>();

  constructor(possibleAnswers: readonly string[]) {
    for (const a of possibleAnswers) this.counts.set(a, 0);
  }

  /** True when `answer` is over-represented and should be rejected now. */
  rejects(answer: string): boolean {
    const cur = this.counts.get(answer) ?? 0;
    const sorted = [...this.counts.values()];
    if (!this.counts.has(answer)) sorted.push(0);
    sorted.sort((a, b) => a - b);
    const median = Math.max(sorted[Math.floor(sorted.length / 2)], 5);
    const second = sorted.length >= 2 ? sorted[sorted.length - 2] : Number.POSITIVE_INFINITY;
    return cur > 1.1 * second || cur > 5 * median;
  }

  add(answer: string): void {
    this.counts.set(answer, (this.counts.get(answer) ?? 0) + 1);
  }

  get(answer: string): number {
    return this.counts.get(answer) ?? 0;
  }

  entries(): [string, number][] {
    return [...this.counts.entries()];
  }
}
