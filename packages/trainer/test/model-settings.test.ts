import { describe, expect, it } from 'vitest';
import { builtinModels, MODEL_NAMES, modelSettings, parseTrainArgs } from '../src/index.js';

describe('modelSettings', () => {
  it('gives every built-in model flags that `mmnet train` accepts as they are', () => {
    for (const model of MODEL_NAMES) {
      const { args } = modelSettings(model);
      const argv = [
        '--model',
        model,
        '--clevr_dataset',
        'd',
        ...Object.entries(args).map(([k, v]) => `--${k}=${v}`),
      ];
      const parsed = parseTrainArgs(argv, builtinModels());
      if (parsed.help || parsed.resume !== undefined) throw new Error('expected a train config');
      expect(parsed.config.stem_dim, model).toBe(64);
      expect(String(parsed.config.lr), model).toBe(String(Number(args.lr)));
    }
  });

  it('gives PG and PG_memory the attention modules and a program generator, PG_endtoend them as executor and generator with the curriculum', () => {
    const pg = modelSettings('PG');
    const memory = modelSettings('PG_memory');
    const endToEnd = modelSettings('PG_endtoend');
    expect(pg.modelConfig).toMatchObject({
      modules: 'attention',
      stemKernelSize: 1,
      coordinates: true,
      countFilters: 8,
    });
    expect(pg.args).toMatchObject({ stem_dim: '64', batch_size: '64', lr: '2e-3', pg_lr: '3e-3' });
    expect(memory).toEqual(pg);
    const { programGenerator, ...executor } = pg.modelConfig;
    const { pg_lr: _, ...withoutPgLr } = pg.args;
    expect(endToEnd).toEqual({
      args: { ...withoutPgLr, use_curriculum: '1' },
      modelConfig: { executor, programGenerator },
    });
  });

  it('keeps SAN and SAN_wbw on their own settings', () => {
    expect(modelSettings('SAN_wbw')).toEqual(modelSettings('SAN'));
    expect(modelSettings('SAN').args).toMatchObject({ batch_size: '128', lr: '4e-3', lr_schedule: 'cosine' });
    expect(modelSettings('SAN').modelConfig).not.toHaveProperty('modules');
  });
});
