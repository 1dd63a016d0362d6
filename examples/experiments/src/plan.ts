import {
  attentionModulesConfig,
  type DecoderMode,
  PROGRAM_GENERATOR_CONFIG,
  type RecipeStage,
  SAN_CONFIG,
  type TrainMode,
  weakSupervisionStages,
} from '@mmnet/trainer';

/** One `mmnet train` run of an experiment. */
export interface StageSpec {
  /** Folder name of the run inside the experiment's folder. */
  name: string;
  /** `mmnet train` flags (snake_case, without --out, --clevr_dataset, --config, --max_minutes). */
  args: Record<string, string>;
  /** `model_config` of the --config file (model sizes). */
  modelConfig: Record<string, unknown>;
  /** Share of the experiment's time budget this stage may use. */
  budgetShare: number;
  /** Start from the previous stage's latest checkpoint, loading these parts (--load_model_mode). */
  loadPrevious?: TrainMode;
  /** Start from the latest checkpoint of a stage of another experiment (which must be trained first). */
  loadFrom?: StageStart;
}

/** A stage of another experiment to start from, and the parts to load from its latest checkpoint. */
export interface StageStart {
  experiment: string;
  stage: string;
  mode: TrainMode;
}

/** The groups of experiments, in plan order (results.json's `group` takes the same names). */
export const EXPERIMENT_GROUPS = [
  'baselines',
  'end-to-end',
  'weak supervision',
  'end-to-end fine-tuning',
  'ablations',
] as const;
export type ExperimentGroup = (typeof EXPERIMENT_GROUPS)[number];

/** One row of the results table: a model trained by one or more stages, the last one evaluated. */
export interface Experiment {
  id: string;
  group: ExperimentGroup;
  label: string;
  model: string;
  decoderMode?: DecoderMode;
  curriculum?: boolean;
  /** Weak supervision: fraction of the training questions whose programs the generator saw. */
  supervisionFraction?: number;
  /** Another seed of the experiment with this id: the rows of its seeds give its spread (`seedSpreads`). */
  seedOf?: string;
  /** Training time budget (all stages together), unless --hours-per-model overrides it. */
  hours: number;
  stages: StageSpec[];
}

export interface PlanOptions {
  smoke: boolean;
  seed: number;
  /** Decoder modes of the weak-supervision runs' answer stage (REINFORCE through the executor). */
  weakDecoderModes: DecoderMode[];
}

export const END_TO_END_MODES: readonly DecoderMode[] = ['soft', 'gumbel', 'hard', 'hard+penalty'];
export const SUPERVISION_FRACTIONS: readonly number[] = [0.01, 0.05, 0.1, 1];

