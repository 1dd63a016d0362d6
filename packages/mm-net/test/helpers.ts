import { type BackendName, initBackend, tf } from '@mmnet/core-tensors';
import type { AnyModuleMemory, AttentionFamilyMemory, ResidualBankMemory } from '../src/index.js';

/** Switches tfjs to a backend (silently). */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ prefer: name, env: {}, log: null });
  if (tf.getBackend() !== name) throw new Error(`could not switch to ${name}`);
}

/** The memory as residual banks (an error naming the kind otherwise). */
export function residualMemory(memory: AnyModuleMemory): ResidualBankMemory {
  if (memory.kind !== 'residual') throw new Error(`expected a residual memory, got ${memory.kind}`);
  return memory;
}

/** The memory as attention families (an error naming the kind otherwise). */
export function attentionMemory(memory: AnyModuleMemory): AttentionFamilyMemory {
  if (memory.kind !== 'attention') throw new Error(`expected an attention memory, got ${memory.kind}`);
  return memory;
}
