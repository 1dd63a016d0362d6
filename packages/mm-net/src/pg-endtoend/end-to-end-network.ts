import { createRng, matMul, type ParameterScope, ParameterStore, type Rng, tf } from '@mmnet/core-tensors';
import { answerCount, type ModuleClassifier, type NodeCapture, type Stem } from '@mmnet/module-net';
import {
  type AddressedPrograms,
  type DecoderMode,
  decodeAddresses,
  type RepairedProgram,
  Seq2SeqProgramGenerator,
} from '@mmnet/program-decoders';
import {
  type ArityFunction,
  clevrArity,
  type ProgramTreeNode,
  prefixToTree,
  type Vocab,
} from '@mmnet/programs';
import { type AnyModuleMemory, createModuleMemory } from '../memory/create-module-memory.js';
import { type EndToEndConfig, type EndToEndConfigInput, EndToEndConfigSchema } from './config.js';

export type EndToEndVocab = Vocab;

export interface EndToEndForwardOptions {
  /** Decoder mode (default: the config's). */
  mode?: DecoderMode;
  /** Longest program (default: the generator's maxProgramLength). */
  maxLength?: number;
  /** Seeded generator for gumbel noise and hard samples. */
  rng?: Rng;
  gumbelTemperature?: number;
  sampleTemperature?: number;
  /**
   * Gumbel and hard modes: execute the generator's most likely program (no noise, no sampling), e.g. for
   * evaluation or while only the executor trains (see `decodeAddresses`).
   */
  greedy?: boolean;
  capture?: boolean;
  /** A training pass: the stem's and classifier's batch norms, if any, use the batch's statistics. */
  training?: boolean;
}

export interface EndToEndOutput {
  /** [N, numAnswers]. */
  logits: tf.Tensor2D;
  /** The generator's decisions: per-step addresses over the program vocabulary, tokens, log-probs, programs. */
  decoded: AddressedPrograms;
  /** The address into the memory rows at every decoding step [N, T, rows] (for heatmaps). */
  memoryAddresses: tf.Tensor3D;
  /** The executed trees (tokens from the decoder, repaired when needed). */
  trees: ProgramTreeNode[];
  captures?: NodeCapture[][];
}

/**
 * PG_endtoend: a seq2seq program generator (`programGenerator.*`) whose per-step distribution over program
 * tokens addresses a memory of module weights (`memory`, the kind `executor.modules` names); the executed tree
 * follows the chosen tokens' arities. In soft and gumbel modes every node reads the mix of memory rows its step's
 * distribution gives (differentiable, so the answer loss reaches the generator); in the hard modes the address is
 * a one-hot sample without gradient and every node runs its chosen token's module.
 *
 * `executor.modules: 'residual'` (the reference): one bank (`executor.memory.bank`, one row per function token,
 * width 4k; unary functions use the first 2k) run through module-net's residual blocks, a mix per node in soft and
 * gumbel modes (per-node kernels, under `nodeWeightBudgetMB`). `executor.modules: 'attention'`: module-net's
 * attention families (`executor.modules.<family>.*`, member parameters stacked, one row per function token); a
 * node runs the family of its chosen token, mixing the family's rows by its step's distribution over them.
 */
export class EndToEndModuleMemoryNetwork {
  readonly config: EndToEndConfig;
  readonly generator: Seq2SeqProgramGenerator;
  readonly memory: AnyModuleMemory;
  readonly numAnswers: number;
  /** Program-vocabulary id of each memory row. */
  readonly rowTokenIds: number[];
  /** [vocabulary, rows]: a distribution over the program vocabulary -> its mass at the memory rows. */
  private readonly selection: tf.Tensor2D;
  private readonly arityOf: ArityFunction = clevrArity;

