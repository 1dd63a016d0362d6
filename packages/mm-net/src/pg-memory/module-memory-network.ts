import { createRng, type ParameterScope, ParameterStore, tf } from '@mmnet/core-tensors';
import {
  type ArityFunction,
  answerCount,
  clevrArity,
  createNetworkClassifier,
  createNetworkStem,
  defineClevrModules,
  executePrograms,
  type ModuleClassifier,
  ModuleNetwork,
  type ModuleNetworkVocab,
  ModuleRegistry,
  type NodeCapture,
  type ProgramIdRows,
  type ProgramTreeNode,
  parsePrefixPrograms,
  type Stem,
} from '@mmnet/module-net';
import type { z } from 'zod';
import type { AddressingMaps } from '../addressing.js';
import { oneHotMemberAddresses } from '../attention-memory/member-addresses.js';
import {
  executeWithNodeWeights,
  executeWithTokenWeights,
  type NodeRef,
} from '../execution/node-weight-execution.js';
import { plannedBankReader } from '../execution/planned-bank-reader.js';
import { blockRowWidths } from '../memory/block-layout.js';
import { ModuleMemoryBank, segmentedKaimingInit } from '../memory/module-memory-bank.js';
import { type ModuleMemoryNetworkConfig, ModuleMemoryNetworkConfigSchema } from './config.js';

export interface ModuleMemoryOutput {
  /** [N, numAnswers]. */
  logits: tf.Tensor2D;
  /** One-hot addresses of every step into the unary and the binary bank. */
  addressing: { unary: AddressingMaps; binary: AddressingMaps };
  captures?: NodeCapture[][];
}

function isTreeList(p: unknown): p is readonly ProgramTreeNode[] {
  return Array.isArray(p) && p.length > 0 && typeof p[0] === 'object' && p[0] !== null && 'token' in p[0];
}

/**
 * PG_memory (module memory network): the per-token modules of PG replaced by memory banks of module weights,
 * read with one-hot addresses given by the ground-truth program tokens. With `modules: 'residual'` (the
 * reference): two banks, `memory.unary` [unary functions, 2k] and `memory.binary` [binary functions, 4k]
 * (k = 9 dim^2, layout in block-layout.ts), run through module-net's parameter-free residual blocks; stem and
 * classifier are module-net's (`stem.*`, `classifier.*`). With `modules: 'attention'`: the banks are the
 * stacked member parameters of module-net's attention families (`modules.<family>.*`, one row per function
 * token), each node reading its row by a one-hot address (`ModuleCall.addresses`).
 */
export class ModuleMemoryNetwork {
  readonly config: z.output<typeof ModuleMemoryNetworkConfigSchema>;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  readonly numAnswers: number;
  /** The unary and the binary function tokens, in vocabulary order (the rows of the addressing maps). */
  readonly unaryTokens: readonly string[];
  readonly binaryTokens: readonly string[];
  /** With attention modules: the network whose families hold the memory (`modules.<family>.*`). */
  readonly attention: ModuleNetwork | null;
  /** The residual banks; a kind of function the vocabulary has none of has no bank (null). */
  private readonly banks: { unary: ModuleMemoryBank | null; binary: ModuleMemoryBank | null } | null;

