import type { z } from 'zod';
import { type Question, questionSchema } from '../formats/question-schema.js';
import { type Scene, sceneSchema } from '../formats/scene-schema.js';
import { formatZodError } from '../formats/zod-error.js';
import { streamJsonArrayField } from './json-array-stream.js';
import type { ProgressCallback } from './progress.js';

export interface StreamClevrJsonOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

function validator<S extends z.ZodType>(schema: S): (value: unknown) => z.output<S> {
  return (value) => {
    const r = schema.safeParse(value);
    if (!r.success) throw new Error(formatZodError(r.error));
    return r.data;
  };
}

/**
 * Streams and validates the questions of an official `CLEVR_<split>_questions.json` (or one made by the
 * generator) without reading the file as one string. Errors name the file and e.g. `questions[12].program`.
 */
export function streamQuestionsFile(
  file: string,
  options: StreamClevrJsonOptions = {},
): AsyncGenerator<Question> {
  return streamJsonArrayField(file, { field: 'questions', parse: validator(questionSchema), ...options });
}

/** Streams and validates the scenes of a `CLEVR_<split>_scenes.json`. */
export function streamScenesFile(file: string, options: StreamClevrJsonOptions = {}): AsyncGenerator<Scene> {
  return streamJsonArrayField(file, { field: 'scenes', parse: validator(sceneSchema), ...options });
}
