/** The loss became NaN or infinite: training stops and the last good checkpoint is kept. */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}
