/** Bench entry of the module network with ground-truth programs (PG). */
import { createModuleNetwork } from '../src/index.js';
import type { BenchModel } from './harness.js';
import { programBenchModel } from './program-bench-model.js';

export const pgBenchModel: BenchModel = programBenchModel('PG', createModuleNetwork);

export const benchModels: BenchModel[] = [pgBenchModel];
