import { registerFeatureExtractor } from '../features/feature-extractor.js';
import { createBuiltinExtractor } from './create-builtin-extractor.js';

/**
 * Registers the built-in CNN as the `builtin` extractor (`createRegisteredExtractor('builtin', input)`). Importing
 * the package registers nothing: the CLIs call this where they need it (calling it twice is harmless).
 */
export function registerBuiltinExtractor(): void {
  registerFeatureExtractor('builtin', (input) => createBuiltinExtractor(input));
}
