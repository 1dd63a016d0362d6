import { z } from 'zod';

/** The tfjs backends a Node process can run (tfjs-node counts as `tensorflow`). */
export const BackendNameSchema = z.enum(['tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendNameSchema>;
