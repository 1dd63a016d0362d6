import { createRng, type ParameterScope, ParameterStore, tf } from '@mmnet/core-tensors';
import {
  isProgramTreeList,
  type ProgramIdRows,
  type ProgramTreeNode,
  parsePrefixPrograms,
  type TokenMap,
  type Vocab,
} from '@mmnet/programs';
import { z } from 'zod';
import { ModuleClassifier } from '../classifier/module-classifier.js';
import {
  type ExecuteOptions,
  type ExecutionResult,
  executePrograms,
  type NodeCapture,
} from '../executor/execute.js';
import { defineIepModules } from '../iep/iep-modules.js';
import { parseIepPrograms } from '../iep/iep-programs.js';
import { defineClevrModules } from '../registry/clevr-modules.js';
import { type ModuleBuildConfig, ModuleRegistry, type ModuleSet } from '../registry/module-registry.js';
import { Stem } from '../stem/stem.js';

/** A module network (IEP's execution engine): stem, one module per program token, answer classifier. */
export const ModuleNetworkConfigSchema = z.object({
  /** Channels of the input image features [1024]. */
  inChannels: z.number().int().positive().default(1024),
  /** Channels of the stem output and of every module [256]. */
  stemDim: z.number().int().positive().default(256),
  stemLayers: z.number().int().positive().default(2),
  /** Kernel side of the stem's convolutions [3]. */
  stemKernelSize: z.number().int().positive().default(3),
  /**
   * The CLEVR tokens' modules: `residual` (IEP's, the reference) or `attention` (selecting modules mask the
   * features, answering modules pool; learns from far fewer questions on a CPU budget), or `iep`: clevr-iep's
   * execution engine exactly (`scene` a residual block too, binary modules a 1x1 projection then a residual
   * block, id rows read as its `_forward_modules_ints` reads them; see src/iep), what converted clevr-iep
   * checkpoints use.
   */
  modules: z.enum(['residual', 'attention', 'iep']).default('residual'),
  /**
   * With `residual` modules: `scene` is a residual block over the stem features rather than the features, as in
   * the reference's PG code (its converted state dicts, `mmnet convert --from reference`).
   */
  sceneBlock: z.boolean().default(false),
  /** With `iep` modules: blocks add their input back before the last ReLU (clevr-iep's `module_residual`). */
  moduleResidual: z.boolean().default(true),
  /**
   * With `iep` modules: a batch norm after each module convolution (clevr-iep's `module_batchnorm`); in training
   * it takes each question's own statistics, as clevr-iep's one-question-at-a-time module calls do.
   */
  moduleBatchNorm: z.boolean().default(false),
  /** A batch norm after each stem convolution (clevr-iep's `stem_batchnorm`). */
  stemBatchNorm: z.boolean().default(false),
  /**
   * Two of the stem's `stemDim` channels are each cell's column and row in [-1, 1] (see the stem's
   * `coordinates`): with 1x1 kernels (`stemKernelSize: 1`) nothing else tells a module where a cell is, which
   * relate (left, right, front, behind) needs.
   */
  coordinates: z.boolean().default(false),
  /**
   * With attention modules: blob features the answer modules reading one selection (count, exist, query) pool
   * from its attention (`answerFamily`'s `countFilters`), to count objects rather than the area they cover [0].
   */
  countFilters: z.number().int().nonnegative().default(0),
  /** Size of the feature map [14 x 14]. */
  height: z.number().int().positive().default(14),
  width: z.number().int().positive().default(14),
  classifier: z
    .object({
      /** 0: no projection (clevr-iep's `classifier_proj_dim`). */
      projDim: z.number().int().nonnegative().default(512),
      /** 1: no pooling; clevr-iep's `classifier_downsample` maxpool2 / maxpool4 are 2 / 4. */
      poolSize: z.number().int().positive().default(2),
      hiddenDim: z.number().int().positive().default(1024),
      /** Hidden layer sizes, instead of one of `hiddenDim` (clevr-iep's `classifier_fc_layers`). */
      fcLayers: z.array(z.number().int().positive()).optional(),
      /** Batch norms after the projection and the hidden layers (clevr-iep's `classifier_batchnorm`). */
      batchNorm: z.boolean().default(false),
    })
    .prefault({}),
  /** Seed of the parameter initialisation. */
  seed: z.number().int().default(0),
});
export type ModuleNetworkConfig = z.input<typeof ModuleNetworkConfigSchema>;

/** The vocabularies a module network needs (the reference's vocab.json parts). */
export type ModuleNetworkVocab = Pick<Vocab, 'program_token_to_idx' | 'answer_token_to_idx'>;

export interface ModuleNetworkOutput {
  /** [N, numAnswers]. */
  logits: tf.Tensor2D;
  /** With `capture`: per sample, every node's output map in step order. */
  captures?: NodeCapture[][];
}

/** Number of answers of an answer vocabulary: the largest id + 1. */
export function answerCount(answers: Record<string, number>): number {
  const ids = Object.values(answers);
  if (ids.length === 0) throw new Error('answer_token_to_idx is empty');
  return Math.max(...ids) + 1;
}

/** The fields of a parsed module network config that the stem and the classifier read. */
type NetworkSizes = Pick<
  z.output<typeof ModuleNetworkConfigSchema>,
  | 'inChannels'
  | 'stemDim'
  | 'stemLayers'
  | 'stemKernelSize'
  | 'stemBatchNorm'
  | 'modules'
  | 'coordinates'
  | 'height'
  | 'width'
  | 'classifier'
>;

/**
 * The stem of a module network config (`stem.*` of `scope` when given `scope.scope('stem')`): its sizes, kernel,
 * and the attention channel attention modules need. Module networks that bring their own modules (the memory
 * networks of @mmnet/mm-net) build theirs here too.
 */
