import {
  Embedding,
  type ParameterScope,
  RecurrentNetwork,
  type RecurrentOutput,
  type tf,
} from '@mmnet/core-tensors';

/**
 * Per-sample question lengths: the position of the last non-null token + 1 (the reference pads with <NULL>).
 * Throws naming the sample for an all-null question.
 */
export function questionLengths(questions: tf.Tensor2D, nullId = 0): number[] {
  const [batch, steps] = questions.shape;
  const ids = questions.dataSync();
  const lengths: number[] = [];
  for (let b = 0; b < batch; b++) {
    let last = -1;
    for (let t = 0; t < steps; t++) if (ids[b * steps + t] !== nullId) last = t;
    if (last < 0) throw new Error(`questions: sample ${b} has no token (all <NULL>)`);
    lengths.push(last + 1);
  }
  return lengths;
}

/** Word embedding + multi-layer recurrent network over question ids [N, T] (batch-first, per-sample lengths). */
export class QuestionEncoder {
  readonly embedding: Embedding;
  readonly rnn: RecurrentNetwork;

  constructor(
    scope: ParameterScope,
    vocabSize: number,
    embedDim: number,
    hiddenSize: number,
    numLayers: number,
    cell: 'lstm' | 'gru',
  ) {
    this.embedding = new Embedding(scope.scope('embedding'), vocabSize, embedDim);
    this.rnn = new RecurrentNetwork(scope.scope('rnn'), { cell, inputSize: embedDim, hiddenSize, numLayers });
  }

  /** outputs [N, T, H] (repeating the last real state past a sample's length) and `last` [N, H]. */
  apply(questions: tf.Tensor2D, lengths: readonly number[]): RecurrentOutput {
    if (questions.dtype !== 'int32') throw new Error(`questions must be int32 ids, got ${questions.dtype}`);
    return this.rnn.apply(this.embedding.apply(questions) as tf.Tensor3D, lengths);
  }
}