  constructor(
    scope: ParameterScope,
    config: ModuleMemoryNetworkConfig,
    readonly vocab: ModuleNetworkVocab,
    readonly arityOf: ArityFunction = clevrArity,
  ) {
    this.config = ModuleMemoryNetworkConfigSchema.parse(config);
    const c = this.config;
    const tokens = Object.entries(vocab.program_token_to_idx)
      .sort((a, b) => a[1] - b[1])
      .map(([t]) => t);
    this.unaryTokens = tokens.filter((t) => arityOf(t) === 1);
    this.binaryTokens = tokens.filter((t) => arityOf(t) === 2);
    this.numAnswers = answerCount(vocab.answer_token_to_idx);
    if (c.modules === 'iep') {
      throw new Error(
        "memory networks: modules 'iep' (clevr-iep's own blocks) is for a module network; use 'residual'",
      );
    }
    if (c.sceneBlock)
      throw new Error('memory networks: sceneBlock (a learned scene block) is for a module network');
    if (c.modules === 'attention') {
      const registry = defineClevrModules(new ModuleRegistry(), tokens, arityOf, 'attention', {
        countFilters: c.countFilters,
      });
      const { execution: _, ...networkConfig } = c;
      this.attention = new ModuleNetwork(
        scope,
        networkConfig,
        registry,
        this.numAnswers,
        vocab.program_token_to_idx,
      );
      this.stem = this.attention.stem;
      this.classifier = this.attention.classifier;
      this.banks = null;
      return;
    }
    this.attention = null;
    const d = c.stemDim;
    const { kernel, unary: unaryWidth, binary: binaryWidth } = blockRowWidths(d);
    this.stem = createNetworkStem(scope.scope('stem'), c);
    const memory = scope.scope('memory');
    const bankOf = (
      name: string,
      tokens: readonly string[],
      width: number,
      segments: Parameters<typeof segmentedKaimingInit>[0],
    ) =>
      tokens.length
        ? new ModuleMemoryBank(memory, name, tokens, width, segmentedKaimingInit(segments))
        : null;
    this.banks = {
      unary: bankOf('unary', this.unaryTokens, unaryWidth, [
        { width: kernel, fanIn: 9 * d },
        { width: kernel, fanIn: 9 * d },
      ]),
      binary: bankOf('binary', this.binaryTokens, binaryWidth, [
        { width: 2 * kernel, fanIn: 18 * d },
        { width: kernel, fanIn: 9 * d },
        { width: kernel, fanIn: 9 * d },
      ]),
    };
    this.classifier = createNetworkClassifier(scope.scope('classifier'), c, this.numAnswers);
  }

  /**
   * The residual unary bank [unary functions, 2k] (an error with attention modules, whose banks are families,
   * and when the vocabulary has no unary function).
   */
  get unaryBank(): ModuleMemoryBank {
    return this.residualBank('unary');
  }

  /** The residual binary bank [binary functions, 4k] (an error as `unaryBank`'s). */
  get binaryBank(): ModuleMemoryBank {
    return this.residualBank('binary');
  }

  private residualBank(kind: 'unary' | 'binary'): ModuleMemoryBank {
    if (!this.banks)
      throw new Error(
        "PG_memory with attention modules has no residual banks: its memory is the attention families' parameters (modules.<family>.*)",
      );
    const bank = this.banks[kind];
    if (!bank)
      throw new Error(`PG_memory: the program vocabulary has no ${kind} function, so no ${kind} bank`);
    return bank;
  }

  /** Prefix id rows (`<START> ... <END> <NULL>...`) to trees; errors name the sample, step and token. */
  parsePrograms(programs: ProgramIdRows): ProgramTreeNode[] {
    return parsePrefixPrograms(programs, this.vocab.program_token_to_idx, { arityOf: this.arityOf });
  }

  /** features [N, H, W, inChannels] and one program per sample (trees or prefix id rows) -> answer logits. */
  forward(
    features: tf.Tensor4D,
    programs: readonly ProgramTreeNode[] | ProgramIdRows,
    options: { capture?: boolean } = {},
  ): ModuleMemoryOutput {
    const trees = isTreeList(programs) ? programs : this.parsePrograms(programs as ProgramIdRows);
    const d = this.config.stemDim;
    let captures: NodeCapture[][] | undefined;
    const logits = tf.tidy(() => {
      const v = this.stem.apply(features);
      let result: { outputs: tf.Tensor; captures?: NodeCapture[][] };
      if (this.attention) {
        const { modules } = this.attention;
        result = executePrograms(trees, v, modules, {
          ...options,
          memberAddresses: oneHotMemberAddresses(modules),
        });
      } else if (this.config.execution === 'grouped') {
        result = executeWithTokenWeights(trees, v, d, this.arityOf, this.readTokenRows(trees), options);
      } else {
        result = executeWithNodeWeights(
          trees,
          v,
          this.arityOf,
          plannedBankReader(this.banks ?? { unary: null, binary: null }, d, (arity, nodes) =>
            this.nodeAddresses(trees, arity, nodes),
          ),
          options,
        );
      }
      captures = result.captures;
      return this.classifier.apply(result.outputs as tf.Tensor4D);
    });
    return { logits, addressing: this.addressing(trees), captures };
  }