  constructor(
    scope: ParameterScope,
    config: EndToEndConfigInput,
    readonly vocab: EndToEndVocab,
  ) {
    this.config = EndToEndConfigSchema.parse(config);
    const c = this.config;
    this.generator = new Seq2SeqProgramGenerator(scope.scope('programGenerator'), c.programGenerator, vocab);
    const programs = this.generator.programs;
    this.numAnswers = answerCount(vocab.answer_token_to_idx);
    const tokens = Array.from({ length: programs.size }, (_, id) => programs.token(id));
    this.memory = createModuleMemory(
      scope.scope('executor'),
      c.executor,
      tokens,
      this.arityOf,
      this.numAnswers,
      {
        banks: 'shared',
        nodeWeightBudget: {
          megabytes: c.nodeWeightBudgetMB,
          fields: {
            length: 'programGenerator.maxProgramLength / decoder.curriculum / the maxLength option',
            dim: 'executor.stemDim',
            budget: 'nodeWeightBudgetMB',
          },
        },
      },
    );
    this.rowTokenIds = this.memory.rowTokens.map((t) => programs.id(t));
    const R = this.rowTokenIds.length;
    const sel = new Float32Array(programs.size * R);
    this.rowTokenIds.forEach((id, r) => {
      sel[id * R + r] = 1;
    });
    this.selection = tf.keep(tf.tensor2d(sel, [programs.size, R]));
  }

  get stem(): Stem {
    return this.memory.stem;
  }

  get classifier(): ModuleClassifier {
    return this.memory.classifier;
  }

  /** Trees of the decoded programs (node steps = decoding steps; added `scene` leaves have step -1). */
  treesOf(programs: readonly RepairedProgram[]): ProgramTreeNode[] {
    const names = this.generator.programs;
    return programs.map((p) =>
      prefixToTree(
        p.tokens.map((id) => names.token(id)),
        { arityOf: this.arityOf, steps: p.steps },
      ),
    );
  }

  /** The program generator's parameters and the executor's, for separate optimisers. */
  parameterGroups(store: ParameterStore): { programGenerator: tf.Variable[]; executor: tf.Variable[] } {
    return { programGenerator: store.variables('programGenerator'), executor: store.variables('executor') };
  }

  /**
   * questions [N, T] (int32) and features [N, H, W, inChannels] -> answer logits, with the decoder's
   * addresses. Differentiable end to end in soft and gumbel modes. It makes no tidy of its own (the
   * returned tensors feed a loss): call it inside tf.tidy or a gradient function.
   */
  forward(
    features: tf.Tensor4D,
    questions: tf.Tensor2D,
    options: EndToEndForwardOptions = {},
  ): EndToEndOutput {
    const mode = options.mode ?? this.config.decoder.mode;
    const decoded = decodeAddresses(this.generator, questions, {
      mode,
      maxLength: options.maxLength ?? this.generator.config.maxProgramLength,
      rng: options.rng,
      gumbelTemperature: options.gumbelTemperature,
      sampleTemperature: options.sampleTemperature,
      greedy: options.greedy,
    });
    const batch = questions.shape[0];
    const T = decoded.steps;
    const R = this.rowTokenIds.length;
    const flat = tf.reshape(decoded.addresses, [batch * T, this.generator.programs.size]) as tf.Tensor2D;
    const stepAddresses = matMul(flat, this.selection) as tf.Tensor2D;
    const renormalize = this.config.renormalizeAddresses;
    const rowAddresses = renormalize
      ? (tf.div(stepAddresses, tf.maximum(tf.sum(stepAddresses, 1, true), 1e-12)) as tf.Tensor2D)
      : stepAddresses;
    const trees = this.treesOf(decoded.programs);
    const v = this.stem.apply(features, options.training);
    const capture = { capture: options.capture };
    // Hard modes and greedy gumbel: one-hot addresses without gradient, each node runs its token's own module.
    const result = decoded.oneHotWithoutGradient
      ? this.memory.executeChosen(trees, v, capture)
      : this.memory.executeMixed(trees, v, { addresses: stepAddresses, steps: T, renormalize }, capture);
    const logits = this.classifier.apply(result.outputs as tf.Tensor4D, options.training);
    return {
      logits,
      decoded,
      memoryAddresses: tf.reshape(rowAddresses, [batch, T, R]) as tf.Tensor3D,
      trees,
      captures: result.captures,
    };
  }

  dispose(): void {
    this.selection.dispose();
    this.memory.dispose();
    this.generator.dispose();
  }
}

/** `createEndToEndNetwork(config, vocab)`: the model and its seeded parameter store. */
export function createEndToEndNetwork(
  config: EndToEndConfigInput,
  vocab: EndToEndVocab,
): { model: EndToEndModuleMemoryNetwork; store: ParameterStore } {
  const parsed = EndToEndConfigSchema.parse(config);
  const store = new ParameterStore(createRng(parsed.seed));
  return { model: new EndToEndModuleMemoryNetwork(store, parsed, vocab), store };
}
