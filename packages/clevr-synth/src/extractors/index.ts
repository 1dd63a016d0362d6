export { registerExtractors } from './register.js';
export {
  loadModelArtifactsFromDisk,
  loadTfjsModelExtractor,
  type TfjsModelExtractorConfig,
  tfjsModelExtractorConfigSchema,
} from './tfjs-model.js';
