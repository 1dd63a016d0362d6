import { type NamedArray, type ParameterStore, tf } from '@mmnet/core-tensors';

/** Strips the store's unique variable prefix (`mmnet3/`) from a tfjs variable name. */
export function parameterNameOf(variableName: string): string {
  return variableName.replace(/^mmnet\d+\//, '');
}

export interface OptimizerState {
  iterations: number;
  /** Adam moments by name: `m/<param>` and `v/<param>`. */
  moments: Record<string, NamedArray>;
}

/**
 * Adam over a fixed, ordered list of parameters. tfjs's Adam keeps its moments by position in the gradient
 * list, so every update passes all the group's parameters in the same order (zeros for parameters the batch
 * did not use, e.g. modules absent from every program of the batch).
 */
export class GroupOptimizer {
  readonly optimizer: tf.AdamOptimizer;
  readonly variables: tf.Variable[];
  readonly names: string[];
  private iterations = 0;

  constructor(
    readonly group: string,
    store: ParameterStore,
    prefixes: string[],
    readonly learningRate: number,
  ) {
    const entries = prefixes.length ? store.entries(...prefixes) : [];
    this.names = entries.map(([n]) => n);
    this.variables = entries.map(([, v]) => v);
    this.optimizer = tf.train.adam(learningRate);
  }

  get size(): number {
    return this.variables.length;
  }

  get steps(): number {
    return this.iterations;
  }

  /** Sets the learning rate of the next updates (tfjs's Adam reads it at each update); `learningRate` is the base. */
  setLearningRate(lr: number): void {
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
  }

  /** Applies gradients keyed by tfjs variable name; missing ones count as zero. Does not dispose `grads`. */
  apply(grads: Record<string, tf.Tensor>): void {
    if (!this.variables.length) return;
    tf.tidy(() => {
      const list = this.variables.map((v) => ({ name: v.name, tensor: grads[v.name] ?? tf.zerosLike(v) }));
      this.optimizer.applyGradients(list);
    });
    this.iterations++;
  }

  async getState(): Promise<OptimizerState> {
    const moments: Record<string, NamedArray> = {};
    const weights = await this.optimizer.getWeights();
    for (const w of weights) {
      if (w.name === 'iter') {
        w.tensor.dispose();
        continue;
      }
      const match = /^(.*)\/(m|v)$/.exec(w.name);
      if (!match) continue;
      moments[`${match[2]}/${parameterNameOf(match[1])}`] = {
        shape: [...w.tensor.shape],
        data: w.tensor.dataSync() as Float32Array,
      };
    }
    return { iterations: this.iterations, moments };
  }

  async setState(state: OptimizerState, source: string): Promise<void> {
    this.iterations = state.iterations;
    const hasMoments = Object.keys(state.moments).length > 0;
    const tensors: { name: string; tensor: tf.Tensor }[] = [
      { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ];
    if (hasMoments) {
      for (const kind of ['m', 'v'] as const) {
        this.variables.forEach((v, i) => {
          const key = `${kind}/${this.names[i]}`;
          const value = state.moments[key];
          if (!value) throw new Error(`${source}: optimiser ${this.group} has no moment "${key}"`);
          if (value.shape.join() !== v.shape.join()) {
            throw new Error(
              `${source}: optimiser moment "${key}" has shape [${value.shape}], expected [${v.shape}]`,
            );
          }
          tensors.push({ name: `${v.name}/${kind}`, tensor: tf.tensor(value.data, value.shape) });
        });
      }
    }
    await this.optimizer.setWeights(tensors);
    for (const t of tensors) t.tensor.dispose();
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
