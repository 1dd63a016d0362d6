import type { tf } from '@mmnet/core-tensors';
import type { ExecutionResult, ModuleClassifier, ModuleNetworkConfigSchema, Stem } from '@mmnet/module-net';
import type { ProgramTreeNode } from '@mmnet/programs';
import type { z } from 'zod';

/** A memory's stem, module and classifier sizes: a parsed module-net config (its seed unused). */
export type MemoryExecutorConfig = Omit<z.output<typeof ModuleNetworkConfigSchema>, 'seed'>;

/** The two kinds of module memory (`config.modules`): residual banks (the reference's) or attention families. */
export type ModuleMemoryKind = 'residual' | 'attention';

/**
 * Each node's address over the memory rows, from the address of its decoding step: row `sample * steps + step`
 * of `addresses` [N * steps, rows] (columns: `ModuleMemory.rowTokens`).
 */
export interface StepAddresses {
  addresses: tf.Tensor2D;
  steps: number;
  /**
   * Renormalise each node's address over the rows it can read (the mass elsewhere is dropped), so a node reads
   * a convex mixture: over a residual bank's rows, over an attention family's members.
   */
  renormalize: boolean;
}

/**
 * A memory of module weights with the stem and classifier around it: one row per function token, read by an
 * address per program node and run through the memory's modules. `createModuleMemory` builds the kind that
 * `config.modules` names; the networks hold one and never ask which.
 */
export interface ModuleMemory {
  readonly kind: ModuleMemoryKind;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  /** The function token of each memory row, in vocabulary order (the columns of `StepAddresses.addresses`). */
  readonly rowTokens: readonly string[];
  /**
   * Runs the trees on the stem's output with one-hot addresses: every node reads its own token's row, with a
   * gradient to the rows it reads (ground-truth programs, PG_memory).
   */
  execute(
    trees: readonly ProgramTreeNode[],
    features: tf.Tensor4D,
    options?: { capture?: boolean },
  ): ExecutionResult;
  /**
   * Runs the trees with every node reading the mix of rows its step's address gives (soft and gumbel
   * addresses; differentiable in the addresses).
   */
  executeMixed(
    trees: readonly ProgramTreeNode[],
    features: tf.Tensor4D,
    addresses: StepAddresses,
    options?: { capture?: boolean },
  ): ExecutionResult;
  /**
   * Runs the trees with one-hot addresses that carry no gradient (sampled or greedy tokens): every node runs its
   * own token's module, the fastest form.
   */
  executeChosen(
    trees: readonly ProgramTreeNode[],
    features: tf.Tensor4D,
    options?: { capture?: boolean },
  ): ExecutionResult;
  /** Frees the memory's kept tensors (not its parameters, which its store owns). */
  dispose(): void;
}
