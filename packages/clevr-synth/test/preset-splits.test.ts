import { describe, expect, it } from 'vitest';
import { generateScene, getPreset, presetDefinitionSchema, presetNames } from '../src/index.js';

describe('preset splits do not overlap', () => {
  for (const name of presetNames()) {
    it(`${name}: every split has its own seed and its own scenes`, () => {
      const preset = getPreset(name);
      const key = (split: string, seed: number, index: number) =>
        JSON.stringify(generateScene({ seed, index, split, width: 48, height: 32 }).json.objects);
      const seen = new Map<string, string>();
      for (const { split, seed, images } of preset.splits) {
        for (let i = 0; i < Math.min(images, 20); i++) {
          const k = key(split, seed, i);
          expect(seen.get(k), `${split} scene ${i} repeats ${seen.get(k)}`).toBeUndefined();
          seen.set(k, `${split} ${i}`);
        }
      }
    });
  }

  it('refuses a definition whose splits share a seed', () => {
    const preset = getPreset('clevr-micro');
    const shared = { ...preset, splits: preset.splits.map((s) => ({ ...s, seed: 1 })) };
    expect(() => presetDefinitionSchema.parse(shared)).toThrow(/its own seed/);
  });
});
