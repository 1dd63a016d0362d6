import { ModuleNetworkConfigSchema } from '@mmnet/module-net';
import type { z } from 'zod';

/**
 * PG_memory: the module network's stem, module and classifier sizes (module-net's config). Nodes of one token at
 * one height run as one ordinary convolution with the token's row read by a one-hot address.
 */
export const ModuleMemoryNetworkConfigSchema = ModuleNetworkConfigSchema;
export type ModuleMemoryNetworkConfig = z.input<typeof ModuleMemoryNetworkConfigSchema>;
