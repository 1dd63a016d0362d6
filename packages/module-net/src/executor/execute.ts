import { tf } from '@mmnet/core-tensors';
import type { ProgramTreeNode } from '@mmnet/programs';
import { gatherFrom } from '../ops/gather-rows.js';
import type { ModuleCall, ModuleInputs, ModuleLookup } from '../registry/module-registry.js';
import { type ExecutionPlan, type PlannedCall, planExecution } from './plan.js';

/** The spatial map of one node's output: the L2 norm over channels at each position. */
export interface NodeCapture {
  sample: number;
  step: number;
  token: string;
  /** 1 for leaves, 1 + max input height otherwise. */
  height: number;
  /** [H, W] row-major. */
  map: Float32Array;
  shape: [number, number];
}

/**
 * The addresses of a call's rows over its family's members [rows, members] (see `ModuleCall.addresses`), or
 * undefined to run each row's own member. Called inside the execution's tidy: the tensor may be new.
 */
export type MemberAddressFunction = (call: PlannedCall, plan: ExecutionPlan) => tf.Tensor2D | undefined;

export interface ExecuteOptions {
  /** Record every node's output map (channel L2 norm) for visualisation. */
  capture?: boolean;
  /** Soft member addresses per call (a module memory network's reads); default: every row its own member. */
  memberAddresses?: MemberAddressFunction;
  /**
   * Called once with the plan, inside the execution's tidy, before the first call: what every call will run
   * (e.g. to read the module weights of all calls at once).
   */
  onPlan?: (plan: ExecutionPlan) => void;
  /** A training pass (`ModuleCall.training`) [false]. */
  training?: boolean;
}

export interface ExecutionResult {
  /** The root module's output for each sample, in sample order [N, ...]. */
  outputs: tf.Tensor;
  /** With `capture`: per sample, the map of every node in step order. */
  captures?: NodeCapture[][];
  plan: ExecutionPlan;
}

function makeCall(
  call: PlannedCall,
  plan: ExecutionPlan,
  memberIndices: number[],
  features: tf.Tensor4D,
  addresses: tf.Tensor2D | undefined,
  training: boolean,
): ModuleCall {
  let cached: tf.Tensor4D | null = null;
  const { samples } = call;
  const rows = samples.map((s) => [0, s] as const);
  const gather = <T extends tf.Tensor>(perSample: T): T => {
    if (perSample.shape[0] !== features.shape[0]) {
      throw new Error(
        `module call: per-sample tensor has ${perSample.shape[0]} rows, the batch has ${features.shape[0]}`,
      );
    }
    return gatherFrom([perSample], rows) as T;
  };
  return {
    samples,
    steps: call.nodes.map((id) => plan.nodes[id].step),
    memberIndices,
    addresses,
    training,
    get features() {
      cached ??= gather(features);
      return cached;
    },
    gather,
  };
}

/**
 * Runs a batch of program trees (one per sample) on the image features [N, H, W, C] (N = number of programs).
 * Nodes are scheduled by height; at each height all nodes of one module family (modules with the same `family`; a
 * module alone is a family of one) run as one batched call whose inputs are gathered from the outputs of earlier calls. Returns the
 * roots' outputs in sample order. Differentiable.
 */
export function executePrograms(
  programs: readonly ProgramTreeNode[],
  features: tf.Tensor4D,
  modules: ModuleLookup,
  options: ExecuteOptions = {},
): ExecutionResult {
  if (features.shape[0] !== programs.length) {
    throw new Error(`executor: ${programs.length} programs for features of ${features.shape[0]} samples`);
  }
  const plan = planExecution(
    programs,
    (token) => modules.get(token)?.arity ?? null,
    (token) => modules.get(token)?.family ?? token,
  );
  const captures: NodeCapture[][] | undefined = options.capture ? programs.map(() => []) : undefined;
  const outputs = tf.tidy(() => {
    options.onPlan?.(plan);
    const results: tf.Tensor[] = [];
    plan.calls.forEach((call, index) => {
      const inputs = call.inputs.map((picks) => gatherFrom(results, picks));
      const module = modules.get(call.token)!;
      const memberIndices = call.tokens.map((token) => modules.get(token)?.memberIndex ?? 0);
      const y = module.apply(
        inputs as ModuleInputs<typeof module.arity>,
        makeCall(
          call,
          plan,
          memberIndices,
          features,
          options.memberAddresses?.(call, plan),
          options.training ?? false,
        ),
      );
      if (y.shape[0] !== call.nodes.length) {
        throw new Error(
          `module '${call.family}' returned ${y.shape[0]} rows for a call of ${call.nodes.length} (shape [${y.shape}])`,
        );
      }
      if (results.length > 0 && y.shape.slice(1).join(',') !== results[0].shape.slice(1).join(',')) {
        throw new Error(
          `module '${call.family}' returns [${y.shape}] but '${plan.calls[0].family}' returned [${results[0].shape}]: every module must return the same shape per row`,
        );
      }
      results.push(y);
      if (captures) captureCall(y, plan, index, captures);
    });
    return gatherFrom(results, plan.roots);
  });
  if (captures) for (const list of captures) list.sort((a, b) => a.step - b.step);
  return { outputs, captures, plan };
}

function captureCall(out: tf.Tensor, plan: ExecutionPlan, index: number, captures: NodeCapture[][]) {
  if (out.rank !== 4) throw new Error(`executor: capture needs [rows, H, W, C] outputs, got [${out.shape}]`);
  const [, h, w] = out.shape;
  const maps = tf.tidy(() => tf.sqrt(tf.sum(tf.square(out), -1)).dataSync() as Float32Array);
  plan.calls[index].nodes.forEach((id, row) => {
    const n = plan.nodes[id];
    captures[n.sample].push({
      sample: n.sample,
      step: n.step,
      token: n.token,
      height: n.height,
      map: maps.slice(row * h * w, (row + 1) * h * w),
      shape: [h, w],
    });
  });
}
