/** A bad command line (of `mmnet-data`, and of `mmnet` too): reported as one line with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
