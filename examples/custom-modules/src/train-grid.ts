import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import { fillMissingGradients, ModuleNetwork } from '@mmnet/module-net';
import { tokenMapOf } from '@mmnet/programs';
import { createGridRegistry } from './grid-modules.js';
import { CELL_CHANNELS, GRID, generateGridBatch, MAX_COUNT, majorityBaseline } from './grid-task.js';

export interface TrainGridOptions {
  steps: number;
  batchSize: number;
  evalSize: number;
  evalEvery: number;
  learningRate: number;
  seed: number;
  /** Called after each evaluation (the CLI prints; tests collect). */
  onEval?: (report: { step: number; loss: number; accuracy: number }) => void;
}

export interface TrainGridResult {
  /** Held-out accuracy before training and at each evaluation. */
  history: { step: number; loss: number; accuracy: number }[];
  initialAccuracy: number;
  finalAccuracy: number;
  /** Accuracy of always giving the most common answer, on the held-out set. */
  chance: number;
}

/** Trains a module network on the grid task with its own DSL's modules and measures held-out accuracy. */
export function trainGridModel(options: TrainGridOptions): TrainGridResult {
  const registry = createGridRegistry();
  const vocab = tokenMapOf(registry.names());
  const store = new ParameterStore(createRng(options.seed));
  const model = new ModuleNetwork(
    store,
    {
      inChannels: CELL_CHANNELS,
      stemDim: 16,
      stemLayers: 1,
      height: GRID,
      width: GRID,
      classifier: { projDim: 16, poolSize: 1, hiddenDim: 64 },
    },
    registry,
    MAX_COUNT + 1,
    vocab,
  );
  const dataRng = createRng(options.seed + 1);
  const heldOut = generateGridBatch(createRng(options.seed + 2), options.evalSize);
  const toTensors = (batch: ReturnType<typeof generateGridBatch>) => ({
    features: tf.tensor4d(batch.features, [batch.answers.length, GRID, GRID, CELL_CHANNELS]),
    labels: tf.oneHot(tf.tensor1d(batch.answers, 'int32'), MAX_COUNT + 1).toFloat(),
    trees: batch.programs.map(
      (p) => model.parsePrograms([[vocab['<START>'], ...p.map((t) => vocab[t]), vocab['<END>']]])[0],
    ),
  });
  const evalSet = toTensors(heldOut);
  const evaluate = () =>
    tf.tidy(() => {
      const predicted = tf.argMax(model.forward(evalSet.features, evalSet.trees).logits, 1).dataSync();
      let right = 0;
      heldOut.answers.forEach((a, i) => {
        if (predicted[i] === a) right++;
      });
      return right / heldOut.answers.length;
    });
  const optimizer = tf.train.adam(options.learningRate);
  const variables = store.variables();
  const initialAccuracy = evaluate();
  const history: TrainGridResult['history'] = [];
  for (let step = 1; step <= options.steps; step++) {
    const batch = toTensors(generateGridBatch(dataRng, options.batchSize));
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            batch.labels,
            model.forward(batch.features, batch.trees).logits,
          ) as tf.Scalar,
        variables,
      );
      optimizer.applyGradients(fillMissingGradients(grads, variables));
      return value.dataSync()[0];
    });
    tf.dispose([batch.features, batch.labels]);
    if (step % options.evalEvery === 0 || step === options.steps) {
      const report = { step, loss, accuracy: evaluate() };
      history.push(report);
      options.onEval?.(report);
    }
  }
  tf.dispose([evalSet.features, evalSet.labels]);
  optimizer.dispose();
  store.dispose();
  return {
    history,
    initialAccuracy,
    finalAccuracy: history[history.length - 1]?.accuracy ?? initialAccuracy,
    chance: majorityBaseline(heldOut.answers),
  };
}
