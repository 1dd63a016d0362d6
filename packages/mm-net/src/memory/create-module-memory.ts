import type { ParameterScope } from '@mmnet/core-tensors';
import type { ArityFunction } from '@mmnet/programs';
import { AttentionFamilyMemory } from '../attention-memory/attention-family-memory.js';
import type { MemoryExecutorConfig } from './module-memory.js';
import { ResidualBankMemory, type ResidualBankMemoryOptions } from './residual-bank-memory.js';

/** The built-in module memories; `kind` tells them apart. */
export type AnyModuleMemory = ResidualBankMemory | AttentionFamilyMemory;

/**
 * The module memory `config.modules` names, built in `scope`: `residual` banks (with `residual.banks`' layout
 * and node-weight budget) or `attention` families. `tokens` is the program vocabulary in id order, `arityOf`
 * its arity rule. `iep` and `sceneBlock` belong to module networks and are refused.
 */
export function createModuleMemory(
  scope: ParameterScope,
  config: MemoryExecutorConfig,
  tokens: readonly string[],
  arityOf: ArityFunction,
  numAnswers: number,
  residual: ResidualBankMemoryOptions,
): AnyModuleMemory {
  if (config.modules === 'iep') {
    throw new Error(
      "memory networks: modules 'iep' (clevr-iep's own blocks) is for a module network; use 'residual'",
    );
  }
  if (config.sceneBlock)
    throw new Error('memory networks: sceneBlock (a learned scene block) is for a module network');
  if (config.moduleBatchNorm)
    throw new Error(
      "memory networks: moduleBatchNorm (clevr-iep's blocks' batch norms) is for a module network",
    );
  return config.modules === 'attention'
    ? new AttentionFamilyMemory(scope, config, tokens, arityOf, numAnswers)
    : new ResidualBankMemory(scope, config, tokens, arityOf, numAnswers, residual);
}
