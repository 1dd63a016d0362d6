import type { tf } from '@mmnet/core-tensors';

/**
 * One tfjs optimizer per variable, so a step updates only the variables that got a gradient (as PyTorch's Adam
 * skips parameters without one). A module network's batch reaches only the modules its programs use: with a
 * single tfjs optimizer (state kept by position in the gradient list) every step would need zero gradients and
 * moments for every module (`fillMissingGradients`), which at reference sizes costs gigabytes.
 */
export class PerVariableOptimizer {
  private readonly optimizers = new Map<string, tf.Optimizer>();

  constructor(private readonly create: () => tf.Optimizer) {}

  /** Applies each gradient with its variable's own optimizer (created on first use). */
  applyGradients(grads: tf.NamedTensorMap): void {
    for (const [name, grad] of Object.entries(grads)) {
      if (!grad) continue;
      let opt = this.optimizers.get(name);
      if (!opt) {
        opt = this.create();
        this.optimizers.set(name, opt);
      }
      opt.applyGradients({ [name]: grad } as tf.NamedTensorMap as Parameters<
        tf.Optimizer['applyGradients']
      >[0]);
    }
  }

  /** Names of the variables updated so far. */
  updated(): string[] {
    return [...this.optimizers.keys()];
  }

  dispose(): void {
    for (const opt of this.optimizers.values()) opt.dispose();
    this.optimizers.clear();
  }
}
