import { matMul, type ParameterScope, tf } from '@mmnet/core-tensors';
import {
  createNetworkClassifier,
  createNetworkStem,
  gatherRows,
  type ModuleClassifier,
  type Stem,
} from '@mmnet/module-net';
import type { ArityFunction, ProgramTreeNode } from '@mmnet/programs';
import { checkNodeWeightBudget, countWeightedNodes } from '../execution/node-weight-budget.js';
import {
  executeWithNodeWeights,
  executeWithTokenWeights,
  type NodeRef,
} from '../execution/node-weight-execution.js';
import { plannedBankReader } from '../execution/planned-bank-reader.js';
import { blockRowWidths } from './block-layout.js';
import type { MemoryExecutorConfig, ModuleMemory } from './module-memory.js';
import { ModuleMemoryBank, segmentedKaimingInit } from './module-memory-bank.js';

/**
 * How the residual memory lays out its banks: `byArity` (the reference's PG_memory) a unary bank `memory.unary`
 * [unary functions, 2k] and a binary bank `memory.binary` [binary functions, 4k], a kind the vocabulary has no
 * function of having no bank; `shared` (PG_endtoend) one bank `memory.bank` [functions, 4k] whose unary reads
 * use the first 2k. k = 9 dim^2, row layout in block-layout.ts.
 */
export type ResidualBankLayout = 'byArity' | 'shared';

export interface ResidualBankMemoryOptions {
  banks: ResidualBankLayout;
  /**
   * Mixed reads: refuse trees whose per-node weights would need more than `megabytes` in a training step
   * (`checkNodeWeightBudget`), the error naming `fields`. No check when absent.
   */
  nodeWeightBudget?: { megabytes: number; fields: { length: string; dim: string; budget: string } };
}

/** One bank, and whether it holds only some of the memory rows (then mixed reads pick its columns). */
interface Bank {
  bank: ModuleMemoryBank;
  partial: boolean;
}

/**
 * The reference's module memory: banks of residual-block kernels (`memory.*`), one row per function token, run
 * through module-net's parameter-free residual blocks (`residualUnary`, `residualBinary`), with module-net's stem
 * (`stem.*`) and classifier (`classifier.*`). One-hot reads run nodes of one token at one height as one ordinary
 * convolution; mixed reads give every node its own kernels (per-sample convolutions), read for all calls of a
 * pass in one product per kernel (`plannedBankReader`).
 */
export class ResidualBankMemory implements ModuleMemory {
  readonly kind = 'residual' as const;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  readonly rowTokens: readonly string[];
  /** The bank unary nodes read and the one binary nodes read (the same bank in the `shared` layout). */
  private readonly banks: { unary: Bank | null; binary: Bank | null };
  private readonly dim: number;
  private readonly size: { height: number; width: number };

  /**
   * Builds `stem.*`, the banks (`memory.*`) and `classifier.*` in `scope`, in that order; `tokens` is the program
   * vocabulary in id order, `arityOf` its arity rule (the rows are its tokens of arity 1 or 2).
   */
  constructor(
    scope: ParameterScope,
    config: MemoryExecutorConfig,
    tokens: readonly string[],
    readonly arityOf: ArityFunction,
    numAnswers: number,
    private readonly options: ResidualBankMemoryOptions,
  ) {
    const d = config.stemDim;
    this.dim = d;
    this.size = { height: config.height, width: config.width };
    this.rowTokens = tokens.filter((t) => (arityOf(t) ?? 0) >= 1);
    const { kernel, unary: unaryWidth, binary: binaryWidth } = blockRowWidths(d);
    this.stem = createNetworkStem(scope.scope('stem'), config);
    const memory = scope.scope('memory');
    if (options.banks === 'shared') {
      const bank = new ModuleMemoryBank(
        memory,
        'bank',
        this.rowTokens,
        binaryWidth,
        segmentedKaimingInit([
          // A unary read uses [k | k] with fan-ins 9d; a binary read [2k | k | k] with 18d, 9d, 9d.
          { width: 2 * kernel, fanIn: 18 * d },
          { width: kernel, fanIn: 9 * d },
          { width: kernel, fanIn: 9 * d },
        ]),
      );
      this.banks = { unary: { bank, partial: false }, binary: { bank, partial: false } };
    } else {
      const bankOf = (
        name: string,
        arity: 1 | 2,
        width: number,
        segments: Parameters<typeof segmentedKaimingInit>[0],
      ): Bank | null => {
        const rows = this.rowTokens.filter((t) => arityOf(t) === arity);
        if (rows.length === 0) return null;
        const bank = new ModuleMemoryBank(memory, name, rows, width, segmentedKaimingInit(segments));
        return { bank, partial: true };
      };
      this.banks = {
        unary: bankOf('unary', 1, unaryWidth, [
          { width: kernel, fanIn: 9 * d },
          { width: kernel, fanIn: 9 * d },
        ]),
        binary: bankOf('binary', 2, binaryWidth, [
          { width: 2 * kernel, fanIn: 18 * d },
          { width: kernel, fanIn: 9 * d },
          { width: kernel, fanIn: 9 * d },
        ]),
      };
    }
    this.classifier = createNetworkClassifier(scope.scope('classifier'), config, numAnswers);
  }

