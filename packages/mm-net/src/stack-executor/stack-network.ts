import {
  createRng,
  gumbelSoftmax,
  Linear,
  matMul,
  type ParameterScope,
  ParameterStore,
  type Rng,
  sampleCategorical,
  stopGradient,
  tf,
  zeros,
} from '@mmnet/core-tensors';
import {
  answerCount,
  gatherRows,
  isAnswerToken,
  type ModuleClassifier,
  type Stem,
  selectsWithinInput,
  spreadRows,
} from '@mmnet/module-net';
import type { DecoderMode, ProgramGeneratorVocab, ProgramStatus } from '@mmnet/program-decoders';
import { clevrArity, clevrTypes, END_ID, ProgramVocabulary, tokensByIndex } from '@mmnet/programs';
import { AttentionFamilyMemory } from '../attention-memory/attention-family-memory.js';
import { FamilySelections } from '../attention-memory/member-addresses.js';
import {
  parseStackEndToEndConfig,
  type StackEndToEndConfig,
  type StackEndToEndConfigInput,
} from './config.js';
import {
  type ControllerStep,
  type EncodedQuestions,
  LayoutController,
  QuestionEncoder,
} from './controller.js';
import { FusedAnswers } from './fused-answers.js';
import { type Film, FusedSelection } from './fused-selection.js';
import { mostLikelyLayouts } from './layout.js';
import {
  flushTiny,
  mixedWrite,
  pointerShifts,
  readAt,
  type SoftStack,
  type StackEntry,
  sceneStack,
  sharpenPointer,
  shiftPointer,
  type TokenKinds,
  tokenValidity,
  validAddress,
} from './soft-stack.js';

export interface StackEndToEndVocab extends ProgramGeneratorVocab {
  answer_token_to_idx: Record<string, number>;
}

export interface StackForwardOptions {
  /** Decoder mode (default: the config's). */
  mode?: DecoderMode;
  /** Controller steps (default: the config's `stack.steps`; a curriculum passes fewer). */
  steps?: number;
  /** Seeded generator for gumbel noise and hard samples. */
  rng?: Rng;
  gumbelTemperature?: number;
  sampleTemperature?: number;
  /** Gumbel and hard modes: the most likely whole program (`mostLikelyLayouts`), one-hot, no noise or sampling. */
  greedy?: boolean;
  /**
   * Fixed one-hot layouts [N][steps] of token ids (`stack.givenLayouts`, tests, inspection): a row's own layout
   * replaces the controller's choice; a null row (no program, or one longer than the steps) keeps it.
   */
  layout?: readonly (readonly number[] | null)[];
  /** A training pass: the stem's and classifier's batch norms, if any, use the batch's statistics. */
  training?: boolean;
}

/** What the stack executor did at every step, for reports and layout agreement. */
export interface StackTrace {
  /** The address over the program vocabulary at every step [N, T, V] (the no-op is `<END>`). */
  addresses: tf.Tensor3D;
  /** The attention each step wrote (its families' outputs mixed by their shares) [N, T, H, W]. */
  attentions: tf.Tensor4D;
  /** The controller's attention over the question words at every step [N, T, L]. */
  wordAttentions: tf.Tensor3D;
  /**
   * Every step's token, row-major [N * T]: the most likely whole program (greedy, and soft in evaluation), each
   * step's argmax (soft in training), sampled (hard) or chosen (gumbel).
   */
  tokens: Int32Array;
}

export interface StackEndToEndOutput {
  /** [N, numAnswers]. */
  logits: tf.Tensor2D;
  /** Scores over the program vocabulary at every step [N, T, V] (weak supervision's cross-entropy). */
  stepLogits: tf.Tensor3D;
  trace: StackTrace;
  /** REINFORCE terms in the shape `endToEndObjective` reads: log p and entropy of every step, all steps live. */
  decoded: {
    logProbs: tf.Tensor2D;
    entropy: tf.Tensor2D;
    decodedMask: tf.Tensor2D;
    programs: { status: ProgramStatus }[];
  };
  /** The address over the memory rows (function tokens) at every step [N, T, rows]. */
  memoryAddresses: tf.Tensor3D;
  /** The address over the layout tokens (`layoutTokenIds`: scene, functions, the no-op) [N, T, K], for heatmaps. */
  layoutAddresses: tf.Tensor3D;
}

