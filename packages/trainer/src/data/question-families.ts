import { builtinTemplateSet } from '@mmnet/clevr-synth';

/**
 * A readable name for a question family index: the built-in template with that index (the templates of the
 * synthetic presets, CLEVR 1.0's, families in name order), e.g. `zero_hop #2: What color is the <Z> <C> <M> <S>?`;
 * just the number past the templates.
 */
export function questionFamilyName(index: number): string {
  const t = builtinTemplateSet().templates[index];
  if (!t || t.familyIndex !== index) return `family ${index}`;
  return `${t.family} #${t.indexInFamily + 1}: ${t.text[0]}`;
}
