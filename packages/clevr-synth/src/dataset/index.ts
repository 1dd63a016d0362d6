export {
  type GenerateSplitConfig,
  type GenerateSplitResult,
  generateClevrSplit,
  generateSplitConfigSchema,
} from './generate-split.js';
