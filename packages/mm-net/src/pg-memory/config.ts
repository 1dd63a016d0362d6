import { ModuleNetworkConfigSchema } from '@mmnet/module-net';
import { z } from 'zod';

/**
 * PG_memory: the module network's stem and classifier sizes (module-net's config) plus how the read weights
 * run: `grouped` (default: nodes of one token at one height run as one normal convolution with the row read
 * by a one-hot address; fastest on wasm) or `perNode` (every node's row read separately and run with
 * per-sample kernels, perSampleConv2d).
 */
export const ModuleMemoryNetworkConfigSchema = ModuleNetworkConfigSchema.extend({
  execution: z.enum(['grouped', 'perNode']).default('grouped'),
});
export type ModuleMemoryNetworkConfig = z.input<typeof ModuleMemoryNetworkConfigSchema>;
