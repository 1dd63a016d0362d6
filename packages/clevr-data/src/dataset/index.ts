export {
  type ClevrBatch,
  ClevrH5Dataset,
  type ClevrH5DatasetConfig,
  clevrH5DatasetConfigSchema,
} from './clevr-h5-dataset.js';
export { epochOrder } from './epoch-order.js';
export {
  type PreprocessQuestionsConfig,
  type PreprocessQuestionsResult,
  preprocessQuestions,
  preprocessQuestionsConfigSchema,
  QUESTION_TOKENIZE,
} from './preprocess-questions.js';
export { type MergeQuestionShardsResult, mergeQuestionShards } from './question-shards.js';
export { formatQuestionStats, type QuestionStats, questionStats } from './question-stats.js';
