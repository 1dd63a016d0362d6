import { describe, expect, it } from 'vitest';
import { defaultTrainArgs } from '../src/schedule.js';

const paths = { clevr_dataset: 'd', clevr_val_images: 'v', out: 'o' };

describe('defaultTrainArgs', () => {
  it('gives PG and the memory networks the attention recipe and a program generator (PG_endtoend adding the curriculum)', () => {
    const pg = defaultTrainArgs('PG', { ...paths, model: 'PG' });
    const memory = defaultTrainArgs('PG_memory', { ...paths, model: 'PG_memory' });
    const endToEnd = defaultTrainArgs('PG_endtoend', { ...paths, model: 'PG_endtoend' });
    expect(pg.args).toMatchObject({ model: 'PG', stem_dim: '64', batch_size: '64', lr: '2e-3', out: 'o' });
    expect(pg.modelConfig).toMatchObject({
      modules: 'attention',
      stemKernelSize: 1,
      coordinates: true,
      countFilters: 8,
    });
    // PG and PG_memory train clevr-iep's program generator beside the executor, so their runs answer questions in words.
    const generator = { encoderWordvecDim: 64, decoderWordvecDim: 64, hiddenDim: 128, numLayers: 1 };
    expect(pg.modelConfig.programGenerator).toEqual(generator);
    expect(pg.args.pg_lr).toBe('3e-3');
    expect(memory.args).toEqual({ ...pg.args, model: 'PG_memory' });
    expect(memory.modelConfig).toEqual(pg.modelConfig);
    expect(memory.args.use_curriculum).toBeUndefined();
    const { pg_lr: _, ...withoutPgLr } = memory.args;
    expect(endToEnd.args).toEqual({ ...withoutPgLr, model: 'PG_endtoend', use_curriculum: '1' });
    const { programGenerator: __, ...executor } = memory.modelConfig;
    expect(endToEnd.modelConfig).toEqual({ executor, programGenerator: generator });
  });

  it('keeps SAN on its own recipe', () => {
    const san = defaultTrainArgs('SAN', { ...paths, model: 'SAN' });
    expect(san.args).toMatchObject({ batch_size: '128', lr: '4e-3', lr_schedule: 'cosine' });
    expect(san.modelConfig).toMatchObject({ stemKernelSize: 1 });
  });
});
