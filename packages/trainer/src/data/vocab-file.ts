import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { VOCAB_PARTS, type Vocab, vocabFromJson } from '@mmnet/programs';

/** Reads and checks a vocab.json (`vocabFromJson` of @mmnet/programs); errors name the file and the field. */
export function readVocabFile(path: string): Vocab {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read vocab (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return vocabFromJson(text, path);
}

/** A hash of the vocab's content (independent of key order), recorded in checkpoints. */
export function vocabHash(vocab: Vocab): string {
  const canonical = VOCAB_PARTS.map((part) =>
    Object.entries(vocab[part]).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)),
  );
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}