/**
 * Families read as one bank: their fused parameters, [V, members] over all their members, and [V, 1] columns of
 * unary and binary tokens.
 */
interface FamilyBank<Fused> {
  fused: Fused;
  selection: tf.Tensor2D;
  unary: tf.Tensor2D;
  binary: tf.Tensor2D;
}

/**
 * PG_endtoend with a differentiable layout (Stack-NMN over the module memory): a controller attends over the
 * question's words for T steps and gives each step a distribution over the program vocabulary; that distribution
 * is the address into the attention memory. At a step every family of the memory runs once on the whole batch
 * with its members' parameters mixed by the address (renormalised over the family's tokens), on inputs popped from
 * a differentiable stack of (attention, code) entries (one pop for unary families, two for binary ones); the
 * family outputs are pushed back mixed by the families' shares of the address (`scene` pushes the whole scene,
 * `<END>` is the no-op). The classifier reads the top of the stack after the last step, or with `stack.answerMemory`
 * the answering families' codes as the steps wrote them; with `stack.questionAnswer`, scores from the encoded
 * question are added, as Stack-NMN's output unit reads it. No discrete choice: the answer loss reaches the
 * controller, the question encoder and every memory row with a nonzero address. With one-hot addresses following a
 * program's postfix order it computes exactly what the tree executor computes.
 */
export class StackEndToEndNetwork {
  readonly config: StackEndToEndConfig;
  readonly controller: LayoutController;
  /** The attention memory (`executor.*`): its families' member parameters, read here by fused banks. */
  readonly memory: AttentionFamilyMemory;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  readonly programs: ProgramVocabulary;
  readonly numAnswers: number;
  /** Program-vocabulary id of each memory row (the function tokens). */
  readonly rowTokenIds: number[];
  /** The tokens a step can choose: `scene`, the function tokens and `<END>` (the no-op), in vocabulary order. */
  readonly layoutTokenIds: number[];
  private readonly layoutSelection: tf.Tensor2D;
  /** The answering families, read as one bank (one call per step). */
  private readonly answering: FamilyBank<FusedAnswers> | null;
  /** The selecting families, read as one bank (one call per step), and the [V, 1] column of within-input tokens. */
  private readonly selecting: (FamilyBank<FusedSelection> & { within: tf.Tensor2D }) | null;
  private readonly selections: FamilySelections;
  private readonly sceneColumn: tf.Tensor2D;
  /** `stack.validity`: the token columns of each kind of module. */
  private readonly tokenKinds: TokenKinds | null;
  private readonly rowSelection: tf.Tensor2D;
  private readonly shifts: { up: tf.Tensor2D; down: tf.Tensor2D };
  /** `stack.questionAnswer`: answer scores from the encoded question, added to the classifier's. */
  private readonly questionAnswer: Linear | null;
  /** `stack.reader`: the executor's own question encoder. */
  private readonly reader: QuestionEncoder | null;
  /** `stack.control`: the control vector -> FiLM (gamma, beta) of the selecting and the answering families. */
  private readonly control: { select: Linear; answer: Linear } | null;

