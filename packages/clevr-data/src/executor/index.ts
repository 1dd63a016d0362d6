export { type ExecutionErrorKind, evaluateStep, StepFailure } from './evaluate-step.js';
export {
  type ExecutionError,
  type ExecutionResult,
  executeProgram,
  executeSteps,
  type StepsExecution,
} from './execute.js';
export { type PreparedScene, prepareScene } from './prepared-scene.js';
export { type ExecValue, formatAnswer, intersectSorted, sameValue } from './values.js';
