/** One progress report: `done` units of `total` (when known) in a named phase. */
export interface Progress {
  phase: string;
  done: number;
  total?: number;
}

export type ProgressCallback = (progress: Progress) => void;

/**
 * Wraps a callback so that it fires at most once per `intervalMs` (plus always for the final report,
 * `done === total`). `now` is injectable for tests.
 */
export function throttleProgress(
  callback: ProgressCallback,
  intervalMs = 500,
  now: () => number = Date.now,
): ProgressCallback {
  let last = Number.NEGATIVE_INFINITY;
  return (p) => {
    const t = now();
    const final = p.total !== undefined && p.done >= p.total;
    if (final || t - last >= intervalMs) {
      last = t;
      callback(p);
    }
  };
}

/** Formats a progress report as one human line, e.g. `extract 120/1000 (12.0%)`. */
export function formatProgress(p: Progress): string {
  if (p.total === undefined || p.total <= 0) return `${p.phase} ${p.done}`;
  const pct = ((100 * p.done) / p.total).toFixed(1);
  return `${p.phase} ${p.done}/${p.total} (${pct}%)`;
}

/** Formats a byte count as a short human string (KiB, MiB, GiB). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
