import {
  type CheckpointMetadata,
  createRng,
  loadCheckpoint,
  type NamedArray,
  type ParameterScope,
  ParameterStore,
  saveCheckpoint,
} from '@mmnet/core-tensors';
import { z } from 'zod';
import { Seq2SeqConfigSchema } from './config.js';
import type { ProgramGeneratorVocab } from './seq2seq-program-generator.js';
import { createProgramGenerator, type Seq2SeqProgramGenerator } from './seq2seq-program-generator.js';

/** The metadata a program generator checkpoint must hold (besides anything the trainer adds). */
const GeneratorMetadataSchema = z.object({
  config: Seq2SeqConfigSchema,
  vocab: z.object({
    question_token_to_idx: z.record(z.string(), z.number().int()),
    program_token_to_idx: z.record(z.string(), z.number().int()),
  }),
});

/**
 * Saves a generator's weights (names relative to the generator, e.g. `encoder.rnn.layer0.inputWeight`)
 * with its config and vocabularies as safetensors metadata, atomically. `scopePrefix` is the prefix of the
 * generator's parameters in `store` ('' for a store of its own, e.g. 'programGenerator' in a larger model).
 */
export function saveProgramGenerator(
  path: string,
  generator: Seq2SeqProgramGenerator,
  store: ParameterStore,
  vocab: ProgramGeneratorVocab,
  options: { scopePrefix?: string; metadata?: CheckpointMetadata } = {},
): void {
  const prefix = options.scopePrefix ?? '';
  const tensors: Record<string, NamedArray> = {};
  for (const [name, value] of Object.entries(prefix ? store.snapshot(prefix) : store.snapshot())) {
    tensors[prefix ? name.slice(prefix.length + 1) : name] = value;
  }
  if (Object.keys(tensors).length === 0) {
    throw new Error(`saveProgramGenerator: no parameters under "${prefix}" in the store`);
  }
  saveCheckpoint(path, tensors, {
    ...options.metadata,
    config: generator.config,
    vocab: {
      question_token_to_idx: vocab.question_token_to_idx,
      program_token_to_idx: vocab.program_token_to_idx,
    },
  });
}

export interface LoadedProgramGenerator {
  generator: Seq2SeqProgramGenerator;
  store: ParameterStore;
  vocab: ProgramGeneratorVocab;
  /** Everything in the file's metadata (config, vocab and what the trainer added). */
  metadata: CheckpointMetadata;
}

function readGeneratorCheckpoint(path: string) {
  const checkpoint = loadCheckpoint(path);
  const parsed = GeneratorMetadataSchema.safeParse(checkpoint.metadata);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${path}: not a program generator checkpoint (metadata ${issue.path.join('.') || '(root)'}: ${issue.message})`,
    );
  }
  return { checkpoint, config: parsed.data.config, vocab: parsed.data.vocab };
}

/**
 * Loads a checkpoint written by `saveProgramGenerator`: a generator built from the saved config and
 * vocabularies, in its own store (`scope` absent) or created under `scope` of a given `store`
 * (e.g. `store.scope('programGenerator')`, then `scopePrefix` 'programGenerator').
 */
export function loadProgramGenerator(
  path: string,
  options: { store?: ParameterStore; scopePrefix?: string } = {},
): LoadedProgramGenerator {
  const { checkpoint, config, vocab } = readGeneratorCheckpoint(path);
  const prefix = options.scopePrefix ?? '';
  // Initial values are overwritten by the checkpoint's.
  const store = options.store ?? new ParameterStore(createRng(0));
  const scope: ParameterScope = prefix ? store.scope(prefix) : store;
  const { generator } = createProgramGenerator(config, vocab, { store, scope });
  const named: Record<string, NamedArray> = {};
  for (const [name, value] of Object.entries(checkpoint.tensors))
    named[prefix ? `${prefix}.${name}` : name] = value;
  store.assign(named, { strict: true, prefixes: prefix ? [prefix] : [], source: path });
  return { generator, store, vocab, metadata: checkpoint.metadata };
}
