import { createRng, type ParameterStore, tf } from '@mmnet/core-tensors';
import type { ModuleNetwork } from '@mmnet/module-net';
import type { DecoderMode } from '@mmnet/program-decoders';
import { encodePrefixPrograms, tokenMapOf } from '@mmnet/programs';
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

export const programVocab = tokenMapOf([...new Set(PROGRAMS.flat())].sort());
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

/** PG_endtoend's vocabularies: questions of 10 words, the programs' tokens, 4 answers. */
export const QUESTION_WORDS = ['how', 'many', 'red', 'blue', 'things', 'is', 'there', 'a', 'cube', '?'];
const questionVocab: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2, '<UNK>': 3 };
for (const w of QUESTION_WORDS) questionVocab[w] = Object.keys(questionVocab).length;
export const endToEndVocab = { ...vocab, question_token_to_idx: questionVocab };

/** A small PG_endtoend config (curriculum 2, 4, 6) whose executor takes `executor` on top of the small sizes. */
export function endToEndConfig(mode: DecoderMode, executor: Record<string, unknown> = {}) {
  return {
    executor: {
      inChannels: 4,
      stemDim: 3,
      height: 4,
      width: 4,
      classifier: smallConfig.classifier,
      ...executor,
    },
    programGenerator: {
      encoderWordvecDim: 5,
      decoderWordvecDim: 4,
      hiddenDim: 6,
      numLayers: 1,
      maxProgramLength: 6,
    },
    decoder: { mode, curriculum: { start: 2, increment: 2, every: 2, max: 6 } },
    seed: 3,
  };
}

/** n random questions `<START> w w w w w <END>` [n, 7] (int32). */
export function randomQuestions(n: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  const rows = Array.from({ length: n }, () => [
    1,
    ...Array.from({ length: 5 }, () => 4 + rng.int(QUESTION_WORDS.length)),
    2,
  ]);
  return tf.tensor2d(rows, [n, 7], 'int32');
}

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
  if (mm.memory.kind !== 'residual') throw new Error('copyModuleNetworkIntoMemory: needs residual banks');
  for (const arity of [1, 2] as const) {
    const bank = mm.memory.bankOf(arity);
    const rows = bank.rowNames.map((token) => {
      const convs = arity === 1 ? ['conv1', 'conv2'] : ['conv1', 'conv2', 'conv3'];
      return blockKernelsToRow(convs.map((c) => pgStore.get(`modules.${token}.${c}.kernel`)));
    });
    bank.memory.assign(tf.stack(rows));
  }
  void pg;
}
