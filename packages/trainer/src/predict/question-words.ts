import { tokenize } from '@mmnet/clevr-data';

/** A question in words as vocabulary ids, with the words the vocabulary does not know. */
export interface EncodedFreeQuestion {
  ids: number[];
  /** Words read as `<UNK>`, in question order. */
  unknown: string[];
}

/**
 * Encodes a question typed by a person: each word as the vocabulary has it, else with its first letter
 * capitalised or lower-cased (CLEVR's vocabulary keeps the case of its sentences: "Is", "there"), else `<UNK>`
 * as clevr-iep does. A question none of whose words is known is an error quoting it.
 */
export function encodeFreeQuestion(text: string, map: Record<string, number>): EncodedFreeQuestion {
  const unk = map['<UNK>'];
  const words = tokenize(text.trim()).filter((w) => w !== '');
  const unknown: string[] = [];
  const ids = words.map((word) => {
    for (const form of [word, word.charAt(0).toUpperCase() + word.slice(1), word.toLowerCase()]) {
      if (Object.hasOwn(map, form)) return map[form];
    }
    unknown.push(word);
    if (unk === undefined)
      throw new Error(`question word "${word}" is not in the vocabulary (which has no <UNK>)`);
    return unk;
  });
  if (unknown.length >= ids.length - 2)
    throw new Error(
      `no word of the question "${text.trim()}" is in the vocabulary (the model knows CLEVR's words)`,
    );
  return { ids, unknown };
}
