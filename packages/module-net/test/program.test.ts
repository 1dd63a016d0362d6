import { describe, expect, it } from 'vitest';
import {
  buildProgramVocabulary,
  clevrArity,
  encodePrefixPrograms,
  ProgramParseError,
  parsePrefixPrograms,
  treeHeight,
  treeToPrefix,
} from '../src/index.js';
import { PROGRAMS, TOKENS } from './helpers.js';

const vocab = buildProgramVocabulary(TOKENS);

describe('program parsing', () => {
  it('gives the CLEVR arity of tokens', () => {
    expect(clevrArity('scene')).toBe(0);
    expect(clevrArity('equal_color')).toBe(2);
    expect(clevrArity('greater_than')).toBe(2);
    expect(clevrArity('intersect')).toBe(2);
    expect(clevrArity('filter_color[red]')).toBe(1);
    expect(clevrArity('<END>')).toBeNull();
  });

  it('round-trips prefix id rows through trees', () => {
    const rows = encodePrefixPrograms(PROGRAMS, vocab, 12);
    expect(rows[0].slice(0, 6)).toEqual([
      vocab['<START>'],
      vocab.count,
      vocab['filter_color[red]'],
      vocab.scene,
      2,
      0,
    ]);
    const trees = parsePrefixPrograms(rows, vocab);
    expect(trees.map(treeToPrefix)).toEqual(PROGRAMS);
    // equal_color's first input is the subtree right after it.
    expect(trees[2].inputs[0].inputs[0].inputs[0].token).toBe('filter_color[red]');
    expect(trees[2].inputs[1].step).toBe(6);
    expect(treeHeight(trees[1])).toBe(6);
    const flat = parsePrefixPrograms({ data: rows.flat(), shape: [rows.length, 12] }, vocab);
    expect(flat.map(treeToPrefix)).toEqual(PROGRAMS);
  });

  const cases: [string, number[], RegExp][] = [
    ['unknown id', [1, 99, 2], /sample 1, step 1 \(id 99\): unknown token id/],
    [
      'module short of inputs',
      [1, vocab.equal_color, vocab.scene, 2],
      /sample 1, step 3 \(<END>\): .*'equal_color' at step 1 needs 2/,
    ],
    [
      'leftover tokens',
      [1, vocab.count, vocab.scene, vocab.scene, 2],
      /sample 1, step 3 \(scene\): 1 token\(s\) left over/,
    ],
    ['empty program', [1, 2, 0], /sample 1, step 1 \(<END>\): empty program/],
    ['special token inside', [1, vocab.count, 3, 2], /sample 1, step 2 \(<UNK>\): not a module/],
    [
      'token after the end',
      [1, vocab.scene, 2, vocab.scene],
      /sample 1, step 3 \(scene\): token after the end/,
    ],
  ];
  for (const [name, row, message] of cases) {
    it(`rejects ${name} naming the sample and step`, () => {
      const good = encodePrefixPrograms([['scene']], vocab, row.length)[0];
      let error: unknown;
      try {
        parsePrefixPrograms([good, row], vocab);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProgramParseError);
      expect((error as ProgramParseError).sample).toBe(1);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('uses a custom arity function', () => {
    const v = buildProgramVocabulary(['leaf', 'pair']);
    const arityOf = (t: string) => (t === 'leaf' ? 0 : t === 'pair' ? 2 : null);
    const [tree] = parsePrefixPrograms([[v.pair, v.leaf, v.pair, v.leaf, v.leaf]], v, { arityOf });
    expect(treeToPrefix(tree)).toEqual(['pair', 'leaf', 'pair', 'leaf', 'leaf']);
  });
});
