import { tf } from '@mmnet/core-tensors';
import {
  answerRewards,
  type DecoderMode,
  type MovingAverageBaseline,
  type ProgramStatus,
  type ReinforceConfig,
  reinforceLoss,
} from '@mmnet/program-decoders';
import type { EndToEndOutput } from './end-to-end-network.js';

/**
 * What the objective reads of a forward pass: the logits and the decoder's REINFORCE terms (a tree executor's
 * `EndToEndOutput`, or the stack executor's output).
 */
export interface ObjectiveInput {
  logits: tf.Tensor2D;
  decoded: Pick<EndToEndOutput['decoded'], 'logProbs' | 'entropy' | 'decodedMask'> & {
    programs: readonly { status: ProgramStatus }[];
  };
}

export interface EndToEndObjectiveOptions {
  mode: DecoderMode;
  reinforce: ReinforceConfig;
  /** The moving-average baseline the rewards are compared with; updated when the generator learns by REINFORCE. */
  baseline: MovingAverageBaseline;
  /**
   * Whether the generator learns from this pass by REINFORCE: hard modes only, and only in a train mode that
   * trains it (not EE, not evaluation). In soft and gumbel modes it learns through the addresses instead.
   */
  generatorLearns: boolean;
}

export interface EndToEndObjective {
  /** Answer cross-entropy, plus the REINFORCE policy loss when the generator learns by REINFORCE. */
  loss: tf.Scalar;
  /** The mean answer cross-entropy alone. */
  answerLoss: tf.Scalar;
  /** Whether each sample's predicted answer is right. */
  correct: boolean[];
  /** When REINFORCE ran: the mean reward and the baseline it was compared with. */
  meanReward: number | null;
  baseline: number | null;
}

/**
 * The training objective of one PG_endtoend forward pass, of the tree executor (`endToEndPass`) or the stack
 * executor: the mean answer cross-entropy, plus, in the hard modes while the generator
 * learns, REINFORCE on the answers' rewards (`answerRewards`) against the moving-average baseline, with the
 * entropy bonus. A gradient function body: no tidy of its own.
 */
export function endToEndObjective(
  out: ObjectiveInput,
  answers: Int32Array,
  options: EndToEndObjectiveOptions,
): EndToEndObjective {
  const { mode, reinforce } = options;
  const [n, numAnswers] = out.logits.shape;
  if (answers.length !== n)
    throw new Error(`endToEndObjective: ${answers.length} answers for a batch of ${n} questions`);
  const labels = tf.cast(tf.oneHot(tf.tensor1d(answers, 'int32'), numAnswers), 'float32');
  const perSample = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(out.logits)), 1));
  const answerLoss = tf.mean(perSample) as tf.Scalar;
  const predicted = tf.argMax(out.logits, 1).dataSync();
  const correct = Array.from({ length: n }, (_, i) => predicted[i] === answers[i]);
  const hard = mode === 'hard' || mode === 'hard+penalty';
  if (!(hard && options.generatorLearns)) {
    return { loss: answerLoss, answerLoss, correct, meanReward: null, baseline: null };
  }
  const rewards = answerRewards(
    mode,
    {
      correct,
      crossEntropy: perSample.dataSync() as Float32Array,
      statuses: out.decoded.programs.map((p) => p.status),
    },
    reinforce,
  );
  const meanReward = rewards.reduce((a, r) => a + r, 0) / n;
  const baseline = options.baseline.update(rewards);
  const policy = reinforceLoss(
    out.decoded.logProbs,
    out.decoded.entropy,
    out.decoded.decodedMask,
    Array.from(rewards, (r) => r - baseline),
    reinforce.entropyWeight,
  );
  return { loss: tf.add(answerLoss, policy) as tf.Scalar, answerLoss, correct, meanReward, baseline };
}
