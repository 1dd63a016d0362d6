import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The reference vocab.json: three token -> index maps. */
export interface Vocab {
  question_token_to_idx: Record<string, number>;
  program_token_to_idx: Record<string, number>;
  answer_token_to_idx: Record<string, number>;
}

const tokenMap = z.record(z.string(), z.number().int().nonnegative());
const vocabSchema = z.looseObject({
  question_token_to_idx: tokenMap,
  program_token_to_idx: tokenMap,
  answer_token_to_idx: tokenMap,
});

/** Reads and checks a vocab.json; errors name the file and the field. */
export function readVocabFile(path: string): Vocab {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read vocab (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = vocabSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  for (const part of ['question_token_to_idx', 'program_token_to_idx', 'answer_token_to_idx'] as const) {
    const map = parsed.data[part];
    if (map['<NULL>'] !== 0) throw new Error(`${path}: ${part}: '<NULL>' must have index 0`);
  }
  return {
    question_token_to_idx: parsed.data.question_token_to_idx,
    program_token_to_idx: parsed.data.program_token_to_idx,
    answer_token_to_idx: parsed.data.answer_token_to_idx,
  };
}

/** index -> token. */
export function tokensByIndex(map: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [t, i] of Object.entries(map)) out[i] = t;
  return out;
}

/** A hash of the vocab's content (independent of key order), recorded in checkpoints. */
export function vocabHash(vocab: Vocab): string {
  const canonical = (['question_token_to_idx', 'program_token_to_idx', 'answer_token_to_idx'] as const).map(
    (part) => Object.entries(vocab[part]).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)),
  );
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

/** Decodes token ids, dropping `<NULL>`/`<START>` and stopping at `<END>`. */
export function decodeIds(ids: ArrayLike<number>, byIndex: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const t = byIndex[ids[i]] ?? '<UNK>';
    if (t === '<END>') break;
    if (t === '<NULL>' || t === '<START>') continue;
    out.push(t);
  }
  return out;
}
