import type { ParameterScope } from '@mmnet/core-tensors';
import {
  defineClevrModules,
  executePrograms,
  type ModuleClassifier,
  ModuleNetwork,
  ModuleRegistry,
  type ModuleSet,
  type Stem,
} from '@mmnet/module-net';
import type { ArityFunction } from '@mmnet/programs';
import type { MemoryExecutorConfig, ModuleMemory } from '../memory/module-memory.js';
import {
  distributionMemberAddresses,
  FamilySelections,
  type MemoryFamily,
  memoryFamilies,
  oneHotMemberAddresses,
} from './member-addresses.js';

/**
 * A module memory made of module-net's attention families (`modules.<family>.*`): each family's member
 * parameters are stacked, one row per function token, and a node reads its module as an address over its
 * family's rows times the stacked parameters (`ModuleCall.addresses`, `applyMemberDense`). A mix costs one
 * [rows, members] x [members, weights] product per layer, so no node-weight budget applies. The stem
 * (`stem.*`) and classifier (`classifier.*`) are module-net's; `coordinates` and `countFilters` apply as in PG.
 */
export class AttentionFamilyMemory implements ModuleMemory {
  readonly kind = 'attention' as const;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  /** The built modules: one per function token, each a member of its family. */
  readonly modules: ModuleSet;
  readonly rowTokens: readonly string[];
  /** The families with inputs, in definition order (the stacked banks). */
  readonly families: readonly MemoryFamily[];
  /** Each family's columns of the memory rows (what mixed reads select). */
  private readonly rowSelections: FamilySelections;

  /**
   * Builds module-net's `ModuleNetwork` of the attention families in `scope` (`stem.*`, `modules.<family>.*`,
   * `classifier.*`) and keeps its parts; `tokens` is the program vocabulary in id order, `arityOf` its arity rule.
   */
  constructor(
    scope: ParameterScope,
    config: MemoryExecutorConfig,
    tokens: readonly string[],
    arityOf: ArityFunction,
    numAnswers: number,
  ) {
    const registry = defineClevrModules(new ModuleRegistry(), tokens, arityOf, 'attention', {
      countFilters: config.countFilters,
    });
    const { stem, modules, classifier } = new ModuleNetwork(scope, config, registry, numAnswers);
    this.stem = stem;
    this.modules = modules;
    this.classifier = classifier;
    this.rowTokens = tokens.filter((t) => (arityOf(t) ?? 0) >= 1);
    this.families = memoryFamilies(this.modules);
    const rowOf = new Map(this.rowTokens.map((t, r) => [t, r]));
    this.rowSelections = new FamilySelections(
      this.families,
      this.rowTokens.length,
      (t) => rowOf.get(t) ?? -1,
    );
  }

  /** One-hot addresses: each row reads its own token's row of its family's bank, with a gradient to every row. */
  readonly execute: ModuleMemory['execute'] = (trees, features, options = {}) =>
    executePrograms(trees, features, this.modules, {
      ...options,
      memberAddresses: oneHotMemberAddresses(this.modules),
    });

  /** Each row runs its own token's member (module-net's plain family execution). */
  readonly executeChosen: ModuleMemory['executeChosen'] = (trees, features, options = {}) =>
    executePrograms(trees, features, this.modules, options);

  /** A node reads its step's address at its family's rows (renormalised over them with `renormalize`). */
  readonly executeMixed: ModuleMemory['executeMixed'] = (trees, features, at, options = {}) =>
    executePrograms(trees, features, this.modules, {
      ...options,
      memberAddresses: distributionMemberAddresses(
        at.addresses,
        at.steps,
        this.rowSelections,
        at.renormalize,
      ),
    });

  dispose(): void {
    this.rowSelections.dispose();
  }
}