  constructor(
    scope: ParameterScope,
    config: StackEndToEndConfigInput,
    readonly vocab: StackEndToEndVocab,
  ) {
    this.config = parseStackEndToEndConfig(config);
    const c = this.config;
    this.programs = new ProgramVocabulary(vocab.program_token_to_idx);
    const V = this.programs.size;
    if (c.executor.moduleBatchNorm)
      throw new Error(
        "PG_endtoend stack: moduleBatchNorm (clevr-iep's blocks' batch norms) is for a module network",
      );
    if (this.programs.token(END_ID) !== '<END>')
      throw new Error(`PG_endtoend stack: program token ${END_ID} must be <END> (the no-op)`);
    const g = c.programGenerator;
    const encoderSizes = {
      questionVocabSize: tokensByIndex(vocab.question_token_to_idx, 'question vocabulary').length,
      wordvecDim: g.encoderWordvecDim,
      hiddenDim: g.hiddenDim,
      numLayers: g.numLayers,
      cell: g.cell,
    };
    this.controller = new LayoutController(scope.scope('programGenerator'), {
      ...encoderSizes,
      programVocabSize: V,
      steps: c.stack.steps,
      dropout: c.stack.controllerDropout,
      noOpBias: c.stack.noOpBias,
    });
    this.numAnswers = answerCount(vocab.answer_token_to_idx);
    const tokens = Array.from({ length: V }, (_, id) => this.programs.token(id));
    this.memory = new AttentionFamilyMemory(
      scope.scope('executor'),
      c.executor,
      tokens,
      clevrArity,
      this.numAnswers,
    );
    this.stem = this.memory.stem;
    this.classifier = this.memory.classifier;
    this.rowTokenIds = this.programs.functionIds();
    this.selections = new FamilySelections(this.memory.families, V, (token) => this.programs.id(token));
    const answering: { name: string; arity: 1 | 2; selection: tf.Tensor2D }[] = [];
    const selecting: { name: string; arity: 1 | 2; withinInput: boolean; selection: tf.Tensor2D }[] = [];
    for (const { name, arity, members } of this.memory.families) {
      const selection = this.selections.of(name);
      if (!isAnswerToken(members[0])) {
        selecting.push({
          name,
          arity,
          withinInput: arity === 1 && selectsWithinInput(members[0]),
          selection,
        });
        continue;
      }
      answering.push({ name, arity, selection });
    }
    const column = <F extends { arity: 1 | 2; selection: tf.Tensor2D }>(list: F[], keep: (f: F) => boolean) =>
      tf.keep(
        tf.tidy(() =>
          list
            .map((f) => tf.mul(tf.sum(f.selection, 1, true), keep(f) ? 1 : 0))
            .reduce((x, y) => tf.add(x, y)),
        ) as tf.Tensor2D,
      );
    const bank = <F extends { arity: 1 | 2; selection: tf.Tensor2D }, B>(
      list: F[],
      fused: B,
    ): FamilyBank<B> => ({
      fused,
      selection: tf.keep(
        tf.concat(
          list.map((f) => f.selection),
          1,
        ) as tf.Tensor2D,
      ),
      unary: column(list, (f) => f.arity === 1),
      binary: column(list, (f) => f.arity === 2),
    });
    const modulesScope = scope.scope('executor').scope('modules');
    this.answering =
      answering.length === 0
        ? null
        : bank(answering, new FusedAnswers(modulesScope, answering, c.executor.stemDim));
    this.selecting =
      selecting.length === 0
        ? null
        : {
            ...bank(selecting, new FusedSelection(modulesScope, selecting, c.executor.stemDim)),
            within: column(selecting, (f) => f.withinInput),
          };
    if (c.stack.tiedInit) {
      const variables = [
        ...(this.selecting?.fused.memberVariables() ?? []),
        ...(this.answering?.fused.memberVariables() ?? []),
      ];
      for (const v of variables)
        tf.tidy(() => {
          const first = tf.slice(v, 0, 1);
          v.assign(tf.tile(first, [v.shape[0], ...v.shape.slice(1).map(() => 1)]));
        });
    }
    const none = () => tf.keep(tf.zeros([V, 1])) as tf.Tensor2D;
    this.tokenKinds = c.stack.validity
      ? {
          selectingUnary: this.selecting?.unary ?? none(),
          selectingBinary: this.selecting?.binary ?? none(),
          answeringUnary: this.answering?.unary ?? none(),
          answeringBinary: this.answering?.binary ?? none(),
        }
      : null;
    const scene = new Float32Array(V);
    scene[this.programs.sceneId] = 1;
    this.sceneColumn = tf.keep(tf.tensor2d(scene, [V, 1]));
    const R = this.rowTokenIds.length;
    const rows = new Float32Array(V * R);
    this.rowTokenIds.forEach((id, r) => {
      rows[id * R + r] = 1;
    });
    this.rowSelection = tf.keep(tf.tensor2d(rows, [V, R]));
    this.layoutTokenIds = tokens
      .map((_, id) => id)
      .filter((id) => id === END_ID || this.programs.arity(id) !== null);
    const K = this.layoutTokenIds.length;
    const layoutColumns = new Float32Array(V * K);
    this.layoutTokenIds.forEach((id, k) => {
      layoutColumns[id * K + k] = 1;
    });
    this.layoutSelection = tf.keep(tf.tensor2d(layoutColumns, [V, K]));
    this.shifts = pointerShifts(c.stack.depth);
    this.questionAnswer = c.stack.questionAnswer
      ? new Linear(scope.scope('executor.questionAnswer'), g.hiddenDim, this.numAnswers)
      : null;
    // Zero at the start: every module computes what it computes without the control vector until it learns to.
    const film = (name: string) =>
      new Linear(scope.scope(`executor.control.${name}`), g.hiddenDim, 2 * c.executor.stemDim, {
        init: zeros,
        biasInit: zeros,
      });
    this.control = c.stack.control ? { select: film('select'), answer: film('answer') } : null;
    // Created last, so that the other parameters start as they do without it (same seed).
    this.reader = c.stack.reader ? new QuestionEncoder(scope.scope('executor.reader'), encoderSizes) : null;
  }

