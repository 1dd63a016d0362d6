import type { tf } from '@mmnet/core-tensors';
import {
  answerFamily,
  attentionFamily,
  isAnswerToken,
  selectsWithinInput,
} from '../attention/attention-modules.js';
import { ResidualBinaryModule, ResidualUnaryModule } from '../blocks/residual-modules.js';
import { type ArityFunction, clevrArity } from '../program/arity.js';
import { isSpecialProgramToken } from '../program/vocabulary.js';
import type { ModuleBuildConfig, ModuleDefinition, ModuleRegistry } from './module-registry.js';

/** `scene`: no parameters, returns the image features (stem output) of the call's samples. */
export function sceneModule(name = 'scene'): ModuleDefinition<0, ModuleBuildConfig> {
  return {
    name,
    arity: 0,
    description: 'the stem features of the image',
    create: () => (_inputs, call) => call.features,
  };
}

/**
 * `scene` as the reference's PG runs it (VisualReasoning_MMnet, whose converted state dicts carry its weights): a
 * residual unary block over the stem features instead of the features themselves.
 */
export function residualSceneModule(name = 'scene'): ModuleDefinition<0, ModuleBuildConfig> {
  return {
    name,
    arity: 0,
    description: 'a residual unary block over the stem features',
    create: (scope, config) => {
      const block = new ResidualUnaryModule(scope, config.dim);
      return (_inputs, call) => block.apply(call.features);
    },
  };
}

/** A residual unary module (IEP): out = ReLU(x + conv3x3(ReLU(conv3x3(x)))). */
export function residualUnaryModule(name: string): ModuleDefinition<1, ModuleBuildConfig> {
  return {
    name,
    arity: 1,
    description: 'residual unary block',
    create: (scope, config) => {
      const block = new ResidualUnaryModule(scope, config.dim);
      return ([x]) => block.apply(x as tf.Tensor4D);
    },
  };
}

/** A residual binary module (IEP) over the concatenation of its two inputs. */
export function residualBinaryModule(name: string): ModuleDefinition<2, ModuleBuildConfig> {
  return {
    name,
    arity: 2,
    description: 'residual binary block',
    create: (scope, config) => {
      const block = new ResidualBinaryModule(scope, config.dim);
      return ([a, b]) => block.apply(a as tf.Tensor4D, b as tf.Tensor4D);
    },
  };
}

/**
 * Which modules the CLEVR tokens get: `residual` (IEP's residual blocks, the reference) or `attention` (modules
 * that select objects mask the features with an attention, modules that answer pool; see attention-modules.ts).
 */
export type ClevrModuleKind = 'residual' | 'attention';

/** The families of CLEVR's attention modules: whether the token answers, selects within its input, its arity. */
const ATTENTION_FAMILIES = [
  { name: 'attention_filter', answers: false, within: true, arity: 1 },
  { name: 'attention_relate', answers: false, within: false, arity: 1 },
  { name: 'attention_binary', answers: false, within: false, arity: 2 },
  { name: 'answer_unary', answers: true, within: false, arity: 1 },
  { name: 'answer_binary', answers: true, within: false, arity: 2 },
] as const;

function attentionFamilyOf(token: string, arity: 1 | 2) {
  const answers = isAnswerToken(token);
  const within = !answers && arity === 1 && selectsWithinInput(token);
  return ATTENTION_FAMILIES.find((f) => f.answers === answers && f.within === within && f.arity === arity)!;
}

/** Options of the CLEVR attention modules. */
export interface ClevrModuleOptions {
  /** Blob features the answer modules reading one selection pool (`answerFamily`'s `countFilters`) [0]. */
  countFilters?: number;
  /** Residual modules: `scene` runs a residual block over the features (`residualSceneModule`) [false]. */
  sceneBlock?: boolean;
}

/**
 * Registers the CLEVR modules for program tokens (e.g. every token of `program_token_to_idx`): `scene` (and any
 * other arity-0 token) returns the features; the others get modules of `kind`: `residual`, one residual block per
 * token (binary tokens residual binary blocks); `attention`, one member per token in five families
 * (`attention_filter`: filter_* and unique, which select within their input; `attention_relate`: relate and same_*;
 * `attention_binary`, `answer_unary`, `answer_binary`; parameters under `modules.<family>.*`) whose nodes at one
 * height run as one call (`options.countFilters`: see `answerFamily`). Special tokens are skipped, as are tokens
 * already registered.
 */
export function defineClevrModules(
  registry: ModuleRegistry<ModuleBuildConfig>,
  tokens: Iterable<string>,
  arityOf: ArityFunction = clevrArity,
  kind: ClevrModuleKind = 'residual',
  options: ClevrModuleOptions = {},
): ModuleRegistry<ModuleBuildConfig> {
  const grouped = new Map<string, string[]>(ATTENTION_FAMILIES.map((f) => [f.name, []]));
  for (const token of tokens) {
    if (isSpecialProgramToken(token) || registry.has(token)) continue;
    const arity = arityOf(token);
    if (arity === null) continue;
    if (arity === 0)
      registry.define(
        kind === 'residual' && options.sceneBlock ? residualSceneModule(token) : sceneModule(token),
      );
    else if (kind === 'residual')
      registry.define(arity === 1 ? residualUnaryModule(token) : residualBinaryModule(token));
    else {
      grouped.get(attentionFamilyOf(token, arity).name)!.push(token);
    }
  }
  for (const { name, answers, within, arity } of ATTENTION_FAMILIES) {
    const members = grouped.get(name)!;
    if (members.length === 0) continue;
    registry.defineFamily(
      answers
        ? answerFamily(name, arity, members, { countFilters: options.countFilters })
        : attentionFamily(name, arity, members, { withinInput: within }),
    );
  }
  return registry;
}
