import { createRng, type ParameterScope, ParameterStore, tf } from '@mmnet/core-tensors';
import {
  type ArityFunction,
  answerCount,
  clevrArity,
  ModuleClassifier,
  type ModuleNetworkVocab,
  type NodeCapture,
  type ProgramIdRows,
  type ProgramTreeNode,
  parsePrefixPrograms,
  Stem,
} from '@mmnet/module-net';
import type { z } from 'zod';
import type { AddressingMaps } from '../addressing.js';
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
 * PG_memory (module memory network): the per-token modules of PG replaced by two memory banks of module
 * weights, `memory.unary` [unary functions, 2k] and `memory.binary` [binary functions, 4k] (k = 9 dim^2,
 * layout in block-layout.ts), read with one-hot addresses given by the ground-truth program tokens and run
 * through module-net's parameter-free residual blocks. Stem and classifier are module-net's (`stem.*`,
 * `classifier.*`).
 */
export class ModuleMemoryNetwork {
  readonly config: z.output<typeof ModuleMemoryNetworkConfigSchema>;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  readonly unaryBank: ModuleMemoryBank;
  readonly binaryBank: ModuleMemoryBank;
  readonly numAnswers: number;

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
    const unary = tokens.filter((t) => arityOf(t) === 1);
    const binary = tokens.filter((t) => arityOf(t) === 2);
    const d = c.stemDim;
    const { kernel, unary: unaryWidth, binary: binaryWidth } = blockRowWidths(d);
    this.stem = new Stem(scope.scope('stem'), { inChannels: c.inChannels, dim: d, numLayers: c.stemLayers });
    const memory = scope.scope('memory');
    this.unaryBank = new ModuleMemoryBank(
      memory,
      'unary',
      unary,
      unaryWidth,
      segmentedKaimingInit([
        { width: kernel, fanIn: 9 * d },
        { width: kernel, fanIn: 9 * d },
      ]),
    );
    this.binaryBank = new ModuleMemoryBank(
      memory,
      'binary',
      binary,
      binaryWidth,
      segmentedKaimingInit([
        { width: 2 * kernel, fanIn: 18 * d },
        { width: kernel, fanIn: 9 * d },
        { width: kernel, fanIn: 9 * d },
      ]),
    );
    this.numAnswers = answerCount(vocab.answer_token_to_idx);
    this.classifier = new ModuleClassifier(scope.scope('classifier'), {
      inChannels: d,
      height: c.height,
      width: c.width,
      numAnswers: this.numAnswers,
      ...c.classifier,
    });
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
      const result =
        this.config.execution === 'grouped'
          ? executeWithTokenWeights(trees, v, d, this.arityOf, this.readTokenRows(trees), options)
          : executeWithNodeWeights(
              trees,
              v,
              this.arityOf,
              plannedBankReader({ unary: this.unaryBank, binary: this.binaryBank }, d, (arity, nodes) =>
                this.nodeAddresses(trees, arity, nodes),
              ),
              options,
            );
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
    for (const bank of [this.unaryBank, this.binaryBank]) {
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
    const maps = (bank: ModuleMemoryBank): AddressingMaps => {
      const R = bank.rows;
      const values = new Float32Array(trees.length * steps * R);
      for (const n of all) {
        const r = bank.rowNames.indexOf(n.token);
        if (r >= 0 && n.step >= 0) values[(n.sample * steps + n.step) * R + r] = 1;
      }
      return { rowNames: bank.rowNames, batch: trees.length, steps, values };
    };
    return { unary: maps(this.unaryBank), binary: maps(this.binaryBank) };
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
