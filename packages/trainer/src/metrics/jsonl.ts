import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@mmnet/core-tensors';

export type MetricsRecord = { kind: 'train' | 'val'; step: number; epoch: number } & Record<string, unknown>;

/** Metrics as JSON lines, one object per line. */
export class JsonlMetrics {
  constructor(readonly path: string) {}

  append(record: MetricsRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /** Every complete record (a last line cut by a crash is dropped). */
  read(): MetricsRecord[] {
    if (!existsSync(this.path)) return [];
    const out: MetricsRecord[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as MetricsRecord);
      } catch {
        // a line cut by a kill
      }
    }
    return out;
  }

  /** Drops the records after `step` (a resumed run repeats them), rewriting the file atomically. */
  truncateAfter(step: number): void {
    const kept = this.read().filter((r) => r.step <= step);
    writeFileAtomic(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}