  /** The controller's parameters (`programGenerator.*`) and the executor's (`executor.*`). */
  parameterGroups(store: ParameterStore): { programGenerator: tf.Variable[]; executor: tf.Variable[] } {
    return { programGenerator: store.variables('programGenerator'), executor: store.variables('executor') };
  }

  /**
   * The controller alone (it does not read the stack): every step's scores over the program vocabulary [N, T, V],
   * for the weak supervision of the addresses. Given a learning pass's seeded generator, it applies
   * `stack.controllerDropout`. No tidy of its own.
   */
  layoutLogits(questions: tf.Tensor2D, steps = this.config.stack.steps, rng?: Rng): tf.Tensor3D {
    const controllerSteps = this.controllerSteps(this.controller.encode(questions, rng), steps);
    return tf.stack(
      controllerSteps.map((step) => step.logits),
      1,
    ) as tf.Tensor3D;
  }

  /** The controller's steps 0..steps-1, each from the previous one's control vector (it does not read the stack). */
  private controllerSteps(encoded: EncodedQuestions, steps: number): ControllerStep[] {
    let control = this.controller.initialControl(encoded.mask.shape[0]);
    return Array.from({ length: steps }, (_, t) => {
      const step = this.controller.step(t, encoded, control);
      control = step.control;
      return step;
    });
  }

