import { type BackendName, initBackend, tf } from '@mmnet/core-tensors';

/** Switches tfjs to a backend (silently). */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ prefer: name, env: {}, log: null });
  if (tf.getBackend() !== name) throw new Error(`could not switch to ${name}`);
}
