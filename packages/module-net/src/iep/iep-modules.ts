import type { tf } from '@mmnet/core-tensors';
import { type Arity, isSpecialToken } from '@mmnet/programs';
import type { ModuleBuildConfig, ModuleRegistry } from '../registry/module-registry.js';
import { IepConcatBlock, type IepModuleOptions, IepResidualBlock } from './iep-blocks.js';

const IEP_BINARY = ['union', 'intersect', 'less_than', 'greater_than'];

/**
 * clevr-iep's arity rule (`get_num_inputs`): `scene` takes nothing; a function whose name (the token before
 * `[`) contains `equal`, or is union, intersect, less_than or greater_than, takes two; everything else one,
 * special tokens included (clevr-iep builds a unary module for each, and runs `<END>` and `<UNK>` as such).
 */
export function iepArity(token: string): Arity {
  const name = token.includes('[') ? token.slice(0, token.indexOf('[')) : token;
  if (name === 'scene') return 0;
  if (name.includes('equal') || IEP_BINARY.includes(name)) return 2;
  return 1;
}

/**
 * The module name of a program token in an IEP network: the token itself, except `<END>` and `<UNK>`, which
 * clevr-iep runs as unary modules and mmnet's registry keeps apart from module names (`iep_end`, `iep_unk`).
 */
export function iepModuleName(token: string): string {
  return isSpecialToken(token) ? `iep_${token.slice(1, -1).toLowerCase()}` : token;
}

/**
 * Registers clevr-iep's execution-engine modules for the tokens of a program vocabulary: `scene` is a residual
 * block over the stem features, unary tokens (and `<END>`, `<UNK>`) residual blocks, binary tokens concat
 * blocks. `<NULL>` and `<START>` get none: the executor reads them as `scene` and as nothing.
 */
export function defineIepModules(
  registry: ModuleRegistry<ModuleBuildConfig>,
  tokens: Iterable<string>,
  options: IepModuleOptions = {},
): ModuleRegistry<ModuleBuildConfig> {
  for (const token of tokens) {
    if (token === '<NULL>' || token === '<START>') continue;
    const name = iepModuleName(token);
    if (registry.has(name)) continue;
    const arity = iepArity(token);
    if (arity === 0) {
      registry.define({
        name,
        arity: 0,
        description: 'clevr-iep scene: a residual block over the stem features',
        create: (scope, config) => {
          const block = new IepResidualBlock(scope, config.dim, options);
          return (_inputs, call) => block.apply(call.features, call.training);
        },
      });
    } else if (arity === 1) {
      registry.define({
        name,
        arity: 1,
        description: 'clevr-iep residual block',
        create: (scope, config) => {
          const block = new IepResidualBlock(scope, config.dim, options);
          return ([x], call) => block.apply(x as tf.Tensor4D, call.training);
        },
      });
    } else {
      registry.define({
        name,
        arity: 2,
        description: 'clevr-iep concat block',
        create: (scope, config) => {
          const block = new IepConcatBlock(scope, config.dim, options);
          return ([a, b], call) => block.apply(a as tf.Tensor4D, b as tf.Tensor4D, call.training);
        },
      });
    }
  }
  return registry;
}
