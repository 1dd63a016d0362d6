import { availableParallelism } from 'node:os';

/**
 * The BLAS thread count: an explicit option, else `MMNET_THREADS`, else every core.
 * A malformed `MMNET_THREADS` is an error naming the variable.
 */
export function resolveThreadCount(explicit?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (explicit !== undefined) {
    if (!Number.isInteger(explicit) || explicit < 1) {
      throw new Error(`enableNativeKernels: option 'threads' must be a positive integer, got ${explicit}`);
    }
    return explicit;
  }
  const raw = env.MMNET_THREADS?.trim();
  if (raw) {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`MMNET_THREADS must be a positive integer, got '${raw}'`);
    }
    return value;
  }
  return availableParallelism();
}
