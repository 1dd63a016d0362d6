import { createRng, type ParameterStore, tf } from '@mmnet/core-tensors';
import { buildProgramVocabulary, encodePrefixPrograms, type ModuleNetwork } from '@mmnet/module-net';
import { blockKernelsToRow, type ModuleMemoryNetwork } from '../src/index.js';

export const PROGRAMS: string[][] = [
  ['count', 'filter_color[red]', 'scene'],
  ['exist', 'filter_color[blue]', 'relate[left]', 'unique', 'filter_shape[cube]', 'scene'],
  ['greater_than', 'count', 'filter_color[red]', 'scene', 'count', 'filter_color[blue]', 'scene'],
  [
    'query_color',
    'unique',
    'intersect',
    'filter_shape[cube]',
    'scene',
    'filter_color[red]',
    'relate[left]',
    'unique',
    'scene',
  ],
  ['count', 'filter_color[red]', 'filter_color[red]', 'scene'],
];

export const programVocab = buildProgramVocabulary([...new Set(PROGRAMS.flat())].sort());
export const answerVocab = { a0: 0, a1: 1, a2: 2, a3: 3 };
export const vocab = { program_token_to_idx: programVocab, answer_token_to_idx: answerVocab };

export const smallConfig = {
  inChannels: 4,
  stemDim: 3,
  height: 4,
  width: 4,
  classifier: { projDim: 5, poolSize: 2, hiddenDim: 6 },
  seed: 1,
};

export function programRows(programs: string[][] = PROGRAMS): number[][] {
  return encodePrefixPrograms(programs, programVocab);
}

export function randomFeatures(n: number, seed: number, channels = smallConfig.inChannels): tf.Tensor4D {
  const rng = createRng(seed);
  const size = n * smallConfig.height * smallConfig.width * channels;
  return tf.tensor4d(
    Float32Array.from({ length: size }, () => rng.normal()),
    [n, smallConfig.height, smallConfig.width, channels],
  );
}

/**
 * Copies a module network's stem and classifier into a memory network, and each module's kernels into its
 * memory row; the module network's conv biases are zeroed (memory rows hold kernels only).
 */
export function copyModuleNetworkIntoMemory(
  pg: ModuleNetwork,
  pgStore: ParameterStore,
  mm: ModuleMemoryNetwork,
  mmStore: ParameterStore,
) {
  const shared = pgStore.snapshot('stem', 'classifier');
  mmStore.assign(shared, { strict: false });
  for (const [name, v] of pgStore.entries('modules')) if (name.endsWith('.bias')) v.assign(tf.zerosLike(v));
  for (const bank of [mm.unaryBank, mm.binaryBank]) {
    const rows = bank.rowNames.map((token) => {
      const convs = bank === mm.unaryBank ? ['conv1', 'conv2'] : ['conv1', 'conv2', 'conv3'];
      return blockKernelsToRow(convs.map((c) => pgStore.get(`modules.${token}.${c}.kernel`)));
    });
    bank.memory.assign(tf.stack(rows));
  }
  void pg;
}
