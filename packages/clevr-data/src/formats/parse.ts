import type { ProgramStep } from '@mmnet/programs';
import { programSchema, type QuestionFile, questionFileSchema } from './question-schema.js';
import { type SceneFile, sceneFileSchema } from './scene-schema.js';
import { parseWithSchema } from './zod-error.js';

/** Validates a parsed scene-file JSON value; throws `<source>: scenes[3].objects[0].color: ...` on bad input. */
export function parseSceneFile(data: unknown, source = 'scene file'): SceneFile {
  return parseWithSchema(sceneFileSchema, data, source);
}

/** Validates a parsed question-file JSON value (either program spelling) and normalises its programs. */
export function parseQuestionFile(data: unknown, source = 'question file'): QuestionFile {
  return parseWithSchema(questionFileSchema, data, source);
}

/** Validates and normalises one program given as a list of steps. */
export function parseProgramSteps(data: unknown, source = 'program'): ProgramStep[] {
  return parseWithSchema(programSchema, data, source);
}
