import { defineCommand } from '@mmnet/clevr-data';
import { backendFlag, initBackend, prepareOutputDir, UsageError } from '@mmnet/core-tensors';
import { z } from 'zod';
import { createBuiltinExtractor } from '../../builtin-extractor/create-builtin-extractor.js';
import { buildPreset } from '../../presets/build-preset.js';
import { presetNames } from '../../presets/preset-definitions.js';

const schema = z.object({
  preset: z
    .string()
    .min(1)
    .meta({ description: `dataset preset: ${presetNames().join(' or ')}` }),
  output_dir: z.string().min(1).meta({
    description:
      'receives images/, scenes/, questions/, vocab.json, <split>_questions.h5, <split>_features.h5',
  }),
  backend: backendFlag(),
  model_path: z.string().min(1).optional().meta({
    description:
      'weights of the built-in CNN to extract features with (a file scripts/train-extractor.ts wrote)',
    default: "the package's committed weights",
  }),
});

export const buildPresetCommand = defineCommand({
  name: 'build-preset',
  summary: `Build a named synthetic dataset (${presetNames().join(', ')}) with everything training needs: images, scenes, questions, vocab.json, questions and built-in CNN features as HDF5. Steps already complete are skipped: rerun to continue.`,
  usage: 'mmnet-data build-preset --preset clevr-mini --output_dir <dir>',
  schema,
  async run(f, io, task) {
    if (!presetNames().includes(f.preset)) {
      throw new UsageError(`--preset: unknown preset "${f.preset}" (presets: ${presetNames().join(', ')})`);
    }
    await initBackend({ prefer: f.backend, log: io.err });
    const started = Date.now();
    // The weights are read first, so that a missing file is named before anything is written.
    const extractor =
      f.model_path === undefined
        ? undefined
        : await createBuiltinExtractor(undefined, { weightsPath: f.model_path });
    let res: Awaited<ReturnType<typeof buildPreset>>;
    try {
      prepareOutputDir(f.output_dir, '--output_dir');
      res = await buildPreset(f.preset, f.output_dir, { ...task, extractor });
    } finally {
      extractor?.dispose?.();
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    for (const s of Object.values(res.splits)) {
      io.out(`${s.split}: ${s.images} images, ${s.questions} questions -> ${s.questionsH5}, ${s.featuresH5}`);
    }
    io.out(
      `${res.dir}: preset ${res.name} ${res.ranSteps.length ? `built (${res.ranSteps.join(', ')}) in ${seconds} s` : 'already complete'}; vocab ${res.vocabJson}; features [${res.featureShape.join(', ')}] from ${res.extractor}`,
    );
    return 0;
  },
});
