import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/seeded-rng.js';
import type { Initializer } from './initializers.js';

let storeCounter = 0;

export interface NamedArray {
  shape: number[];
  data: Float32Array;
  /** The element type the values were stored as in a file (safetensors name, e.g. `F32`), when read from one. */
  storedAs?: string;
}

/** Element types a float32 weight may be stored as (converted exactly or by rounding). */
const FLOAT_STORAGE = new Set(['F32', 'F16', 'BF16', 'F64']);

export interface ParameterOptions {
  /** Whether optimisers update it [true]. */
  trainable?: boolean;
}

/**
 * Creates parameters with dotted names; a view of a store under a name prefix. Models take a scope and
 * create their own parameters in it, so the full name says where a weight lives:
 * `modules.filter_color[red].conv1.kernel`.
 */
export interface ParameterScope {
  readonly prefix: string;
  /**
   * Creates a parameter (an error if the name exists). `trainable: false` makes a buffer, e.g. batch norm's
   * running statistics: saved and restored with the rest, never given to an optimiser.
   */
  create(name: string, shape: number[], init: Initializer, options?: ParameterOptions): tf.Variable;
  /** The parameter of a name under this scope (an error naming it if missing). */
  get(name: string): tf.Variable;
  has(name: string): boolean;
  scope(name: string): ParameterScope;
}

/** All trainable parameters of a model, by name, created from one seeded generator. */
export class ParameterStore implements ParameterScope {
  readonly prefix = '';
  private readonly params = new Map<string, tf.Variable>();
  private readonly id = ++storeCounter;

  constructor(private readonly rng: Rng) {}

  create(name: string, shape: number[], init: Initializer, options: ParameterOptions = {}): tf.Variable {
    if (this.params.has(name)) throw new Error(`parameter "${name}" already exists`);
    if (shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`parameter "${name}": invalid shape [${shape}]`);
    }
    const values = init(shape, this.rng);
    const variable = tf.tidy(() =>
      tf.variable(tf.tensor(values, shape, 'float32'), options.trainable ?? true, `mmnet${this.id}/${name}`),
    );
    this.params.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`no parameter named "${name}"`);
    return v;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  scope(name: string): ParameterScope {
    return new PrefixedScope(this, name);
  }

  /** Names in creation order. */
  names(): string[] {
    return [...this.params.keys()];
  }

  /** Parameters whose name starts with one of the prefixes (all when none given). */
  variables(...prefixes: string[]): tf.Variable[] {
    return this.entries(...prefixes).map(([, v]) => v);
  }

  entries(...prefixes: string[]): [string, tf.Variable][] {
    const all = [...this.params.entries()];
    if (prefixes.length === 0) return all;
    return all.filter(([n]) => prefixes.some((p) => n === p || n.startsWith(`${p}.`)));
  }

  /** The entries an optimiser updates: `entries` without the buffers (`trainable: false`). */
  trainableEntries(...prefixes: string[]): [string, tf.Variable][] {
    return this.entries(...prefixes).filter(([, v]) => v.trainable);
  }

  /** Number of scalar trainable weights (buffers not counted). */
  countWeights(...prefixes: string[]): number {
    return this.trainableEntries(...prefixes).reduce((acc, [, v]) => acc + v.size, 0);
  }

  /** The values of every parameter (copied out of the backend). */
  snapshot(...prefixes: string[]): Record<string, NamedArray> {
    const out: Record<string, NamedArray> = {};
    for (const [name, v] of this.entries(...prefixes)) {
      out[name] = { shape: [...v.shape], data: v.dataSync() as Float32Array };
    }
    return out;
  }

  /**
   * Sets parameters from named arrays. Every given name must exist with the same shape; with `strict`
   * (the default) every parameter of the store (under `prefixes`, when given) must be given too.
   */
  assign(
    values: Record<string, NamedArray>,
    options: { strict?: boolean; prefixes?: string[]; source?: string } = {},
  ) {
    const source = options.source ? `${options.source}: ` : '';
    const prefixes = options.prefixes ?? [];
    for (const [name, value] of Object.entries(values)) {
      const v = this.params.get(name);
      if (!v) throw new Error(`${source}unexpected parameter "${name}" (the model has no such weight)`);
      if (v.shape.length !== value.shape.length || v.shape.some((d, i) => d !== value.shape[i])) {
        throw new Error(
          `${source}shape mismatch for "${name}": model [${v.shape}] vs given [${value.shape}]`,
        );
      }
      if (value.storedAs !== undefined && !FLOAT_STORAGE.has(value.storedAs)) {
        throw new Error(
          `${source}"${name}" is stored as ${value.storedAs}, but it is a float32 weight (a mislabelled or foreign file)`,
        );
      }
      const bad = value.data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) {
        throw new Error(
          `${source}"${name}" holds ${value.data[bad]} at index ${bad} (weights must be finite)`,
        );
      }
    }
    if (options.strict ?? true) {
      const missing = this.entries(...prefixes)
        .map(([n]) => n)
        .filter((n) => !(n in values));
      if (missing.length) {
        throw new Error(
          `${source}missing ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
        );
      }
    }
    for (const [name, value] of Object.entries(values)) {
      const v = this.params.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(value.data, value.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

class PrefixedScope implements ParameterScope {
  constructor(
    private readonly store: ParameterScope,
    readonly prefix: string,
  ) {}

  private full(name: string) {
    return `${this.prefix}.${name}`;
  }

  create(name: string, shape: number[], init: Initializer, options?: ParameterOptions) {
    return this.store.create(this.full(name), shape, init, options);
  }

  get(name: string) {
    return this.store.get(this.full(name));
  }

  has(name: string) {
    return this.store.has(this.full(name));
  }

  scope(name: string): ParameterScope {
    return new PrefixedScope(this.store, this.full(name));
  }
}
