import { LeanAdam, type NamedArray, type ParameterStore, tf } from '@mmnet/core-tensors';

/** Strips the store's unique variable prefix (`mmnet3/`) from a tfjs variable name. */
function parameterNameOf(variableName: string): string {
  return variableName.replace(/^mmnet\d+\//, '');
}

export interface OptimizerState {
  iterations: number;
  /** Adam moments by name: `m/<param>` and `v/<param>`. */
  moments: Record<string, NamedArray>;
}

/**
 * Adam over a fixed, ordered list of parameters, updated together: every update steps all the group's
 * parameters (a zero gradient for those the batch did not use, e.g. modules absent from every program of the
 * batch), so the group shares one iteration count, as with tfjs's Adam over the whole group. The optimiser is
 * core-tensors' `LeanAdam` (tfjs's maths, one variable at a time), so an update never needs more than a few
 * temporaries the size of the largest parameter.
 */
export class GroupOptimizer {
  readonly optimizer: LeanAdam;
  readonly variables: tf.Variable[];
  readonly names: string[];
  private iterations = 0;

  constructor(
    readonly group: string,
    store: ParameterStore,
    prefixes: string[],
    readonly learningRate: number,
  ) {
    const entries = prefixes.length ? store.trainableEntries(...prefixes) : [];
    this.names = entries.map(([n]) => n);
    this.variables = entries.map(([, v]) => v);
    this.optimizer = new LeanAdam({ learningRate });
  }

  get size(): number {
    return this.variables.length;
  }

  get steps(): number {
    return this.iterations;
  }

  /** Sets the learning rate of the next updates; `learningRate` stays the base. */
  setLearningRate(lr: number): void {
    this.optimizer.learningRate = lr;
  }

  /** Applies gradients keyed by tfjs variable name; missing ones count as zero. Does not dispose `grads`. */
  apply(grads: Record<string, tf.Tensor>): void {
    if (!this.variables.length) return;
    for (const v of this.variables) {
      const given = grads[v.name];
      if (given) this.optimizer.applyGradients({ [v.name]: given });
      else {
        const zero = tf.zerosLike(v);
        this.optimizer.applyGradients({ [v.name]: zero });
        zero.dispose();
      }
    }
    this.iterations++;
  }

  /** The moments as `m/<param>` and `v/<param>` (the checkpoint names) and the iteration count. */
  async getState(): Promise<OptimizerState> {
    const moments: Record<string, NamedArray> = {};
    for (const slot of this.optimizer.getWeights()) {
      const param = parameterNameOf(slot.variable);
      for (const kind of ['m', 'v'] as const) {
        const tensor = slot[kind];
        moments[`${kind}/${param}`] = {
          shape: [...tensor.shape],
          data: (await tensor.data()) as Float32Array,
        };
        tensor.dispose();
      }
    }
    return { iterations: this.iterations, moments };
  }

  /**
   * Restores the iteration count and, when the state has any, the moments of every parameter of the group
   * (all must be present). Without moments, they restart from zero at the saved iteration count.
   */
  async setState(state: OptimizerState, source: string): Promise<void> {
    this.iterations = state.iterations;
    const hasMoments = Object.keys(state.moments).length > 0;
    this.variables.forEach((v, i) => {
      const read = (kind: 'm' | 'v'): tf.Tensor => {
        if (!hasMoments) return tf.zerosLike(v);
        const key = `${kind}/${this.names[i]}`;
        const value = state.moments[key];
        if (!value) throw new Error(`${source}: optimiser ${this.group} has no moment "${key}"`);
        if (value.shape.join() !== v.shape.join()) {
          throw new Error(
            `${source}: optimiser moment "${key}" has shape [${value.shape}], expected [${v.shape}]`,
          );
        }
        return tf.tensor(value.data, value.shape, 'float32');
      };
      const first = read('m');
      const second = read('v');
      try {
        this.optimizer.setWeights([{ variable: v.name, steps: state.iterations, m: first, v: second }]);
      } finally {
        first.dispose();
        second.dispose();
      }
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