  /**
   * questions [N, L] int32, features [N, H, W, inChannels] -> answer logits and the trace of every step.
   * Differentiable end to end in soft and gumbel modes. No tidy of its own: call it in a tidy or gradient.
   */
  forward(
    features: tf.Tensor4D,
    questions: tf.Tensor2D,
    options: StackForwardOptions = {},
  ): StackEndToEndOutput {
    const mode = options.mode ?? this.config.decoder.mode;
    const T = options.steps ?? this.config.stack.steps;
    if (!(Number.isInteger(T) && T >= 1 && T <= this.config.stack.steps))
      throw new Error(
        `PG_endtoend stack: steps must be 1..stack.steps (${this.config.stack.steps}), got ${T}`,
      );
    const greedy = mode !== 'soft' && options.greedy === true;
    const fixed = options.layout;
    const allFixed = fixed?.every((row) => row !== null) === true;
    if (mode !== 'soft' && !greedy && !allFixed && !options.rng)
      throw new Error(`PG_endtoend stack: mode '${mode}' needs a seeded rng`);
    const [n, h, w] = [features.shape[0], this.config.executor.height, this.config.executor.width];
    if (questions.shape[0] !== n)
      throw new Error(`PG_endtoend stack: ${questions.shape[0]} questions for ${n} feature maps`);
    if (fixed && (fixed.length !== n || fixed.some((row) => row !== null && row.length !== T)))
      throw new Error(`PG_endtoend stack: a layout needs ${n} rows (null or ${T} token ids)`);
    // 1 for the rows whose layout is given, [N, 1] (only when some rows are and some are not).
    const fixedRows =
      fixed && !allFixed
        ? tf.tensor2d(
            fixed.map((row) => (row ? 1 : 0)),
            [n, 1],
          )
        : null;
    const V = this.programs.size;
    const F = this.stem.apply(features, options.training);
    const d = F.shape[3];
    const cells = h * w;
    const encoded = this.controller.encode(questions);
    // What the executor reads of the question: the controller's encoding, or the reader's.
    const read = this.reader?.encode(questions) ?? encoded;
    let stack: SoftStack = sceneStack(n, this.config.stack.depth, cells, d);
    // `stack.answerMemory`: the answering families' codes, each step's written by their share of its address.
    let answerMemory = this.config.stack.answerMemory ? (tf.zeros([n, d]) as tf.Tensor2D) : null;
    // `stack.validity` masks the soft addresses the controller gives, and the scores that hard and gumbel layouts are
    // drawn from (given layouts and the greedy search's are well-typed).
    const validity = this.config.stack.validity && !allFixed && !greedy;
    const addresses: tf.Tensor2D[] = [];
    const stepLogits: tf.Tensor2D[] = [];
    const attentions: tf.Tensor2D[] = [];
    const wordAttentions: tf.Tensor2D[] = [];
    const logProbs: tf.Tensor1D[] = [];
    const entropies: tf.Tensor1D[] = [];
    const tokens = new Int32Array(n * T);
    const mapOf = (e: StackEntry): tf.Tensor4D =>
      tf.add(
        tf.mul(F, tf.reshape(e.attention, [n, h, w, 1])),
        tf.reshape(e.code, [n, 1, 1, d]),
      ) as tf.Tensor4D;
    // The control vector's scale and shift of a family's hidden layer, for the rows of `controls`.
    const filmOf = (layer: Linear | undefined, controls: tf.Tensor2D): Film | null => {
      if (!layer) return null;
      const both = layer.apply(controls);
      const rows = controls.shape[0];
      return {
        gamma: tf.slice(both, [0, 0], [rows, d]) as tf.Tensor2D,
        beta: tf.slice(both, [0, d], [rows, d]) as tf.Tensor2D,
      };
    };
    // The controller's steps run first: the most likely whole program needs all their scores.
    const controllerSteps = this.controllerSteps(encoded, T);
    const logSofts = controllerSteps.map((step) => tf.logSoftmax(step.logits) as tf.Tensor2D);
    // The most likely whole program where it runs (greedy) or is reported (evaluation); soft training needs none.
    const likely =
      !allFixed && (greedy || (mode === 'soft' && !options.training))
        ? mostLikelyLayouts(tf.stack(logSofts, 1).dataSync(), n, T, this.programs, {
            depth: this.config.stack.depth,
            types: clevrTypes,
          })
        : null;
    for (let t = 0; t < T; t++) {
      const step = controllerSteps[t];
      // The modules' control vector: the controller's, or the reader's words under the controller's attention.
      const moduleControl =
        this.reader && this.control
          ? (tf.reshape(matMul(tf.reshape(step.wordAttention, [n, 1, -1]), read.words), [
              n,
              -1,
            ]) as tf.Tensor2D)
          : step.control;
      stepLogits.push(step.logits);
      wordAttentions.push(step.wordAttention);
      // A drawn token is one the stack can run: its scores without the invalid tokens (no gradient through the mask).
      const scores =
        validity && mode !== 'soft'
          ? (tf.where(
              tf.greater(tokenValidity(stack, this.tokenKinds!, this.shifts.down), 0.5),
              step.logits,
              tf.fill(step.logits.shape, -1e9),
            ) as tf.Tensor2D)
          : step.logits;
      const logSoft = scores === step.logits ? logSofts[t] : (tf.logSoftmax(scores) as tf.Tensor2D);
      const probs = flushTiny(tf.exp(logSoft) as tf.Tensor2D);
      entropies.push(tf.neg(tf.sum(tf.mul(probs, logSoft), 1)) as tf.Tensor1D);
      let address: tf.Tensor2D;
      let chosen: Int32Array;
      let noGradient = false;
      if (allFixed) {
        chosen = Int32Array.from(fixed!, (row) => row![t]);
        address = oneHotRows(chosen, V);
        noGradient = true;
      } else if (mode === 'soft' || greedy) {
        chosen = likely
          ? Int32Array.from({ length: n }, (_, i) => likely[i * T + t])
          : rowArgMax(step.logits);
        address = mode === 'soft' ? probs : (stopGradient(oneHotRows(chosen, V)) as tf.Tensor2D);
        noGradient = mode !== 'soft';
      } else if (mode === 'gumbel') {
        address = gumbelSoftmax(scores, {
          temperature: options.gumbelTemperature ?? 1,
          hard: true,
          rng: options.rng!,
        }) as tf.Tensor2D;
        chosen = rowArgMax(address);
      } else {
        const sample = sampleCategorical(scores, options.rng!, options.sampleTemperature ?? 1);
        chosen = sample.samples.dataSync() as Int32Array;
        address = stopGradient(oneHotRows(chosen, V)) as tf.Tensor2D;
        noGradient = true;
      }
      if (validity && mode === 'soft')
        address = validAddress(address, stack, this.tokenKinds!, this.shifts.down);
      if (fixedRows) {
        chosen = chosen.map((id, i) => fixed![i]?.[t] ?? id);
        const given = oneHotRows(chosen, V);
        address = tf.add(tf.mul(fixedRows, given), tf.mul(tf.sub(1, fixedRows), address)) as tf.Tensor2D;
      }
      chosen.forEach((id, i) => {
        tokens[i * T + t] = id;
      });
      logProbs.push(tf.sum(tf.mul(oneHotRows(chosen, V), logSoft), 1) as tf.Tensor1D);
      addresses.push(address);

      // Pops: the top (a unary family's input, a binary family's second) and the entry below it.
      const p = stack.pointer;
      const below = shiftPointer(p, this.shifts.down);
      const top1 = readAt(stack, p);
      const top2 = readAt(stack, below);
      const x1 = mapOf(top1);
      const x2 = mapOf(top2);
      const shareOf = (column: tf.Tensor2D) => tf.reshape(matMul(address, column), [n]) as tf.Tensor1D;
      // Without a gradient through the address (one-hot), a family runs only on the rows that chose one of its
      // tokens (the others' shares are 0) and is skipped when none did; null: every row.
      const familyRows = (member: (id: number) => boolean): number[] | null => {
        if (!noGradient) return null;
        const rows = [...chosen.keys()].filter((i) => member(chosen[i]));
        return rows.length === n ? null : rows;
      };
      const picker =
        (rows: number[] | null) =>
        <T extends tf.Tensor>(x: T): T =>
          rows ? gatherRows(x, rows) : x;
      const spread = <T extends tf.Tensor>(x: T, rows: number[] | null): T =>
        rows ? spreadRows(x, rows, n) : x;
      const writes: { pointer: tf.Tensor2D; weight: tf.Tensor1D; entry: StackEntry }[] = [];
      const sceneShare = shareOf(this.sceneColumn);
      const up = shiftPointer(p, this.shifts.up);
      writes.push({
        pointer: up,
        weight: sceneShare,
        entry: { attention: tf.ones([n, cells]), code: tf.zeros([n, d]) },
      });
      let pointer = tf.mul(up, tf.reshape(sceneShare, [n, 1])) as tf.Tensor2D;
      // A family's output: a unary member pops one and pushes one (writes where the top was), a binary one pops two
      // and writes below the top; each with its share of the address.
      const pushFamily = (unary: tf.Tensor1D, binary: tf.Tensor1D, entry: StackEntry) => {
        writes.push({ pointer: p, weight: unary, entry }, { pointer: below, weight: binary, entry });
        pointer = tf.add(
          pointer,
          tf.add(tf.mul(p, tf.reshape(unary, [n, 1])), tf.mul(below, tf.reshape(binary, [n, 1]))),
        ) as tf.Tensor2D;
      };
      let written: tf.Tensor2D = tf.mul(tf.reshape(sceneShare, [n, 1]), tf.ones([n, cells])) as tf.Tensor2D;
      if (this.selecting) {
        const sel = this.selecting;
        const unary = shareOf(sel.unary);
        const binary = shareOf(sel.binary);
        const total = tf.reshape(tf.maximum(tf.add(unary, binary), 1e-12), [n, 1]);
        const rows = familyRows((id) => this.isSelecting(id));
        if (rows?.length !== 0) {
          const memberAddress = tf.div(matMul(address, sel.selection), total) as tf.Tensor2D;
          const within = tf.div(matMul(address, sel.within), total) as tf.Tensor2D;
          const pick = picker(rows);
          const attention = spread(
            sel.fused.apply(
              pick(x1),
              pick(x2),
              pick(F),
              pick(memberAddress),
              pick(within),
              filmOf(this.control?.select, pick(moduleControl)),
            ),
            rows,
          );
          const entry: StackEntry = { attention, code: tf.zeros([n, d]) };
          pushFamily(unary, binary, entry);
          written = tf.add(
            written,
            tf.mul(tf.reshape(tf.add(unary, binary), [n, 1]), attention),
          ) as tf.Tensor2D;
        }
      }
      if (this.answering) {
        const ans = this.answering;
        const rows = familyRows((id) => this.isAnswering(id));
        if (rows?.length !== 0) {
          const unary = shareOf(ans.unary);
          const binary = shareOf(ans.binary);
          const total = tf.reshape(tf.maximum(tf.add(unary, binary), 1e-12), [n, 1]);
          const memberAddress = tf.div(matMul(address, ans.selection), total) as tf.Tensor2D;
          const pick = picker(rows);
          const pickEntry = (e: StackEntry): StackEntry => ({
            attention: pick(e.attention),
            code: pick(e.code),
          });
          const code = spread(
            ans.fused.apply(
              pickEntry(top1),
              pickEntry(top2),
              pick(F),
              pick(memberAddress),
              filmOf(this.control?.answer, pick(moduleControl)),
            ),
            rows,
          );
          const entry: StackEntry = { attention: tf.zeros([n, cells]), code, answer: tf.ones([n]) };
          pushFamily(unary, binary, entry);
          if (answerMemory) {
            const share = tf.reshape(tf.add(unary, binary), [n, 1]);
            answerMemory = tf.add(answerMemory, tf.mul(share, tf.sub(code, answerMemory))) as tf.Tensor2D;
          }
        }
      }
      const noop = tf.reshape(tf.slice(address, [0, END_ID], [n, 1]), [n, 1]);
      pointer = tf.add(pointer, tf.mul(p, noop)) as tf.Tensor2D;
      attentions.push(written);
      stack = mixedWrite(
        stack,
        writes,
        this.config.stack.hardPointer ? sharpenPointer(pointer) : flushTiny(pointer),
      );
    }
    // What the classifier reads: the answer memory, or the stack's top.
    const answered = answerMemory
      ? { attention: tf.zeros([n, cells]) as tf.Tensor2D, code: answerMemory }
      : readAt(stack, stack.pointer);
    let logits = this.classifier.apply(mapOf(answered), options.training);
    if (this.questionAnswer) logits = tf.add(logits, this.questionAnswer.apply(read.question)) as tf.Tensor2D;
    const stacked = tf.stack(addresses, 1) as tf.Tensor3D;
    const R = this.rowTokenIds.length;
    const rowAddresses = tf.reshape(matMul(tf.reshape(stacked, [n * T, V]), this.rowSelection), [
      n,
      T,
      R,
    ]) as tf.Tensor3D;
    return {
      logits,
      stepLogits: tf.stack(stepLogits, 1) as tf.Tensor3D,
      trace: {
        addresses: stacked,
        attentions: tf.reshape(tf.stack(attentions, 1), [n, T, h, w]) as tf.Tensor4D,
        wordAttentions: tf.stack(wordAttentions, 1) as tf.Tensor3D,
        tokens,
      },
      decoded: {
        logProbs: tf.stack(logProbs, 1) as tf.Tensor2D,
        entropy: tf.stack(entropies, 1) as tf.Tensor2D,
        decodedMask: tf.ones([n, T]) as tf.Tensor2D,
        programs: Array.from({ length: n }, () => ({ status: 'valid' as ProgramStatus })),
      },
      memoryAddresses: rowAddresses,
      layoutAddresses: tf.reshape(matMul(tf.reshape(stacked, [n * T, V]), this.layoutSelection), [
        n,
        T,
        this.layoutTokenIds.length,
      ]) as tf.Tensor3D,
    };
  }

