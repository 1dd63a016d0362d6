import { createRng, matMul, type ParameterScope, ParameterStore, type Rng, tf } from '@mmnet/core-tensors';
import {
  answerCount,
  createNetworkClassifier,
  createNetworkStem,
  defineClevrModules,
  executePrograms,
  gatherRows,
  type ModuleArity,
  type ModuleClassifier,
  ModuleNetwork,
  ModuleRegistry,
  type NodeCapture,
  type ProgramTreeNode,
  type Stem,
} from '@mmnet/module-net';
import {
  type AddressedPrograms,
  clevrTokenArity,
  type DecoderMode,
  decodeAddresses,
  type ProgramGeneratorVocab,
  type RepairedProgram,
  Seq2SeqProgramGenerator,
} from '@mmnet/program-decoders';
import { distributionMemberAddresses, FamilySelections } from '../attention-memory/member-addresses.js';
import { checkNodeWeightBudget, countWeightedNodes } from '../execution/node-weight-budget.js';
import {
  executeWithNodeWeights,
  executeWithTokenWeights,
  type NodeRef,
} from '../execution/node-weight-execution.js';
import { plannedBankReader } from '../execution/planned-bank-reader.js';
import { blockRowWidths } from '../memory/block-layout.js';
import { ModuleMemoryBank, segmentedKaimingInit } from '../memory/module-memory-bank.js';
import { type EndToEndConfig, type EndToEndConfigInput, EndToEndConfigSchema } from './config.js';

export interface EndToEndVocab extends ProgramGeneratorVocab {
  answer_token_to_idx: Record<string, number>;
}

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
 * tokens addresses a memory of module weights; the executed tree follows the chosen tokens' arities.
 *
 * `executor.modules: 'residual'` (the reference): one bank (`executor.memory.bank`, one row per function token,
 * width 4k; unary functions use the first 2k), each node running module-net's residual block with the weights
 * read by its step's address. In soft and gumbel modes the read weights are differentiable mixtures (per-node
 * kernels, perSampleConv2d); in the hard modes the address is a one-hot sample without gradient, so nodes group
 * by token and run ordinary convolutions.
 *
 * `executor.modules: 'attention'`: the banks are module-net's attention families (`executor.modules.<family>.*`,
 * member parameters stacked, one row per function token). A node runs the family of its chosen token; in soft and
 * gumbel modes it reads the mix of the family's rows weighted by its step's distribution over the family's
 * tokens (`ModuleCall.addresses`), in the hard modes its chosen token's row.
 */
export class EndToEndModuleMemoryNetwork {
  readonly config: EndToEndConfig;
  readonly generator: Seq2SeqProgramGenerator;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  readonly numAnswers: number;
  /** Program-vocabulary id of each memory row. */
  readonly rowTokenIds: number[];
  /**
   * With attention modules: the executor whose families hold the memory (`executor.modules.<family>.*`), and
   * each family's columns of the generator's distributions.
   */
  private readonly attentionMemory: { network: ModuleNetwork; selections: FamilySelections } | null;
  private readonly residualBank: ModuleMemoryBank | null;
  private readonly selection: tf.Tensor2D;

  constructor(
    scope: ParameterScope,
    config: EndToEndConfigInput,
    readonly vocab: EndToEndVocab,
  ) {
    this.config = EndToEndConfigSchema.parse(config);
    const c = this.config;
    this.generator = new Seq2SeqProgramGenerator(scope.scope('programGenerator'), c.programGenerator, vocab);
    const programs = this.generator.programs;
    this.rowTokenIds = programs.functionIds();
    const executor = scope.scope('executor');
    this.numAnswers = answerCount(vocab.answer_token_to_idx);
    if (c.executor.modules === 'iep') {
      throw new Error(
        "memory networks: modules 'iep' (clevr-iep's own blocks) is for a module network; use 'residual'",
      );
    }
    if (c.executor.sceneBlock)
      throw new Error('memory networks: sceneBlock (a learned scene block) is for a module network');
    if (c.executor.modules === 'attention') {
      const tokens = Array.from({ length: programs.size }, (_, id) => programs.token(id));
      const registry = defineClevrModules(new ModuleRegistry(), tokens, this.arityOf, 'attention', {
        countFilters: c.executor.countFilters,
      });
      const network = new ModuleNetwork(executor, c.executor, registry, this.numAnswers);
      this.stem = network.stem;
      this.classifier = network.classifier;
      const selections = new FamilySelections(network.modules, programs.size, (token) => programs.id(token));
      this.attentionMemory = { network, selections };
      this.residualBank = null;
    } else {
      this.attentionMemory = null;
      const d = c.executor.stemDim;
      const { kernel, binary } = blockRowWidths(d);
      this.stem = createNetworkStem(executor.scope('stem'), c.executor);
      this.residualBank = new ModuleMemoryBank(
        executor.scope('memory'),
        'bank',
        this.rowTokenIds.map((id) => programs.token(id)),
        binary,
        segmentedKaimingInit([
          // A unary read uses [k | k] with fan-ins 9d; a binary read [2k | k | k] with 18d, 9d, 9d.
          { width: 2 * kernel, fanIn: 18 * d },
          { width: kernel, fanIn: 9 * d },
          { width: kernel, fanIn: 9 * d },
        ]),
      );
      this.classifier = createNetworkClassifier(executor.scope('classifier'), c.executor, this.numAnswers);
    }
    const sel = new Float32Array(programs.size * this.rowTokenIds.length);
    this.rowTokenIds.forEach((id, r) => {
      sel[id * this.rowTokenIds.length + r] = 1;
    });
    this.selection = tf.keep(tf.tensor2d(sel, [programs.size, this.rowTokenIds.length]));
  }

