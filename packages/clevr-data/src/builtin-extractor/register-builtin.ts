import { registerFeatureExtractor } from '../features/feature-extractor.js';
import { createBuiltinExtractor } from './create-builtin-extractor.js';

/** Registers the built-in CNN as the `builtin` extractor (`createRegisteredExtractor('builtin', input)`). */
export function registerBuiltinExtractor(): void {
  registerFeatureExtractor('builtin', (input) => createBuiltinExtractor(input));
}

registerBuiltinExtractor();
