/**
 * Trains a module network on a DSL of its own (grid cells, see grid-task.ts) and prints the held-out accuracy
 * rising above chance. Usage: pnpm --filter @mmnet/example-custom-modules start [-- --steps 400]
 */
import { parseArgs } from 'node:util';
import { initBackend } from '@mmnet/core-tensors';
import { trainGridModel } from './train-grid.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    steps: { type: 'string', default: '400' },
    batch: { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
  },
});

await initBackend({ prefer: 'wasm' });
const started = performance.now();
const result = trainGridModel({
  steps: Number(values.steps),
  batchSize: Number(values.batch),
  evalSize: 500,
  evalEvery: 25,
  learningRate: 1e-2,
  seed: Number(values.seed),
  onEval: ({ step, loss, accuracy }) =>
    console.log(
      `step ${String(step).padStart(4)}  loss ${loss.toFixed(3)}  held-out accuracy ${(100 * accuracy).toFixed(1)} %`,
    ),
});
console.log(
  `chance (most common answer) ${(100 * result.chance).toFixed(1)} %, before training ${(100 * result.initialAccuracy).toFixed(1)} %, after ${(100 * result.finalAccuracy).toFixed(1)} % (${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
