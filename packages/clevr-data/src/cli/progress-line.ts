import { formatBytes, formatProgress, type ProgressCallback, throttleProgress } from '../io/progress.js';

/** A progress callback writing at most one line a second (and the final one) to `err`. */
export function progressLines(err: (line: string) => void, intervalMs = 1000): ProgressCallback {
  return throttleProgress((p) => {
    if (p.phase === 'download') {
      const total = p.total === undefined ? '' : ` / ${formatBytes(p.total)}`;
      const pct = p.total ? ` (${((100 * p.done) / p.total).toFixed(1)}%)` : '';
      err(`download ${formatBytes(p.done)}${total}${pct}`);
    } else if (p.phase.startsWith('read ')) {
      err(`${p.phase} ${formatBytes(p.done)}${p.total ? ` / ${formatBytes(p.total)}` : ''}`);
    } else {
      err(formatProgress(p));
    }
  }, intervalMs);
}
