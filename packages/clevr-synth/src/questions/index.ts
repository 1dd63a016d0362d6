export { AnswerCounts } from './answer-balance.js';
export {
  BUILTIN_METADATA,
  BUILTIN_PROPERTIES,
  BUILTIN_SYNONYMS,
  BUILTIN_TEMPLATE_FAMILIES,
  builtinTemplateSet,
} from './builtin-templates.js';
export {
  type GeneratedQuestion,
  type GenerateOptions,
  type GenerationStats,
  generateQuestions,
  QuestionGenerator,
} from './generate.js';
export {
  type InstantiateOptions,
  type InstantiateResult,
  type Instantiation,
  instantiateTemplate,
  isDegenerate,
  possibleAnswers,
} from './instantiate.js';
export { type LoadTemplatesOptions, loadTemplateDir } from './load-templates.js';
export { createSeededRandom, type RandomSource } from './random.js';
export { otherHeuristic, realiseText, replaceOptionals } from './realise-text.js';
export * from './template-schema.js';
export * from './template-set.js';
