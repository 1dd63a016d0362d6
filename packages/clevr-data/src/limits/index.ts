export {
  checkLimit,
  DEFAULT_INPUT_LIMITS,
  InputLimitError,
  type InputLimits,
  inputLimitsSchema,
  LIMIT_FLAGS,
} from './input-limits.js';