  private isSelecting(id: number): boolean {
    const token = this.programs.token(id);
    return (this.programs.arity(id) ?? 0) > 0 && !isAnswerToken(token);
  }

  private isAnswering(id: number): boolean {
    return (this.programs.arity(id) ?? 0) > 0 && isAnswerToken(this.programs.token(id));
  }

  dispose(): void {
    for (const bank of [this.answering, this.selecting])
      if (bank) for (const t of [bank.selection, bank.unary, bank.binary]) t.dispose();
    this.selecting?.within.dispose();
    this.selections.dispose();
    this.memory.dispose();
    this.sceneColumn.dispose();
    // The kinds share the banks' columns; disposing a tensor twice is a no-op.
    for (const column of Object.values(this.tokenKinds ?? {})) column.dispose();
    this.rowSelection.dispose();
    this.layoutSelection.dispose();
    this.shifts.up.dispose();
    this.shifts.down.dispose();
    this.controller.dispose();
  }
}

/** One-hot rows [N, V] of ids. */
function oneHotRows(ids: Int32Array, V: number): tf.Tensor2D {
  const values = new Float32Array(ids.length * V);
  ids.forEach((id, i) => {
    values[i * V + id] = 1;
  });
  return tf.tensor2d(values, [ids.length, V]);
}

/** Each row's argmax of [N, V]. */
function rowArgMax(x: tf.Tensor2D): Int32Array {
  const [n, V] = x.shape;
  const v = x.dataSync();
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < V; j++) if (v[i * V + j] > v[i * V + best]) best = j;
    return best;
  });
}

/** `createStackEndToEndNetwork(config, vocab)`: the model and its seeded parameter store. */
export function createStackEndToEndNetwork(
  config: StackEndToEndConfigInput,
  vocab: StackEndToEndVocab,
): { model: StackEndToEndNetwork; store: ParameterStore } {
  const parsed = parseStackEndToEndConfig(config);
  const store = new ParameterStore(createRng(parsed.seed));
  return { model: new StackEndToEndNetwork(store, parsed, vocab), store };
}
