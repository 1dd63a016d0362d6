import { ModelRegistry } from './registry.js';

/** The five models of the reference and clevr-iep's IEP, each loaded from its package on first use. */
export function builtinModels(): ModelRegistry {
  return new ModelRegistry()
    .register('SAN', {
      description: 'stacked attention network (@mmnet/san)',
      load: async () => (await import('./adapters/san-adapter.js')).createSanAdapter,
    })
    .register('SAN_wbw', {
      description: 'SAN word by word (@mmnet/san)',
      load: async () => (await import('./adapters/san-adapter.js')).createSanWbwAdapter,
    })
    .register('PG', {
      description: 'module network on ground-truth programs (@mmnet/module-net)',
      load: async () => (await import('./adapters/pg-adapter.js')).createPgAdapter,
    })
    .register('PG_memory', {
      description: 'module memory network (@mmnet/mm-net)',
      load: async () => (await import('./adapters/pg-memory-adapter.js')).createPgMemoryAdapter,
    })
    .register('PG_endtoend', {
      description: 'module memory network with a program generator (@mmnet/mm-net)',
      load: async () => (await import('./adapters/pg-endtoend-adapter.js')).createPgEndToEndAdapter,
    })
    .register('IEP', {
      description: "clevr-iep's program generator and execution engine (mmnet convert --from clevr-iep)",
      load: async () => (await import('./adapters/iep-adapter.js')).createIepAdapter,
    });
}
