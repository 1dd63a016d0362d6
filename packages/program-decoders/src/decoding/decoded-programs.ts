/** Programs decoded from a batch of questions. */
export interface DecodedPrograms {
  /** Program token ids per sample, without `<START>` and `<END>`. */
  sequences: number[][];
  /** Log-probability of each sequence under the model (including its `<END>` when it has one). */
  logProbs: number[];
  /** Whether each sample emitted `<END>` within the length limit. */
  ended: boolean[];
}
