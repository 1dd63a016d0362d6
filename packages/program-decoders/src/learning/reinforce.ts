import { tf } from '@mmnet/core-tensors';
import type { ProgramStatus } from '../decoding/repair-program.js';
import type { DecoderMode, ReinforceConfig } from './config.js';

/** A moving-average reward baseline; its first value is the first batch's mean reward. */
export class MovingAverageBaseline {
  private current: number | null = null;

  constructor(readonly momentum: number) {
    if (!(momentum >= 0 && momentum <= 1))
      throw new Error(`baseline momentum must be in [0, 1], got ${momentum}`);
  }

  get value(): number | null {
    return this.current;
  }

  /** Returns the baseline to use for these rewards (the value before they are seen), then updates it. */
  update(rewards: ArrayLike<number>): number {
    let mean = 0;
    for (let i = 0; i < rewards.length; i++) mean += rewards[i] / rewards.length;
    const used = this.current ?? mean;
    this.current = this.current === null ? mean : this.momentum * this.current + (1 - this.momentum) * mean;
    return used;
  }

  setValue(value: number | null): void {
    this.current = value;
  }
}

/**
 * Per-sample rewards from the answers: 1 for a correct answer, 0 otherwise; `hard+penalty` adds
 * penaltyWeight * (-cross-entropy of the answer). Programs that needed repair get `invalidProgramReward`
 * when it is not null.
 */
export function answerRewards(
  mode: DecoderMode,
  answers: {
    correct: ArrayLike<boolean>;
    crossEntropy: ArrayLike<number>;
    statuses: readonly ProgramStatus[];
  },
  config: ReinforceConfig,
): Float32Array {
  const n = answers.correct.length;
  const rewards = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let r = answers.correct[i] ? 1 : 0;
    if (mode === 'hard+penalty') r -= config.penaltyWeight * answers.crossEntropy[i];
    if (answers.statuses[i] !== 'valid' && config.invalidProgramReward !== null)
      r = config.invalidProgramReward;
    rewards[i] = r;
  }
  return rewards;
}

/**
 * The REINFORCE surrogate loss: -mean_b (advantage_b * sum_t mask * log p) - entropyWeight * mean_b sum_t
 * mask * entropy. Its gradient is the policy gradient with the entropy bonus; advantages are constants.
 */
export function reinforceLoss(
  logProbs: tf.Tensor2D,
  entropy: tf.Tensor2D,
  mask: tf.Tensor2D,
  advantages: ArrayLike<number>,
  entropyWeight: number,
): tf.Scalar {
  const batch = logProbs.shape[0];
  if (advantages.length !== batch)
    throw new Error(`reinforceLoss: ${advantages.length} advantages for ${batch} samples`);
  return tf.tidy(() => {
    const adv = tf.tensor1d(Float32Array.from(advantages));
    const sequenceLogProb = tf.sum(tf.mul(logProbs, mask), 1);
    const sequenceEntropy = tf.sum(tf.mul(entropy, mask), 1);
    const policy = tf.neg(tf.mean(tf.mul(adv, sequenceLogProb)));
    return tf.sub(policy, tf.mul(entropyWeight, tf.mean(sequenceEntropy))) as tf.Scalar;
  });
}
