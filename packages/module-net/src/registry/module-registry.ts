import type { ParameterScope, tf } from '@mmnet/core-tensors';
import { type Arity, type ArityFunction, isSpecialToken } from '@mmnet/programs';

/** The inputs a module of an arity receives: the outputs of its input subtrees, batched over the call's rows. */
export type ModuleInputs<A extends Arity> = A extends 0
  ? []
  : A extends 1
    ? [tf.Tensor]
    : [tf.Tensor, tf.Tensor];

/** What a module knows about one batched call besides its inputs. */
export interface ModuleCall {
  /** The sample (index in the batch) of each row of this call, in row order; a sample may repeat. */
  readonly samples: readonly number[];
  /**
   * The step (`ProgramTreeNode.step`) of each row's node, in row order: with `samples`, which node each row is
   * (e.g. to read a node's module weights with the address of its decoding step).
   */
  readonly steps: readonly number[];
  /** Image features (the stem's output) of this call's samples [rows, H, W, C]: what `scene` returns. */
  readonly features: tf.Tensor4D;
  /** Rows of any per-sample tensor [N, ...] for this call's samples (side inputs of a custom DSL). */
  gather<T extends tf.Tensor>(perSample: T): T;
  /**
   * For a module family's call: the member each row runs, as its index in the family's `members` (the member
   * tokens). A module alone has every row at 0.
   */
  readonly memberIndices: readonly number[];
  /**
   * For a family's call whose executor reads module weights from a memory (`ExecuteOptions.memberAddresses`):
   * each row's address over the family's members [rows, members]; the row runs the address-weighted mix of
   * the members' parameters (`applyMemberDense` with `memberChoice(call)`). Absent: each row runs `memberIndices`.
   */
  readonly addresses?: tf.Tensor2D;
  /** A training pass (`ExecuteOptions.training`; absent: not): batch norms use the call's own statistics. */
  readonly training?: boolean;
}