  /** One row per function token used by the batch: one-hot addresses times each bank, in one product per bank. */
  private readTokenRows(trees: readonly ProgramTreeNode[]): Map<string, tf.Tensor2D> {
    const used = new Set<string>();
    const visit = (n: ProgramTreeNode) => {
      used.add(n.token);
      n.inputs.forEach(visit);
    };
    trees.forEach(visit);
    const rows = new Map<string, tf.Tensor2D>();
    for (const bank of [this.banks?.unary, this.banks?.binary]) {
      if (!bank) continue;
      const names = bank.rowNames.filter((t) => used.has(t));
      if (names.length === 0) continue;
      const read = bank.read(bank.oneHot(names.map((t) => bank.rowOf(t))));
      const parts = names.length === 1 ? [read] : tf.split(read, names.length, 0);
      names.forEach((t, i) => rows.set(t, parts[i] as tf.Tensor2D));
    }
    return rows;
  }

  /** One-hot addresses [nodes, rows] of the nodes' tokens in the bank of their arity. */
  private nodeAddresses(
    trees: readonly ProgramTreeNode[],
    arity: 1 | 2,
    nodes: readonly NodeRef[],
  ): tf.Tensor2D {
    const bank = arity === 1 ? this.unaryBank : this.binaryBank;
    const tokenAt = (ref: NodeRef) => {
      let found: string | null = null;
      const visit = (n: ProgramTreeNode) => {
        if (n.step === ref.step) found = n.token;
        else n.inputs.forEach(visit);
      };
      visit(trees[ref.sample]);
      if (found === null)
        throw new Error(`no node at step ${ref.step} in the program of sample ${ref.sample}`);
      return found;
    };
    return bank.oneHot(nodes.map((n) => bank.rowOf(tokenAt(n))));
  }

  /** The one-hot addresses of every step (steps = positions of the tokens in the prefix rows). */
  addressing(trees: readonly ProgramTreeNode[]): { unary: AddressingMaps; binary: AddressingMaps } {
    let steps = 0;
    const all: { sample: number; step: number; token: string }[] = [];
    trees.forEach((t, sample) => {
      const visit = (n: ProgramTreeNode) => {
        all.push({ sample, step: n.step, token: n.token });
        steps = Math.max(steps, n.step + 1);
        n.inputs.forEach(visit);
      };
      visit(t);
    });
    const maps = (rowNames: readonly string[]): AddressingMaps => {
      const R = rowNames.length;
      const values = new Float32Array(trees.length * steps * R);
      for (const n of all) {
        const r = rowNames.indexOf(n.token);
        if (r >= 0 && n.step >= 0) values[(n.sample * steps + n.step) * R + r] = 1;
      }
      return { rowNames, batch: trees.length, steps, values };
    };
    return { unary: maps(this.unaryTokens), binary: maps(this.binaryTokens) };
  }
}

/** `createModuleMemoryNetwork(config, vocab)`: the model and its seeded parameter store. */
export function createModuleMemoryNetwork(
  config: ModuleMemoryNetworkConfig,
  vocab: ModuleNetworkVocab,
  options: { arityOf?: ArityFunction } = {},
): { model: ModuleMemoryNetwork; store: ParameterStore } {
  const parsed = ModuleMemoryNetworkConfigSchema.parse(config);
  const store = new ParameterStore(createRng(parsed.seed));
  return { model: new ModuleMemoryNetwork(store, parsed, vocab, options.arityOf), store };
}
