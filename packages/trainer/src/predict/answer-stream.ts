import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';

/**
 * The answers of a batch prediction as they are written: JSON lines in `<output>.partial`, a header line naming
 * what is answered, then one line per question in question order, each written whole and synced to disk. After
 * a kill at any instant, `open` keeps the complete lines (a torn last line is cut off) and says where to go on,
 * so no answer is lost or written twice.
 */
export class AnswerStream<T extends { index: number }> {
  private fd: number;

  private constructor(
    readonly path: string,
    readonly done: T[],
  ) {
    this.fd = openSync(path, 'a');
  }

  /**
   * Opens (or starts) the stream of `output` for a job described by `header`; a partial file of another job
   * (other questions, run or options) is refused.
   */
  static open<T extends { index: number }>(output: string, header: Record<string, unknown>): AnswerStream<T> {
    const path = `${output}.partial`;
    const headerLine = `${JSON.stringify({ header })}\n`;
    // A missing file, or a header cut by a kill, starts afresh.
    if (!existsSync(path) || headerLine.startsWith(readFileSync(path, 'utf8'))) {
      const fd = openSync(path, 'w');
      writeSync(fd, headerLine);
      fsyncSync(fd);
      closeSync(fd);
      return new AnswerStream<T>(path, []);
    }
    const text = readFileSync(path, 'utf8');
    if (!text.startsWith(headerLine))
      throw new Error(
        `${path}: left by a prediction of other questions, run or options; delete it to start again`,
      );
    const done: T[] = [];
    let good = Buffer.byteLength(headerLine, 'utf8');
    // Every line but the last ends in a newline and is whole; what follows the last newline is a torn write.
    const lines = text.slice(headerLine.length).split('\n').slice(0, -1);
    for (const line of lines) {
      let entry: T;
      try {
        entry = JSON.parse(line) as T;
      } catch {
        throw new Error(`${path}: line ${done.length + 2} is not JSON; delete the file to start again`);
      }
      if (entry.index !== done.length)
        throw new Error(`${path}: answer ${done.length} is missing or repeated`);
      done.push(entry);
      good += Buffer.byteLength(line, 'utf8') + 1;
    }
    truncateSync(path, good);
    return new AnswerStream<T>(path, done);
  }

  /** Appends answers (the next indices, in order) and syncs them to disk. */
  append(entries: readonly T[]): void {
    if (!entries.length) return;
    for (const [k, e] of entries.entries()) {
      if (e.index !== this.done.length + k) throw new Error(`answer ${e.index} out of order`);
    }
    writeSync(this.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncSync(this.fd);
    this.done.push(...entries);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Closes and deletes the partial file (after the complete output is written). */
  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}