/** A module's computation: one call runs every ready node of that module across the batch at once. */
export type ModuleFunction<A extends Arity = Arity> = (
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
export interface ModuleDefinition<A extends Arity = Arity, C = ModuleBuildConfig> {
  name: string;
  arity: A;
  description?: string;
  create(scope: ParameterScope, config: C): ModuleFunction<A>;
}

/**
 * A family of modules of one arity whose members differ only by their parameters (e.g. every `filter_*` and
 * `relate[*]` attention module): the executor runs all nodes of a family at one height as one call, each row
 * with its member's parameters (`call.memberIndices`), instead of one call per token. `create` makes the parameters of
 * every member in `scope` (`modules.<family name>.*`, stacked by member) and returns the call's function.
 */
export interface ModuleFamilyDefinition<A extends Arity = Arity, C = ModuleBuildConfig> {
  name: string;
  arity: A;
  /** The program tokens it runs; member i is `members[i]`. */
  members: readonly string[];
  description?: string;
  create(scope: ParameterScope, config: C, members: readonly string[]): ModuleFunction<A>;
}

/** A built module: its parameters exist and `apply` runs a batched call. */
export interface ModuleInstance {
  readonly name: string;
  readonly arity: Arity;
  apply: ModuleFunction;
  /**
   * Modules of the same family share `apply` and run as one call per height (the family's members); the family
   * is the module's own name when absent.
   */
  readonly family?: string;
  /** Its index in the family's members (what `call.memberIndices` holds for its rows); 0 when absent. */
  readonly memberIndex?: number;
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

  /**
   * The member tokens of a family (a module alone is a family of one) in member order: what the columns of the
   * family's member addresses (`ModuleCall.addresses`) stand for. Empty for an unknown family.
   */
  familyMembers(family: string): string[] {
    const members: string[] = [];
    for (const m of this.byName.values())
      if ((m.family ?? m.name) === family) members[m.memberIndex ?? 0] = m.name;
    return members;
  }

  get size(): number {
    return this.byName.size;
  }
}

interface RegisteredModule<C> {
  family: ModuleFamilyDefinition<Arity, C>;
  memberIndex: number;
  description?: string;
}

/**
 * Module types keyed by program token. A user's DSL defines its own; `defineClevrModules` adds CLEVR's. A module
 * is defined alone (`define`) or in a family (`defineFamily`); parameters live under the module's name, or the
 * family's.
 */
export class ModuleRegistry<C = ModuleBuildConfig> {
  private readonly modules = new Map<string, RegisteredModule<C>>();
  private readonly families = new Map<string, ModuleFamilyDefinition<Arity, C>>();

  /** Adds a module type; an error if the name is taken, is a special token, or the arity is not 0, 1 or 2. */
  define<A extends Arity>(definition: ModuleDefinition<A, C>): this {
    const { name, arity, description } = definition;
    return this.addFamily(
      {
        name,
        arity,
        members: [name],
        description,
        create: (scope, config) => definition.create(scope, config) as ModuleFunction<A>,
      },
      'module',
    );
  }

  /**
   * Adds a family of modules (one per member token) whose nodes at one height run as one call; errors as
   * `define` for each member, and if the family's name is taken by a module or another family.
   */
  defineFamily<A extends Arity>(family: ModuleFamilyDefinition<A, C>): this {
    return this.addFamily(family, 'family');
  }

  private addFamily<A extends Arity>(family: ModuleFamilyDefinition<A, C>, kind: string): this {
    const { name, arity, members } = family;
    if (typeof name !== 'string' || name.length === 0)
      throw new Error(`module registry: a ${kind} needs a name`);
    if (arity !== 0 && arity !== 1 && arity !== 2) {
      throw new Error(`module registry: ${kind} '${name}' has arity ${arity} (expected 0, 1 or 2)`);
    }
    if (!Array.isArray(members) || members.length === 0)
      throw new Error(`module registry: family '${name}' has no members`);
    const taken = (n: string) => this.families.has(n) || this.modules.has(n);
    if (kind === 'family' && taken(name))
      throw new Error(`module registry: the name '${name}' is already taken by a module or family`);
    members.forEach((member, i) => {
      if (typeof member !== 'string' || member.length === 0)
        throw new Error(`module registry: member ${i} of '${name}' has no name`);
      if (isSpecialToken(member))
        throw new Error(`module registry: '${member}' is a special token, not a module`);
      if (this.modules.has(member)) throw new Error(`module registry: module '${member}' is already defined`);
      if (this.families.has(member))
        throw new Error(`module registry: '${member}' is already the name of a module family`);
      if (members.indexOf(member) !== i)
        throw new Error(`module registry: '${member}' appears twice in family '${name}'`);
    });
    const stored = family as unknown as ModuleFamilyDefinition<Arity, C>;
    this.families.set(name, stored);
    members.forEach((member, i) => {
      this.modules.set(member, { family: stored, memberIndex: i, description: family.description });
    });
    return this;
  }

  has(name: string): boolean {
    return this.modules.has(name);
  }

  /** The arity, description, family name and member index (0 for a module defined alone) of a registered token. */
  get(
    name: string,
  ): { name: string; arity: Arity; description?: string; family: string; memberIndex: number } | undefined {
    const entry = this.modules.get(name);
    if (!entry) return undefined;
    const { family, memberIndex, description } = entry;
    return { name, arity: family.arity, description, family: family.name, memberIndex };
  }

  /** Token names in definition order. */
  names(): string[] {
    return [...this.modules.keys()];
  }

  get size(): number {
    return this.modules.size;
  }

  /** The arity of a registered token, null for anything else (what the program parser needs). */
  readonly arityOf: ArityFunction = (token) => this.modules.get(token)?.family.arity ?? null;

  /**
   * Builds every module (or the named ones; a family is built whole when one of its members is named), each with
   * parameters under `scope.scope(name)`, a family's under `scope.scope(family name)`.
   */
  instantiate(scope: ParameterScope, config: C, only?: Iterable<string>): ModuleSet {
    const names = only ? [...only] : this.names();
    const built = new Map<string, ModuleFunction>();
    return new ModuleSet(
      names.map((name): ModuleInstance => {
        const entry = this.modules.get(name);
        if (!entry) throw new Error(`module registry: no module named '${name}'`);
        const { family, memberIndex } = entry;
        let apply = built.get(family.name);
        if (!apply) {
          apply = family.create(scope.scope(family.name), config, family.members) as ModuleFunction;
          built.set(family.name, apply);
        }
        return { name, arity: family.arity, apply, family: family.name, memberIndex };
      }),
    );
  }
}