  /** With attention modules: the executor whose families hold the memory (`executor.modules.<family>.*`). */
  get attention(): ModuleNetwork | null {
    return this.attentionMemory?.network ?? null;
  }

  /** The residual memory bank (an error with attention modules, whose banks are the families' parameters). */
  get bank(): ModuleMemoryBank {
    if (!this.residualBank)
      throw new Error(
        "PG_endtoend with attention modules has no residual bank: its memory is the attention families' parameters (executor.modules.<family>.*)",
      );
    return this.residualBank;
  }

  private readonly arityOf = (token: string): ModuleArity | null => {
    const a = clevrTokenArity(token);
    return a < 0 ? null : (a as ModuleArity);
  };

  /** Trees of the decoded programs (node steps = decoding steps; added `scene` leaves have step -1). */
  treesOf(programs: readonly RepairedProgram[]): ProgramTreeNode[] {
    const names = this.generator.programs;
    return programs.map((p) => {
      let pos = 0;
      const read = (): ProgramTreeNode => {
        const id = p.tokens[pos];
        const step = p.steps[pos++];
        const node: ProgramTreeNode = { token: names.token(id), step, inputs: [] };
        for (let k = 0; k < names.arity(id); k++) node.inputs.push(read());
        return node;
      };
      return read();
    });
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
    let rowAddresses = matMul(flat, this.selection) as tf.Tensor2D;
    if (this.config.renormalizeAddresses) {
      rowAddresses = tf.div(rowAddresses, tf.maximum(tf.sum(rowAddresses, 1, true), 1e-12)) as tf.Tensor2D;
    }
    const trees = this.treesOf(decoded.programs);
    const v = this.stem.apply(features);
    // One-hot addresses without gradient: each row runs its token's own module.
    const hard = decoded.oneHotWithoutGradient;
    const result = this.attentionMemory
      ? executePrograms(trees, v, this.attentionMemory.network.modules, {
          capture: options.capture,
          // Hard modes and greedy gumbel: one-hot addresses without gradient, each row runs its token's own member.
          memberAddresses: hard
            ? undefined
            : distributionMemberAddresses(
                flat,
                T,
                this.attentionMemory.selections,
                this.config.renormalizeAddresses,
              ),
        })
      : this.executeResidual(trees, v, decoded, rowAddresses, T, hard, options.capture);
    const logits = this.classifier.apply(result.outputs as tf.Tensor4D);
    return {
      logits,
      decoded,
      memoryAddresses: tf.reshape(rowAddresses, [batch, T, R]) as tf.Tensor3D,
      trees,
      captures: result.captures,
    };
  }

  /** Executes the trees with the residual bank (see the class comment). */
  private executeResidual(
    trees: ProgramTreeNode[],
    v: tf.Tensor4D,
    decoded: AddressedPrograms,
    rowAddresses: tf.Tensor2D,
    T: number,
    hard: boolean,
    capture: boolean | undefined,
  ): ReturnType<typeof executeWithNodeWeights> {
    const d = this.config.executor.stemDim;
    if (hard) {
      // One-hot addresses without gradient: one read per token used, grouped execution.
      const used = [...new Set(decoded.programs.flatMap((p) => p.tokens))].filter(
        (id) => this.generator.programs.arity(id) > 0,
      );
      const rows = new Map<string, tf.Tensor2D>();
      if (used.length > 0) {
        const read = this.bank.read(this.bank.oneHot(used.map((id) => this.rowTokenIds.indexOf(id))));
        const parts = used.length === 1 ? [read] : tf.split(read, used.length, 0);
        used.forEach((id, i) => rows.set(this.generator.programs.token(id), parts[i] as tf.Tensor2D));
      }
      return executeWithTokenWeights(trees, v, d, this.arityOf, rows, { capture });
    }
    const size = { height: this.config.executor.height, width: this.config.executor.width };
    checkNodeWeightBudget(countWeightedNodes(trees, this.arityOf), d, size, this.config.nodeWeightBudgetMB, {
      length: 'programGenerator.maxProgramLength / decoder.curriculum / the maxLength option',
      dim: 'executor.stemDim',
      budget: 'nodeWeightBudgetMB',
    });
    // Every executed node mixes its own weights with its step's address, only the kernels of its arity
    // (unary nodes mix 2k values, not 4k): one product per kernel for all calls of the pass.
    const addressesOf = (_arity: 1 | 2, nodes: readonly NodeRef[]) =>
      gatherRows(
        rowAddresses,
        nodes.map((n) => n.sample * T + n.step),
      );
    return executeWithNodeWeights(
      trees,
      v,
      this.arityOf,
      plannedBankReader({ unary: this.bank, binary: this.bank }, d, addressesOf),
      { capture },
    );
  }

  dispose(): void {
    this.selection.dispose();
    this.attentionMemory?.selections.dispose();
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