  /** [memory rows, bank rows] with a 1 at (memory row of each bank row's token, bank row). */
  private columnsOf(bankRows: readonly string[]): tf.Tensor2D {
    const R = this.rowTokens.length;
    const values = new Float32Array(R * bankRows.length);
    bankRows.forEach((t, b) => {
      values[this.rowTokens.indexOf(t) * bankRows.length + b] = 1;
    });
    return tf.tensor2d(values, [R, bankRows.length]);
  }

  /** The bank that nodes of `arity` read (an error naming the arity when the vocabulary has no such function). */
  bankOf(arity: 1 | 2): ModuleMemoryBank {
    const kind = arity === 1 ? 'unary' : 'binary';
    const bank = this.banks[kind];
    if (!bank)
      throw new Error(`residual memory: the program vocabulary has no ${kind} function, so no ${kind} bank`);
    return bank.bank;
  }

  /** Every distinct bank, unary first. */
  private distinctBanks(): Bank[] {
    const { unary, binary } = this.banks;
    const all = [unary, binary].filter((b): b is Bank => b !== null);
    return all.length === 2 && all[0].bank === all[1].bank ? [all[0]] : all;
  }

  /** One-hot addresses: one read per token the trees use; nodes of one token at one height run as one call. */
  readonly execute: ModuleMemory['execute'] = (trees, features, options = {}) =>
    executeWithTokenWeights(trees, features, this.dim, this.arityOf, this.readTokenRows(trees), options);

  /** One-hot reads without gradient to the addresses compute what one-hot reads compute: the same execution. */
  readonly executeChosen: ModuleMemory['executeChosen'] = (trees, features, options = {}) =>
    this.execute(trees, features, options);

  /** One row per function token the trees use: one-hot addresses times each bank, in one product per bank. */
  private readTokenRows(trees: readonly ProgramTreeNode[]): Map<string, tf.Tensor2D> {
    const used = new Set<string>();
    const visit = (n: ProgramTreeNode) => {
      used.add(n.token);
      n.inputs.forEach(visit);
    };
    trees.forEach(visit);
    const rows = new Map<string, tf.Tensor2D>();
    for (const { bank } of this.distinctBanks()) {
      const names = bank.rowNames.filter((t) => used.has(t));
      if (names.length === 0) continue;
      const read = bank.read(bank.oneHot(names.map((t) => bank.rowOf(t))));
      const parts = names.length === 1 ? [read] : tf.split(read, names.length, 0);
      names.forEach((t, i) => rows.set(t, parts[i] as tf.Tensor2D));
    }
    return rows;
  }

  /** Every node mixes its own kernels by its step's address (per-sample convolutions), under the budget. */
  readonly executeMixed: ModuleMemory['executeMixed'] = (trees, features, at, options = {}) => {
    const { addresses, steps, renormalize } = at;
    const budget = this.options.nodeWeightBudget;
    if (budget) {
      const counts = countWeightedNodes(trees, this.arityOf);
      checkNodeWeightBudget(counts, this.dim, this.size, budget.megabytes, budget.fields);
    }
    // Each bank's addresses: its columns of the memory rows, renormalised over them.
    const ofBank = new Map<ModuleMemoryBank, tf.Tensor2D>();
    for (const { bank, partial } of this.distinctBanks()) {
      const own = partial ? (matMul(addresses, this.columnsOf(bank.rowNames)) as tf.Tensor2D) : addresses;
      ofBank.set(
        bank,
        renormalize ? (tf.div(own, tf.maximum(tf.sum(own, 1, true), 1e-12)) as tf.Tensor2D) : own,
      );
    }
    // Every executed node mixes its own weights with its step's address, only the kernels of its arity
    // (unary nodes mix 2k values, not 4k): one product per kernel for all calls of the pass.
    const addressesOf = (arity: 1 | 2, nodes: readonly NodeRef[]) =>
      gatherRows(
        ofBank.get(this.bankOf(arity))!,
        nodes.map((n) => {
          if (n.step < 0)
            throw new Error(`residual memory: a node of sample ${n.sample} has no decoding step`);
          return n.sample * steps + n.step;
        }),
      );
    const reader = plannedBankReader(
      { unary: this.banks.unary?.bank ?? null, binary: this.banks.binary?.bank ?? null },
      this.dim,
      addressesOf,
    );
    return executeWithNodeWeights(trees, features, this.arityOf, reader, options);
  };

  /** Nothing to free: the banks are the store's. */
  dispose(): void {}
}
