import { createRng, type ParameterScope, ParameterStore, tf } from '@mmnet/core-tensors';
import {
  answerCount,
  type ModuleClassifier,
  type ModuleNetworkVocab,
  type NodeCapture,
  type Stem,
} from '@mmnet/module-net';
import {
  type ArityFunction,
  clevrArity,
  isProgramTreeList,
  type ProgramIdRows,
  type ProgramTreeNode,
  parsePrefixPrograms,
} from '@mmnet/programs';
import type { z } from 'zod';
import type { AddressingMaps } from '../addressing.js';
import { type AnyModuleMemory, createModuleMemory } from '../memory/create-module-memory.js';
import { type ModuleMemoryNetworkConfig, ModuleMemoryNetworkConfigSchema } from './config.js';

export interface ModuleMemoryOutput {
  /** [N, numAnswers]. */
  logits: tf.Tensor2D;
  /** One-hot addresses of every step into the unary and the binary bank. */
  addressing: { unary: AddressingMaps; binary: AddressingMaps };
  captures?: NodeCapture[][];
}

/**
 * PG_memory (module memory network): the per-token modules of PG replaced by a memory of module weights, read
 * with one-hot addresses given by the ground-truth program tokens. The memory (`memory`) is the kind
 * `config.modules` names: `residual` (the reference) two banks, `memory.unary` [unary functions, 2k] and
 * `memory.binary` [binary functions, 4k] (k = 9 dim^2, layout in block-layout.ts), run through module-net's
 * parameter-free residual blocks; `attention` the stacked member parameters of module-net's attention families
 * (`modules.<family>.*`, one row per function token). Stem and classifier are module-net's (`stem.*`,
 * `classifier.*`).
 */
export class ModuleMemoryNetwork {
  readonly config: z.output<typeof ModuleMemoryNetworkConfigSchema>;
  readonly memory: AnyModuleMemory;
  readonly numAnswers: number;
  /** The unary and the binary function tokens, in vocabulary order (the rows of the addressing maps). */
  readonly unaryTokens: readonly string[];
  readonly binaryTokens: readonly string[];

  constructor(
    scope: ParameterScope,
    config: ModuleMemoryNetworkConfig,
    readonly vocab: ModuleNetworkVocab,
    readonly arityOf: ArityFunction = clevrArity,
  ) {
    this.config = ModuleMemoryNetworkConfigSchema.parse(config);
    const tokens = Object.entries(vocab.program_token_to_idx)
      .sort((a, b) => a[1] - b[1])
      .map(([t]) => t);
    this.unaryTokens = tokens.filter((t) => arityOf(t) === 1);
    this.binaryTokens = tokens.filter((t) => arityOf(t) === 2);
    this.numAnswers = answerCount(vocab.answer_token_to_idx);
    this.memory = createModuleMemory(scope, this.config, tokens, arityOf, this.numAnswers, {
      banks: 'byArity',
    });
  }

  get stem(): Stem {
    return this.memory.stem;
  }

  get classifier(): ModuleClassifier {
    return this.memory.classifier;
  }

  /** Prefix id rows (`<START> ... <END> <NULL>...`) to trees; errors name the sample, step and token. */
  parsePrograms(programs: ProgramIdRows): ProgramTreeNode[] {
    return parsePrefixPrograms(programs, this.vocab.program_token_to_idx, { arityOf: this.arityOf });
  }

  /** features [N, H, W, inChannels] and one program per sample (trees or prefix id rows) -> answer logits. */
  forward(
    features: tf.Tensor4D,
    programs: readonly ProgramTreeNode[] | ProgramIdRows,
    options: { capture?: boolean; training?: boolean } = {},
  ): ModuleMemoryOutput {
    const trees = isProgramTreeList(programs) ? programs : this.parsePrograms(programs as ProgramIdRows);
    let captures: NodeCapture[][] | undefined;
    const logits = tf.tidy(() => {
      const result = this.memory.execute(trees, this.stem.apply(features, options.training), options);
      captures = result.captures;
      return this.classifier.apply(result.outputs as tf.Tensor4D, options.training);
    });
    return { logits, addressing: this.addressing(trees), captures };
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

  /** Frees the memory's kept tensors (the parameters are the store's). */
  dispose(): void {
    this.memory.dispose();
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