/** Model sizes: the trainer's `modelSettings` (the clevr-mini example's), or tiny ones for --smoke. */
function sizes(smoke: boolean) {
  if (smoke) {
    const classifier = { projDim: 16, hiddenDim: 32 };
    const tiny = {
      san: { wordEmbedDim: 8, attentionDim: 16, classifierHidden: 16, rnnLayers: 1 },
      modules: { classifier },
      attentionModules: attentionModulesConfig(classifier),
      endToEnd: {
        executor: attentionModulesConfig(classifier),
        programGenerator: { encoderWordvecDim: 8, decoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
      },
      stack: {
        executor: attentionModulesConfig(classifier),
        programGenerator: { encoderWordvecDim: 8, hiddenDim: 16, numLayers: 1 },
        stack: { steps: 6, depth: 4 },
      },
    };
    return { ...tiny, weakStack: tiny.stack, clevrIep: clevrIepModules(classifier) };
  }
  const { encoderWordvecDim, hiddenDim, numLayers } = PROGRAM_GENERATOR_CONFIG;
  // PG_endtoend's stack executor: the same attention memory, a question encoder of the generator's sizes, 12
  // controller steps (the aligned layouts of ~60 % of clevr-small's programs fit) and a stack of 6 entries.
  const stack = {
    executor: attentionModulesConfig(),
    programGenerator: { encoderWordvecDim, hiddenDim, numLayers },
    stack: { steps: 12, depth: 6 },
  };
  return {
    san: SAN_CONFIG,
    modules: { classifier: { projDim: 64, hiddenDim: 128 } },
    // PG_attention, PG_memory and PG_endtoend's executor: module-net's attention modules.
    attentionModules: attentionModulesConfig(),
    endToEnd: { executor: attentionModulesConfig(), programGenerator: PROGRAM_GENERATOR_CONFIG },
    stack,
    // The weak-supervision rows teach the aligned layouts, so their controller runs 20 steps, which hold 98.8 % of
    // clevr-small's programs (12 hold 62.5 %). Their executor reads the question through its own encoder, which
    // learns in the executor stage while the controller that writes the layouts is frozen.
    weakStack: { ...stack, stack: { steps: 20, depth: 6, reader: true } },
    clevrIep: clevrIepModules({ projDim: 512, poolSize: 2, fcLayers: [1024] }),
  };
}

/**
 * clevr-iep's execution engine as its checkpoints have it (`modules: 'iep'`, batch norms in the stem, the modules
 * and the classifier), with a classifier of the given sizes.
 */
function clevrIepModules(classifier: Record<string, unknown>) {
  return {
    modules: 'iep',
    stemBatchNorm: true,
    moduleBatchNorm: true,
    classifier: { ...classifier, batchNorm: true },
  };
}

/**
 * `mmnet train` flags per kind of model. Real runs: as many epochs as the time budget allows; validation on a
 * slice of val (and a checkpoint) every few minutes at the throughputs of one thread per run (two runs share the
 * 2-core machines), so that a stopped run loses little and the learning curves have points. Smoke runs: a few
 * iterations.
 */
function trainArgs(
  kind:
    | 'san'
    | 'sanWordByWord'
    | 'modules'
    | 'clevrIep'
    | 'attentionModules'
    | 'endToEnd'
    | 'stack'
    | 'programs',
  o: PlanOptions,
): Record<string, string> {
  const common = { seed: String(o.seed), max_epochs: '50' };
  if (o.smoke) {
    return {
      ...common,
      stem_dim: '8',
      batch_size: kind === 'programs' ? '16' : '8',
      lr: kind === 'programs' ? '0.01' : '2e-3',
      max_iterations: kind === 'programs' ? '6' : '4',
      num_iterations: '2',
      num_val_samples: '40',
      report_samples: '0',
    };
  }
  // SAN: the default example's recipe (1x1 stem, batch 128, Adam 4e-3) with a constant learning rate, as the rows
  // of results.json were trained (their commands reproduce them).
  const san = { ...common, stem_dim: '64', batch_size: '128', lr: '4e-3' };
  const modules = { ...common, stem_dim: '32', batch_size: '32', lr: '1e-3' };
  switch (kind) {
    case 'san':
      return { ...san, num_iterations: '500', num_val_samples: '1000' };
    case 'sanWordByWord':
      return { ...san, num_iterations: '50', num_val_samples: '500' };
    case 'modules':
      return { ...modules, num_iterations: '100', num_val_samples: '500' };
    case 'clevrIep':
      // clevr-iep's train_model.py: module_dim 128, batch 64, Adam 5e-4; ~16 questions/s on one thread, so a
      // validation every ~10 minutes.
      return {
        ...common,
        stem_dim: '128',
        batch_size: '64',
        lr: '5e-4',
        num_iterations: '150',
        num_val_samples: '1000',
      };
    case 'attentionModules':
      // ~100 questions/s on the two quiet cores: a validation every ~6 minutes. A cosine decay over the time
      // budget (across resumes): PG_attention's 1 h run at a constant 2e-3 had stopped rising on val.
      return {
        ...common,
        stem_dim: '64',
        batch_size: '64',
        lr: '2e-3',
        lr_schedule: 'cosine',
        num_iterations: '500',
        num_val_samples: '1000',
      };
    case 'endToEnd':
      // The attention executor's recipe; a validation every ~4-8 minutes.
      return {
        ...common,
        stem_dim: '64',
        batch_size: '64',
        lr: '2e-3',
        num_iterations: '200',
        num_val_samples: '500',
      };
    case 'stack':
      // The stack executor from scratch: every step runs the whole memory on the whole batch (~2x PG_attention's
      // cost per question), so batch 32, Adam 1e-3 for both parts, a validation every 100 updates.
      return {
        ...common,
        stem_dim: '64',
        batch_size: '32',
        lr: '1e-3',
        num_iterations: '100',
        num_val_samples: '500',
      };
    case 'programs':
      // Teacher forcing of the program generator alone: cheap, so at most 4,000 updates of 64 programs, Adam 3e-3
      // with a cosine decay (program-decoders' supervised recipe: 95.5 % exact match after 4,000 steps on 40,000
      // programs; Adam 1e-3 constant gave 67.5 % after 2,900 steps on clevr-small's 12,000).
      return {
        ...modules,
        stem_dim: '64',
        batch_size: '64',
        lr: '3e-3',
        lr_schedule: 'cosine',
        max_epochs: '100000',
        max_iterations: '4000',
        num_iterations: '500',
        num_val_samples: '200',
      };
  }
}

/**
 * A weak-supervision stack row's model: with few programs the controller learns them by heart, so up to 1 % it gets
 * dropout (exact val layouts 70.2 -> 90.7 % with 1 %); with 10 % dropout costs layouts (97.8 -> 95.4 %).
 */
function weakStackConfig<C extends { stack: object }>(config: C, fraction: number): C {
  return fraction <= 0.01 ? { ...config, stack: { ...config.stack, controllerDropout: 0.3 } } : config;
}

const fractionId = (f: number) => `${Number((f * 100).toPrecision(3))}pct`;
const weakId = (fraction: number, mode: DecoderMode | 'stack') => `weak-${fractionId(fraction)}-${mode}`;

/** The stack executor's from-answers row (the first of its seeds), and its weak-supervision rows by fraction. */
export const STACK_ID = 'PG_endtoend-stack';
export const stackWeakId = (fraction: number) => weakId(fraction, 'stack');

/**
 * Batch of the end-to-end runs whose generator decodes programs by itself. From scratch it decodes random programs
 * of the full length (30 tokens, ~30 nodes per question): batch 32 keeps a step at ~2.1-2.6 GB of the 4 GB wasm
 * heap (batch 64 runs out of it). Gumbel samples a program per question, each node a mixture of member weights,
 * and ran out of the heap at batch 32 (step 74): 16 questions twice per update, the same 32 per update.
 */
function endToEndBatch(mode: DecoderMode, o: PlanOptions): Record<string, string> {
  if (o.smoke) return {};
  return mode === 'gumbel' ? { batch_size: '16', batch_multiplier: '2' } : { batch_size: '32' };
}

/**
 * Default training budgets (hours, all stages of an experiment together; --hours-per-model overrides them):
 * what a 2-core machine can give every row in a few days (at most 8 h per model are allowed).
 */
export const DEFAULT_HOURS = {
  baselines: 1,
  'end-to-end': 0.5,
  'weak supervision': 2,
  'end-to-end fine-tuning': 0.5,
  ablations: 1,
} as const;

/**
 * The PG_endtoend rows with the stack executor from answers alone: at most 8 h. Its soft steps run ~13-25
 * questions/s on one core (PG_attention ~50), so 2 h would show it ~60-180k questions, about where even given
 * layouts first leave the prior. Its weak-supervision rows have the tree's 2 h: their executor stage runs one-hot
 * layouts (each family only on its rows), as fast as PG_memory.
 */
export const STACK_HOURS = 8;

/** Seeds of the stack executor's from-answers runs (added to --seed): the row and two more for the spread. */
export const STACK_SEEDS: readonly number[] = [0, 1, 2];

/** Fractions of the programs the stack executor's weak-supervision rows learn their layouts from. */
export const STACK_SUPERVISION_FRACTIONS: readonly number[] = [0.01, 0.1];

/** SAN and SAN_wbw: their val curves were still rising at the end of 1 h, so they get 3. */
export const SAN_HOURS = 3;

/**
 * The reference's residual module networks trained as clevr-iep trains its execution engine: ~16 questions/s on one
 * thread, so 8 h is ~460k questions (clevr-iep's 100,000 updates of 64 are 6.4 M).
 */
export const CLEVR_IEP_HOURS = 8;

/** The row the ablations take one change away from (both changes on). */
export const ABLATION_BASE = 'PG_attention';

/**
 * The stages of the trainer's weak-supervision recipe (`weakSupervisionStages`: what each stage trains, its
 * share of the time and the checkpoint it starts from) as experiment stages, with `args` giving each stage's
 * `mmnet train` flags.
 */
function weakStages(
  fraction: number,
  executor: 'tree' | 'stack',
  modelConfig: Record<string, unknown>,
  args: (stage: RecipeStage) => Record<string, string>,
): StageSpec[] {
  return weakSupervisionStages(fraction, executor).map((stage) => ({
    name: stage.name,
    args: args(stage),
    modelConfig,
    budgetShare: stage.budgetShare,
    ...(stage.loadPrevious ? { loadPrevious: stage.loadPrevious } : {}),
  }));
}

/** Every experiment, in the order they run (cheapest groups first). */
export function experimentPlan(o: PlanOptions): Experiment[] {
  const size = sizes(o.smoke);
  const one = (args: Record<string, string>, modelConfig: Record<string, unknown>): StageSpec[] => [
    { name: 'train', args, modelConfig, budgetShare: 1 },
  ];
  const out: Experiment[] = [];
  const baseline = (
    id: string,
    label: string,
    model: string,
    stages: StageSpec[],
    hours: number = DEFAULT_HOURS.baselines,
  ) => out.push({ id, group: 'baselines', label, model, hours, stages });
  for (const model of ['SAN', 'SAN_wbw'] as const)
    baseline(
      model,
      model,
      model,
      one({ model, ...trainArgs(model === 'SAN' ? 'san' : 'sanWordByWord', o) }, size.san),
      SAN_HOURS,
    );
  baseline(
    'PG',
    "PG, residual modules (the reference's; ground-truth programs)",
    'PG',
    one({ model: 'PG', ...trainArgs('modules', o) }, size.modules),
  );
  baseline(
    'PG-clevr-iep',
    "PG, clevr-iep's execution engine and recipe (batch norms; ground-truth programs)",
    'PG',
    one({ model: 'PG', ...trainArgs('clevrIep', o) }, size.clevrIep),
    CLEVR_IEP_HOURS,
  );
  baseline(
    'PG_memory-residual',
    "PG_memory, the reference's residual memory trained as clevr-iep (stem and classifier batch norms)",
    'PG_memory',
    one(
      { model: 'PG_memory', ...trainArgs('clevrIep', o) },
      { ...size.clevrIep, modules: 'residual', moduleBatchNorm: false },
    ),
    CLEVR_IEP_HOURS,
  );
  baseline(
    'PG_attention',
    'PG, attention modules (ground-truth programs)',
    'PG',
    one({ model: 'PG', ...trainArgs('attentionModules', o) }, size.attentionModules),
  );
  baseline(
    'PG_memory',
    'PG_memory, attention memory (ground-truth programs)',
    'PG_memory',
    one({ model: 'PG_memory', ...trainArgs('attentionModules', o) }, size.attentionModules),
  );
  for (const mode of END_TO_END_MODES)
    for (const curriculum of [false, true])
      out.push({
        id: `PG_endtoend-${mode}${curriculum ? '-curriculum' : ''}`,
        group: 'end-to-end',
        label: `PG_endtoend ${mode}${curriculum ? ' + curriculum' : ''}`,
        model: 'PG_endtoend',
        decoderMode: mode,
        curriculum,
        hours: DEFAULT_HOURS['end-to-end'],
        stages: one(
          {
            model: 'PG_endtoend',
            ...trainArgs('endToEnd', o),
            ...endToEndBatch(mode, o),
            executor: 'tree',
            decoder_mode: mode,
            use_curriculum: curriculum ? '1' : '0',
          },
          size.endToEnd,
        ),
      });
  // PG_endtoend with the stack executor (mm-net's StackEndToEndNetwork): soft addresses, from the answers alone.
  for (const offset of STACK_SEEDS)
    out.push({
      id: offset === 0 ? STACK_ID : `${STACK_ID}-seed${offset}`,
      ...(offset === 0 ? {} : { seedOf: STACK_ID }),
      group: 'end-to-end',
      label: `PG_endtoend stack executor, soft${offset === 0 ? '' : ` (seed +${offset})`}`,
      model: 'PG_endtoend',
      decoderMode: 'soft',
      curriculum: false,
      hours: STACK_HOURS,
      stages: one(
        {
          model: 'PG_endtoend',
          ...trainArgs('stack', o),
          executor: 'stack',
          decoder_mode: 'soft',
          seed: String(o.seed + offset),
        },
        size.stack,
      ),
    });
  // Weak supervision through the stack model: the controller's addresses learn the aligned layouts (cross-entropy)
  // of a fraction of the programs, then the executor learns from the answers on the controller's layouts.
  for (const fraction of STACK_SUPERVISION_FRACTIONS)
    out.push({
      id: stackWeakId(fraction),
      group: 'weak supervision',
      label: `PG_endtoend stack executor, layouts of ${Number((fraction * 100).toPrecision(3))} % of the programs`,
      model: 'PG_endtoend',
      decoderMode: 'hard',
      curriculum: false,
      supervisionFraction: fraction,
      hours: DEFAULT_HOURS['weak supervision'],
      // The trainer's recipe (mmnet train --recipe weak-supervision --executor stack), a stage at a time.
      stages: weakStages(fraction, 'stack', weakStackConfig(size.weakStack, fraction), (stage) => ({
        model: 'PG_endtoend',
        executor: 'stack',
        ...trainArgs(stage.name === 'executor' ? 'endToEnd' : 'programs', o),
        ...stage.flags,
      })),
    });
  const answerStage = weakSupervisionStages(1, 'tree').find((stage) => stage.name === 'answers')!;
  /**
   * Generator and executor together, the generator learning from answers (REINFORCE in the hard modes, gradients
   * through the addresses in soft and gumbel) at clevr-iep's joint fine-tuning rate: at 1e-4 the rewards of a
   * ~45 %-accurate executor took the 10 % run's programs from 83 % exact match to 33 % in 800 updates. The
   * executor goes on at the rate the executor stage's decay ended at, 2e-3 x 0.05 (--lr_final_factor's default;
   * 2e-3 would undo the decay).
   */
  const jointArgs = (mode: DecoderMode, batch: Record<string, string>) => ({
    model: 'PG_endtoend',
    executor: 'tree',
    ...trainArgs('endToEnd', o),
    ...batch,
    decoder_mode: mode,
    ...answerStage.flags,
    // Smoke runs: a few updates, at rates that move.
    ...(o.smoke ? { pg_lr: '1e-3', lr: trainArgs('endToEnd', o).lr } : {}),
  });
  for (const mode of o.weakDecoderModes)
    for (const fraction of SUPERVISION_FRACTIONS)
      out.push({
        id: weakId(fraction, mode),
        group: 'weak supervision',
        label: `PG_endtoend ${mode}, programs of ${Number((fraction * 100).toPrecision(3))} %`,
        model: 'PG_endtoend',
        decoderMode: mode,
        curriculum: false,
        supervisionFraction: fraction,
        hours: DEFAULT_HOURS['weak supervision'],
        // The trainer's recipe (mmnet train --recipe weak-supervision --executor tree), a stage at a time.
        stages: weakStages(fraction, 'tree', size.endToEnd, (stage) =>
          stage.name === 'answers'
            ? jointArgs(mode, {})
            : {
                model: 'PG_endtoend',
                executor: 'tree',
                ...trainArgs(stage.name === 'programs' ? 'programs' : 'endToEnd', o),
                decoder_mode: mode,
                ...stage.flags,
              },
        ),
      });
  // End-to-end fine-tuning: every decoder mode from one start, the generator and executor of the 10 % row after
  // its executor stage (trained on 10 % of the programs, then the executor on the generator's programs), trained
  // together as that row's answer stage is (clevr-iep fine-tunes its pretrained generator and executor jointly).
  const start = weakId(0.1, o.weakDecoderModes[0]);
  for (const mode of END_TO_END_MODES)
    out.push({
      id: `PG_endtoend-${mode}-from-10pct`,
      group: 'end-to-end fine-tuning',
      label: `PG_endtoend ${mode}, fine-tuned from the 10 % row's generator and executor`,
      model: 'PG_endtoend',
      decoderMode: mode,
      curriculum: false,
      hours: DEFAULT_HOURS['end-to-end fine-tuning'],
      stages: [
        {
          name: 'answers',
          args: jointArgs(mode, endToEndBatch(mode, o)),
          modelConfig: size.endToEnd,
          budgetShare: 1,
          loadFrom: { experiment: start, stage: 'executor', mode: 'PG+EE' },
        },
      ],
    });
  // Ablations: PG_attention with one of its two changes taken away (the row with both is PG_attention).
  for (const [id, label, options] of [
    [
      'PG_attention-without-coordinates',
      'PG, attention modules without coordinates (count filters only)',
      { coordinates: false, countFilters: 8 },
    ],
    [
      'PG_attention-without-count-filters',
      'PG, attention modules without count filters (coordinates only)',
      { coordinates: true, countFilters: 0 },
    ],
  ] as const)
    out.push({
      id,
      group: 'ablations',
      label,
      model: 'PG',
      hours: DEFAULT_HOURS.ablations,
      stages: one(
        { model: 'PG', ...trainArgs('attentionModules', o) },
        { ...size.attentionModules, ...options },
      ),
    });
  return out;
}

/** The experiments named by `only` (ids), in plan order; an unknown id is an error listing the ids. */
export function selectExperiments(plan: Experiment[], only: string[] | undefined): Experiment[] {
  if (!only?.length) return plan;
  const ids = new Set(plan.map((e) => e.id));
  const unknown = only.filter((id) => !ids.has(id));
  if (unknown.length)
    throw new Error(`--only: unknown experiment ${unknown.join(', ')} (experiments: ${[...ids].join(', ')})`);
  return plan.filter((e) => only.includes(e.id));
}