export function createNetworkStem(scope: ParameterScope, c: NetworkSizes): Stem {
  return new Stem(scope, {
    inChannels: c.inChannels,
    dim: c.stemDim,
    numLayers: c.stemLayers,
    kernelSize: c.stemKernelSize,
    attentionChannel: c.modules === 'attention',
    coordinates: c.coordinates,
    batchNorm: c.stemBatchNorm,
  });
}

/** The classifier of a module network config over `numAnswers` answers. */
export function createNetworkClassifier(
  scope: ParameterScope,
  c: NetworkSizes,
  numAnswers: number,
): ModuleClassifier {
  return new ModuleClassifier(scope, {
    inChannels: c.stemDim,
    height: c.height,
    width: c.width,
    numAnswers,
    ...c.classifier,
  });
}

export class ModuleNetwork {
  readonly config: z.output<typeof ModuleNetworkConfigSchema>;
  readonly stem: Stem;
  readonly classifier: ModuleClassifier;
  readonly modules: ModuleSet;

  /**
   * Builds the network's parameters in `scope` (`stem.*`, `modules.<token>.*`, `classifier.*`) with every module
   * of `registry`.
   */
  constructor(
    scope: ParameterScope,
    config: ModuleNetworkConfig,
    readonly registry: ModuleRegistry<ModuleBuildConfig>,
    readonly numAnswers: number,
    readonly programVocab?: TokenMap,
  ) {
    this.config = ModuleNetworkConfigSchema.parse(config);
    const c = this.config;
    this.stem = createNetworkStem(scope.scope('stem'), c);
    this.modules = registry.instantiate(scope.scope('modules'), {
      dim: c.stemDim,
      height: c.height,
      width: c.width,
    });
    this.classifier = createNetworkClassifier(scope.scope('classifier'), c, numAnswers);
  }

  /**
   * Prefix id rows to trees, checked against this network's modules (errors name the sample and step); with
   * `iep` modules read as clevr-iep reads them (`parseIepPrograms`).
   */
  parsePrograms(programs: ProgramIdRows): ProgramTreeNode[] {
    if (!this.programVocab) throw new Error('module network: no program vocabulary to decode ids with');
    if (this.config.modules === 'iep') return parseIepPrograms(programs, this.programVocab);
    return parsePrefixPrograms(programs, this.programVocab, { arityOf: this.registry.arityOf });
  }

  /**
   * Runs the programs' module trees on the stem features (batched across samples), without the classifier.
   * Call it inside tf.tidy (or a gradient): the stem output is not disposed here.
   */
  execute(features: tf.Tensor4D, programs: readonly ProgramTreeNode[], capture = false): ExecutionResult {
    return executePrograms(programs, this.stem.apply(features), this.modules, { capture });
  }

  /**
   * features [N, H, W, inChannels] and one program per sample (trees, or prefix id rows) -> answer logits. With
   * `options.training`, batch norms use the batch's statistics and update their running averages.
   */
  forward(
    features: tf.Tensor4D,
    programs: readonly ProgramTreeNode[] | ProgramIdRows,
    options: ExecuteOptions = {},
  ): ModuleNetworkOutput {
    const trees = isProgramTreeList(programs) ? programs : this.parsePrograms(programs as ProgramIdRows);
    let captures: NodeCapture[][] | undefined;
    const logits = tf.tidy(() => {
      const training = options.training ?? false;
      const result = executePrograms(trees, this.stem.apply(features, training), this.modules, options);
      captures = result.captures;
      return this.classifier.apply(result.outputs as tf.Tensor4D, training);
    });
    return { logits, captures };
  }
}

/**
 * Defines in `registry` the modules a parsed config names for the program tokens: clevr-iep's blocks (`iep`, with
 * `moduleResidual` and `moduleBatchNorm`) or the CLEVR modules (`residual`, `attention`).
 */
export function defineNetworkModules(
  registry: ModuleRegistry<ModuleBuildConfig>,
  tokens: readonly string[],
  config: Omit<z.output<typeof ModuleNetworkConfigSchema>, 'seed'>,
): ModuleRegistry<ModuleBuildConfig> {
  if (config.modules === 'iep')
    return defineIepModules(registry, tokens, {
      residual: config.moduleResidual,
      batchNorm: config.moduleBatchNorm,
    });
  if (config.moduleBatchNorm)
    throw new Error(
      `module network: moduleBatchNorm needs modules 'iep' (clevr-iep's blocks), not '${config.modules}'`,
    );
  return defineClevrModules(registry, tokens, undefined, config.modules, {
    countFilters: config.countFilters,
    sceneBlock: config.sceneBlock,
  });
}

/**
 * The CLEVR module network (PG): residual modules for every program token of the vocabulary (plus any custom
 * modules already in `registry`), in a new parameter store seeded by `config.seed`.
 */
export function createModuleNetwork(
  config: ModuleNetworkConfig,
  vocab: ModuleNetworkVocab,
  options: { registry?: ModuleRegistry<ModuleBuildConfig> } = {},
): { model: ModuleNetwork; store: ParameterStore } {
  const parsed = ModuleNetworkConfigSchema.parse(config);
  const registry = defineNetworkModules(
    options.registry ?? new ModuleRegistry<ModuleBuildConfig>(),
    Object.keys(vocab.program_token_to_idx),
    parsed,
  );
  const store = new ParameterStore(createRng(parsed.seed));
  const model = new ModuleNetwork(
    store,
    parsed,
    registry,
    answerCount(vocab.answer_token_to_idx),
    vocab.program_token_to_idx,
  );
  return { model, store };
}
