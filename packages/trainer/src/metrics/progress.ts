/** Progress display: a redrawn bar on a TTY, plain log lines otherwise. */
export interface ProgressState {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  accuracy: number;
  questionsPerSecond: number;
  /** Seconds left (NaN when unknown). */
  etaSeconds: number;
}

export interface ProgressSink {
  update(state: ProgressState): void;
  log(line: string): void;
  done(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The text of one progress report (without the bar when `bar` is false). */
export function progressLine(s: ProgressState, bar = true, width = 24): string {
  const frac = s.totalSteps > 0 ? Math.min(1, s.step / s.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const head = bar ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
  return (
    `${head}step ${s.step}/${s.totalSteps} epoch ${s.epoch} loss ${s.loss.toFixed(4)} ` +
    `acc ${s.accuracy.toFixed(3)} ${s.questionsPerSecond.toFixed(1)} q/s ETA ${formatDuration(s.etaSeconds)}`
  );
}

export interface WritableLike {
  isTTY?: boolean;
  write(s: string): unknown;
}

export function createProgress(stream: WritableLike, options: { logEvery?: number } = {}): ProgressSink {
  const tty = Boolean(stream.isTTY);
  const logEvery = options.logEvery ?? 10;
  let lastLen = 0;
  const clear = () => {
    if (tty && lastLen) {
      stream.write(`\r${' '.repeat(lastLen)}\r`);
      lastLen = 0;
    }
  };
  return {
    update(state) {
      if (tty) {
        const line = progressLine(state, true);
        clear();
        stream.write(line);
        lastLen = line.length;
      } else if (state.step % logEvery === 0 || state.step === state.totalSteps) {
        stream.write(`${progressLine(state, false)}\n`);
      }
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
    },
    done() {
      if (tty && lastLen) stream.write('\n');
      lastLen = 0;
    },
  };
}
