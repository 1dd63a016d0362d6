import { ClevrH5Dataset } from '@mmnet/clevr-data';
import type { Checkpoint } from '@mmnet/core-tensors';
import type { Vocab } from '../data/vocab-file.js';
import type { ModelRegistry } from '../models/registry.js';
import { loadTrainedModel } from '../models/trained-model.js';
import { type EvalResult, evaluate } from './evaluate.js';

/** A loaded checkpoint (`file` names it in errors) and the vocabulary of the dataset it is evaluated on. */
export interface CheckpointWithVocab {
  file: string;
  checkpoint: Checkpoint;
  vocab: Vocab;
}

/** One split's files and how much of it to evaluate. */
export interface EvalSplit {
  questionsH5: string;
  featuresH5: string;
  batchSize: number;
  /** Only the first N questions (file order); all when absent. */
  maxSamples?: number;
}

/**
 * Rebuilds the model of a checkpoint for the split's feature shape and evaluates it on the split in file order
 * (no samples kept); a model with a program generator that can also run given programs is evaluated both ways.
 * The dataset and the model are released whatever happens.
 */
export async function evaluateCheckpoint(
  run: CheckpointWithVocab,
  split: EvalSplit,
  registry: ModelRegistry,
): Promise<EvalResult> {
  const dataset = await ClevrH5Dataset.open({
    questionsH5: split.questionsH5,
    featuresH5: split.featuresH5,
    batchSize: split.batchSize,
    shuffle: false,
    maxSamples: split.maxSamples,
    prefetch: false,
  });
  try {
    const [c, h, w] = dataset.featureShapeCHW;
    const { model } = await loadTrainedModel(run.file, run.checkpoint, run.vocab, [h, w, c], registry);
    try {
      const options = {
        batchSize: split.batchSize,
        vocab: run.vocab,
        sampleCount: 0,
        step: Number(run.checkpoint.metadata.step ?? 0),
      };
      const result = evaluate(model, dataset, options);
      if (model.predictsPrograms && model.executesGivenPrograms && dataset.hasPrograms) {
        const given = evaluate(model, dataset, { ...options, programs: 'given' });
        result.givenPrograms = { accuracy: given.accuracy, perKind: given.perKind };
      }
      return result;
    } finally {
      model.dispose();
    }
  } finally {
    dataset.close();
  }
}
