import type { ParameterScope, tf } from '@mmnet/core-tensors';
import type { ArityFunction, ModuleArity } from '../program/arity.js';
import { isSpecialProgramToken } from '../program/vocabulary.js';

/** The inputs a module of an arity receives: the outputs of its input subtrees, batched over the call's rows. */
export type ModuleInputs<A extends ModuleArity> = A extends 0
  ? []
  : A extends 1
    ? [tf.Tensor]
    : [tf.Tensor, tf.Tensor];

/** What a module knows about one batched call besides its inputs. */
export interface ModuleCall {
  /** The sample (index in the batch) of each row of this call, in row order; a sample may repeat. */
  readonly samples: readonly number[];
  /** Image features (the stem's output) of this call's samples [rows, H, W, C]: what `scene` returns. */
  readonly features: tf.Tensor4D;
  /** Rows of any per-sample tensor [N, ...] for this call's samples (side inputs of a custom DSL). */
  gather<T extends tf.Tensor>(perSample: T): T;
}

/** A module's computation: one call runs every ready node of that module across the batch at once. */
export type ModuleFunction<A extends ModuleArity = ModuleArity> = (
  inputs: ModuleInputs<A>,
  call: ModuleCall,
) => tf.Tensor;

/** The shapes every module of a module network shares (`dim` = channels of every module input and output). */
export interface ModuleBuildConfig {
  dim: number;
  height: number;
  width: number;
}

/**
 * A module type: its program token, its arity, and how to build it (creating its parameters in `scope`, which is
 * `modules.<name>` of the network's store). The CLEVR modules are defined through this same API.
 */
export interface ModuleDefinition<A extends ModuleArity = ModuleArity, C = ModuleBuildConfig> {
  name: string;
  arity: A;
  description?: string;
  create(scope: ParameterScope, config: C): ModuleFunction<A>;
}

/** A built module: its parameters exist and `apply` runs a batched call. */
export interface ModuleInstance {
  readonly name: string;
  readonly arity: ModuleArity;
  apply: ModuleFunction;
}

/** Built modules by program token (what the executor reads). */
export interface ModuleLookup {
  get(token: string): ModuleInstance | undefined;
}

/** The modules of one model, built from a registry. */
export class ModuleSet implements ModuleLookup {
  private readonly byName = new Map<string, ModuleInstance>();

  constructor(instances: Iterable<ModuleInstance>) {
    for (const m of instances) this.byName.set(m.name, m);
  }

  get(token: string): ModuleInstance | undefined {
    return this.byName.get(token);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  get size(): number {
    return this.byName.size;
  }
}

/** Module types keyed by program token. A user's DSL defines its own; `defineClevrModules` adds CLEVR's. */
export class ModuleRegistry<C = ModuleBuildConfig> {
  private readonly definitions = new Map<string, ModuleDefinition<ModuleArity, C>>();

  /** Adds a module type; an error if the name is taken, is a special token, or the arity is not 0, 1 or 2. */
  define<A extends ModuleArity>(definition: ModuleDefinition<A, C>): this {
    const { name, arity } = definition;
    if (typeof name !== 'string' || name.length === 0)
      throw new Error('module registry: a module needs a name');
    if (isSpecialProgramToken(name))
      throw new Error(`module registry: '${name}' is a special token, not a module`);
    if (this.definitions.has(name)) throw new Error(`module registry: module '${name}' is already defined`);
    if (arity !== 0 && arity !== 1 && arity !== 2) {
      throw new Error(`module registry: module '${name}' has arity ${arity} (expected 0, 1 or 2)`);
    }
    this.definitions.set(name, definition as unknown as ModuleDefinition<ModuleArity, C>);
    return this;
  }

  has(name: string): boolean {
    return this.definitions.has(name);
  }

  get(name: string): ModuleDefinition<ModuleArity, C> | undefined {
    return this.definitions.get(name);
  }

  /** Names in definition order. */
  names(): string[] {
    return [...this.definitions.keys()];
  }

  get size(): number {
    return this.definitions.size;
  }

  /** The arity of a registered token, null for anything else (what the program parser needs). */
  readonly arityOf: ArityFunction = (token) => this.definitions.get(token)?.arity ?? null;

  /** Builds every module (or the named ones), each with parameters under `scope.scope(name)`. */
  instantiate(scope: ParameterScope, config: C, only?: Iterable<string>): ModuleSet {
    const names = only ? [...only] : this.names();
    return new ModuleSet(
      names.map((name) => {
        const def = this.definitions.get(name);
        if (!def) throw new Error(`module registry: no module named '${name}'`);
        return { name, arity: def.arity, apply: def.create(scope.scope(name), config) as ModuleFunction };
      }),
    );
  }
}
