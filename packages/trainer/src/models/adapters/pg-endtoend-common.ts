import { tf } from '@mmnet/core-tensors';
import type { EndToEndPassPosition } from '@mmnet/mm-net';
import type { MovingAverageBaseline } from '@mmnet/program-decoders';
import { encodePrefixPrograms, ProgramError } from '@mmnet/programs';
import {
  configSection,
  executorModelConfigInput,
  type ForwardContext,
  type ModelAdapter,
  type ModelContext,
} from '../model-adapter.js';

/** What both PG_endtoend executors (tree and stack) take from the run: executor sizes, --decoder_mode, --seed. */
export function endToEndConfigInput(ctx: ModelContext): Record<string, unknown> {
  return {
    ...executorModelConfigInput(ctx),
    decoder: { ...configSection(ctx.modelConfig.decoder), mode: ctx.decoderMode },
  };
}

/** Where a forward pass stands, for mm-net's `endToEndPassSettings` (the one home of the schedules). */
export function passPosition(ctx: ModelContext, fctx: ForwardContext): EndToEndPassPosition {
  return {
    step: fctx.step,
    training: fctx.training,
    trainMode: fctx.trainMode,
    useCurriculum: ctx.useCurriculum,
    greedyPrograms: ctx.greedyPrograms,
  };
}

/** Predicted programs (prefix token lists) as vocab id rows: `<START>` tokens `<END>`, padded with `<NULL>`. */
export function programIdRows(
  programs: readonly (readonly string[])[],
  ids: Record<string, number>,
): tf.Tensor2D {
  return tf.tensor2d(encodePrefixPrograms(programs, ids), undefined, 'int32');
}

/** The REINFORCE baseline as the adapter's resumable state. */
export function baselineState(baseline: MovingAverageBaseline): Pick<ModelAdapter, 'getState' | 'setState'> {
  return {
    getState: () => ({ baseline: baseline.value }),
    setState: (state) => baseline.setValue(typeof state.baseline === 'number' ? state.baseline : null),
  };
}

/** What `read` gives, or null where the tokens it reads are no whole program (it throws a ProgramError). */
export function programOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (error instanceof ProgramError) return null;
    throw error;
  }
}
