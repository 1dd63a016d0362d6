/** A malformed program: names the bad step by index (in the order of the form that was given) and token. */
export class ProgramError extends Error {
  readonly step: number;
  readonly token: string;
  readonly detail: string;
  constructor(step: number, token: string, detail: string) {
    super(`program step ${step} (${token}): ${detail}`);
    this.name = 'ProgramError';
    this.step = step;
    this.token = token;
    this.detail = detail;
  }
}
