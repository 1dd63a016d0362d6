import { ModuleNetworkConfigSchema } from '@mmnet/module-net';
import { LearningDecoderConfigSchema, Seq2SeqConfigSchema } from '@mmnet/program-decoders';
import { z } from 'zod';

/** The stack executor's own sizes. */
export const StackExecutorSchema = z.object({
  /** Controller steps T: one module (a soft mixture of the memory's rows) per step. */
  steps: z.number().int().min(1).max(64).default(12),
  /** Stack entries: the deepest nesting a layout can keep (binary modules need two). */
  depth: z.number().int().min(2).max(32).default(6),
  /**
   * Dropout on the controller's word vectors and word states while it learns the labelled layouts (`layoutLogits`
   * with a generator): with few program labels it learns them by heart (all right in training, ~70 % on val with
   * 1 % of the programs).
   */
  controllerDropout: z.number().min(0).max(0.9).default(0),
  /**
   * The answer also reads the question (Stack-NMN's output unit reads the question encoding beside the memory): a
   * linear map of the encoded question added to the classifier's scores (`executor.questionAnswer.*`), so the
   * answer-type prior needs no layout and the executor's evidence adds to it.
   */
  questionAnswer: z.boolean().default(true),
  /**
   * The classifier reads an answer memory instead of the stack's top after the last step (Stack-NMN's output
   * memory): at every step the answering families write their code into it by their share of the address, and the
   * rest of the address keeps what it held. An answer written at any step then reaches the classifier, whatever the
   * later steps push. With a layout whose last module answers, as every CLEVR program's does, it reads the same.
   */
  answerMemory: z.boolean().default(false),
  /**
   * After every step the stack pointer moves to its most likely position (Stack-NMN's hard sharpening): the entries
   * stay soft mixtures of what the modules wrote, but the next step reads one position, not a blend of positions
   * that a near-uniform address spreads over the stack. The pointer then passes no gradient.
   */
  hardPointer: z.boolean().default(false),
  /**
   * Every step's soft address keeps only the tokens that can run on the stack as it stands, renormalised (Stack-NMN's
   * module validity, with CLEVR's two kinds of value): a selecting or a one-input answering module needs a selection
   * on top, a two-input one two entries of its kind, and the scene and the no-op always run. The stack tracks how
   * much of each entry is an answer. A near-uniform address then cannot answer at every step or run a module on an
   * answer, which the relaxation otherwise does. In hard and gumbel modes it masks the scores a layout is drawn
   * from instead, so that every drawn layout runs (REINFORCE's log-probabilities are the masked scores'). Given
   * layouts and the greedy typed search are left as they are.
   */
  validity: z.boolean().default(false),
  /**
   * Every module also reads its step's control vector (Stack-NMN's textual parameter): a FiLM of the selecting and
   * answering families' first hidden layer, `hidden * (1 + gamma(c)) + beta(c)` (`executor.control.*`, zero at
   * the start). The words then steer a module directly instead of only through a sharp address over the memory.
   */
  control: z.boolean().default(true),
  /**
   * The no-op's initial score over the other tokens' (added to the controller's `<END>` output bias): at 0 every
   * step starts as a near-even mix of ~40 modules, so each step's output is a blend of everything and no single
   * step's choice moves the answer much. A positive bias starts the layout mostly empty (e.g. 4: `<END>` takes
   * about 57 % of each step over 41 tokens), so a module that helps the answer shows at the step that adds it.
   */
  noOpBias: z.number().min(0).max(20).default(0),
  /**
   * Every member of a family starts from the same parameters (its first member's), so that a near-uniform address
   * at the start runs one coherent module per family, not the average of ~40 random ones; members then differ by
   * the questions that address them.
   */
  tiedInit: z.boolean().default(false),
  /**
   * The executor reads the question through its own encoder (`executor.reader.*`, the controller's sizes): the
   * modules' control vectors are its word states under the controller's word attention, and the question path reads
   * its last state. The layouts stay the controller's alone, so the executor can learn from the answers, the words
   * included, while the controller is frozen (the weak-supervision recipe's executor stage).
   */
  reader: z.boolean().default(false),
  /**
   * Train and evaluate on the ground-truth programs' aligned layouts as one-hot addresses (questions without a
   * program, or with one longer than `steps`, keep the controller's): the executor's accuracy when its layouts are
   * right, the bound on what the controller can find. Off for learning from answers.
   */
  givenLayouts: z.boolean().default(false),
});
export type StackExecutorConfig = z.output<typeof StackExecutorSchema>;

/**
 * PG_endtoend with the stack executor: the attention memory (module-net's attention families, `executor.*`), the
 * question encoder (`programGenerator`: its encoder sizes; the decoder fields are unused), the decoder modes and
 * schedules (`decoder`), and the stack (`stack`).
 */
export const StackEndToEndConfigSchema = z.object({
  executor: ModuleNetworkConfigSchema.omit({ seed: true, modules: true })
    .extend({
      /** The stack executor reads the attention families' memories (their members' stacked parameters). */
      modules: z.literal('attention').default('attention'),
    })
    .prefault({}),
  programGenerator: Seq2SeqConfigSchema.prefault({}),
  decoder: LearningDecoderConfigSchema.prefault({}),
  stack: StackExecutorSchema.prefault({}),
  seed: z.number().int().default(0),
});
export type StackEndToEndConfig = z.output<typeof StackEndToEndConfigSchema>;
export type StackEndToEndConfigInput = z.input<typeof StackEndToEndConfigSchema>;

/** Parses a config; the error names the first bad field (e.g. `stack.steps: ...`). */
export function parseStackEndToEndConfig(config: unknown): StackEndToEndConfig {
  const parsed = StackEndToEndConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`PG_endtoend stack config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
