/**
 * Encodes a free question the way the reference preprocessing does (case kept, `;` and `,` split off, `?` and
 * `.` removed, split on single spaces, `<START>`/`<END>` added) into vocabulary ids. An unknown word is an
 * error naming it, unless the vocab has `<UNK>` and `allowUnk` is set.
 */
export function encodeQuestion(text: string, map: Record<string, number>, allowUnk = false): number[] {
  let s = text.trim();
  for (const p of [';', ',']) s = s.split(p).join(` ${p}`);
  for (const p of ['?', '.']) s = s.split(p).join('');
  const tokens = ['<START>', ...s.split(' '), '<END>'];
  return tokens.map((t) => {
    const id = Object.hasOwn(map, t) ? map[t] : undefined;
    if (id !== undefined) return id;
    if (allowUnk && map['<UNK>'] !== undefined) return map['<UNK>'];
    throw new Error(`question word "${t}" is not in the vocabulary`);
  });
}

/** Encodes a program given as space-separated tokens (prefix order) into `<START> ... <END>` ids. */
export function encodeProgram(text: string, map: Record<string, number>): number[] {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  return [
    map['<START>'],
    ...tokens.map((t) => {
      const id = Object.hasOwn(map, t) ? map[t] : undefined;
      if (id === undefined) throw new Error(`program token "${t}" is not in the program vocabulary`);
      return id;
    }),
    map['<END>'],
  ];
}
