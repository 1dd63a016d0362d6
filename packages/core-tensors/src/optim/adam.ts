import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { applyAdamUpdate, registerAdamUpdateKernel } from './adam-update.js';

/** Adam's hyper-parameters; the defaults are tfjs's (`tf.train.adam`). */
export const adamConfigSchema = z.object({
  learningRate: z.number().nonnegative(),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-7),
});

export type AdamConfig = z.infer<typeof adamConfigSchema>;
export type AdamConfigInput = z.input<typeof adamConfigSchema>;

/** The saved state of one variable's Adam: its moments and how many updates it has had. */
export interface AdamSlot {
  /** The tfjs name of the variable. */
  variable: string;
  /** Number of updates applied to this variable (the bias-correction exponent of the next one is steps + 1). */
  steps: number;
  /** First moment (named `<variable>/m` in tfjs's Adam). */
  m: tf.Tensor;
  /** Second moment (named `<variable>/v` in tfjs's Adam). */
  v: tf.Tensor;
}

interface Moments {
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  steps: number;
}

/**
 * Adam with the maths of tfjs's `tf.train.adam` (bias-corrected moments, epsilon added to the corrected
 * root), but lean on memory and time: variables are updated one at a time, on cpu and native wasm by a fused
 * one-pass kernel (`applyAdamUpdate`), elsewhere by tfjs ops freed as soon as the next one exists, so an update
 * holds at most three variable-sized temporaries (tfjs's keeps about fourteen per variable, for all variables
 * of the call, until the call ends, and runs some ten element-wise kernels per variable).
 *
 * Each variable counts its own updates (as PyTorch's Adam does): a variable without a gradient in a call is
 * left alone, moments included. When every call updates every variable this is exactly tfjs's Adam.
 */
export class LeanAdam {
  readonly config: AdamConfig;
  private lr: number;
  private readonly slots = new Map<string, Moments>();

  constructor(config: AdamConfigInput) {
    this.config = adamConfigSchema.parse(config);
    this.lr = this.config.learningRate;
    registerAdamUpdateKernel();
  }

  /** The learning rate of the next updates. */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    if (!(value >= 0)) throw new Error(`LeanAdam: learning rate must be >= 0, got ${value}`);
    this.lr = value;
  }

  /** Names of the variables that have moments (updated or restored). */
  variables(): string[] {
    return [...this.slots.keys()];
  }

  /** Steps taken by a variable (0 if never updated). */
  stepsOf(variable: string): number {
    return this.slots.get(variable)?.steps ?? 0;
  }

  /**
   * One Adam update of each variable named in `grads` (tfjs variable names, as `tf.variableGrads` returns
   * them); null/undefined gradients are skipped. Does not dispose `grads`.
   */
  applyGradients(grads: Record<string, tf.Tensor | null | undefined>): void {
    for (const [name, grad] of Object.entries(grads)) {
      if (grad == null) continue;
      this.update(this.slotFor(name), grad);
    }
  }

  private slotFor(name: string): Moments {
    let slot = this.slots.get(name);
    if (!slot) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`LeanAdam: no tfjs variable named "${name}"`);
      slot = {
        variable,
        m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        steps: 0,
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private update(slot: Moments, grad: tf.Tensor): void {
    const { beta1, beta2, epsilon } = this.config;
    const { variable, m, v } = slot;
    if (grad.shape.join() !== variable.shape.join()) {
      throw new Error(
        `LeanAdam: gradient of "${variable.name}" has shape [${grad.shape}], expected [${variable.shape}]`,
      );
    }
    const t = slot.steps + 1;
    applyAdamUpdate(variable, m, v, grad, {
      learningRate: this.lr,
      beta1,
      beta2,
      epsilon,
      correction1: 1 - beta1 ** t,
      correction2: 1 - beta2 ** t,
    });
    slot.steps = t;
  }

  /** Copies of every variable's moments and step count (the caller disposes the tensors). */
  getWeights(): AdamSlot[] {
    return [...this.slots.entries()].map(([name, s]) => ({
      variable: name,
      steps: s.steps,
      m: tf.clone(s.m),
      v: tf.clone(s.v),
    }));
  }

  /**
   * Restores moments and step counts (e.g. from a checkpoint). Variables not listed keep their state.
   * The tensors are shared, not consumed: the caller may dispose them afterwards.
   */
  setWeights(slots: AdamSlot[]): void {
    for (const saved of slots) {
      if (!Number.isInteger(saved.steps) || saved.steps < 0) {
        throw new Error(
          `LeanAdam: steps of "${saved.variable}" must be a non-negative integer, got ${saved.steps}`,
        );
      }
      const slot = this.slotFor(saved.variable);
      for (const kind of ['m', 'v'] as const) {
        const value = saved[kind];
        if (value.shape.join() !== slot.variable.shape.join()) {
          throw new Error(
            `LeanAdam: moment ${kind} of "${saved.variable}" has shape [${value.shape}], expected [${slot.variable.shape}]`,
          );
        }
        if (value.dtype !== 'float32') {
          throw new Error(
            `LeanAdam: moment ${kind} of "${saved.variable}" is ${value.dtype}, expected float32`,
          );
        }
        slot[kind].assign(value);
      }
      slot.steps = saved.steps;
    }
  }

  /** Frees all moments. */
  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}
