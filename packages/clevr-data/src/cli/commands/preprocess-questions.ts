import { z } from 'zod';
import { preprocessQuestions } from '../../dataset/preprocess-questions.js';
import { DEFAULT_INPUT_LIMITS } from '../../limits/input-limits.js';
import { shardFlag } from '../../shards/shards.js';
import { defineCommand } from '../command.js';
import { type FlagSpecs, flagPositiveInt, flagSwitch } from '../flags.js';

const flags: FlagSpecs = {
  input_questions_json: { type: 'string', description: 'CLEVR questions JSON', required: true },
  input_vocab_json: { type: 'string', description: 'vocabulary to encode with' },
  expand_vocab: {
    type: 'string',
    description: 'add new question words to the input vocab (0/1)',
    default: '0',
  },
  output_h5_file: { type: 'string', description: 'questions HDF5 file to write', required: true },
  output_vocab_json: { type: 'string', description: 'vocabulary file to write' },
  mode: { type: 'string', description: 'program order: prefix or postfix', default: 'prefix' },
  unk_threshold: {
    type: 'string',
    description: 'minimum count of a question word in a built vocab',
    default: '1',
  },
  encode_unk: { type: 'string', description: 'encode unknown question words as <UNK> (0/1)', default: '0' },
  h5_dtype: {
    type: 'string',
    description: 'integer type of the arrays: int32 (as clevr-iep writes them) or int64',
    default: 'int32',
  },
  max_question_length: {
    type: 'string',
    description: 'longest question accepted, in tokens with <START> and <END>',
    default: String(DEFAULT_INPUT_LIMITS.maxQuestionLength),
  },
  max_program_length: {
    type: 'string',
    description: 'longest program accepted, in tokens with <START> and <END>',
    default: String(DEFAULT_INPUT_LIMITS.maxProgramLength),
  },
  shard: {
    type: 'string',
    description:
      'i/n: only shard i of n (0 <= i < n), its contiguous range of the questions, into its own file (join them with merge-features)',
  },
};

const schema = z
  .object({
    input_questions_json: z.string().min(1),
    input_vocab_json: z.string().min(1).optional(),
    expand_vocab: flagSwitch.default(false),
    output_h5_file: z.string().min(1),
    output_vocab_json: z.string().min(1).optional(),
    mode: z.enum(['prefix', 'postfix'], { message: 'expected prefix or postfix' }).default('prefix'),
    unk_threshold: flagPositiveInt.default(1),
    encode_unk: flagSwitch.default(false),
    h5_dtype: z.enum(['int64', 'int32'], { message: 'expected int32 or int64' }).default('int32'),
    max_question_length: flagPositiveInt.default(DEFAULT_INPUT_LIMITS.maxQuestionLength),
    max_program_length: flagPositiveInt.default(DEFAULT_INPUT_LIMITS.maxProgramLength),
    shard: shardFlag.optional(),
  })
  .refine((f) => f.input_vocab_json !== undefined || f.output_vocab_json !== undefined, {
    message: 'give --input_vocab_json or --output_vocab_json (or both)',
    path: ['input_vocab_json'],
  });

export const preprocessQuestionsCommand = defineCommand({
  name: 'preprocess-questions',
  summary:
    'Encode a CLEVR questions JSON into questions.h5 (questions, image_idxs, orig_idxs, programs, answers, question_families) and a vocab.json, as the reference preprocess_questions.py.',
  usage:
    'mmnet-data preprocess-questions --input_questions_json <file> --output_h5_file <file> (--input_vocab_json <file> | --output_vocab_json <file>) [--shard i/n]',
  flags,
  schema,
  async run(f, io, task) {
    const res = await preprocessQuestions(
      {
        inputQuestionsJson: f.input_questions_json,
        inputVocabJson: f.input_vocab_json,
        expandVocab: f.expand_vocab,
        outputH5File: f.output_h5_file,
        outputVocabJson: f.output_vocab_json,
        mode: f.mode,
        unkThreshold: f.unk_threshold,
        encodeUnk: f.encode_unk,
        h5Dtype: f.h5_dtype,
        maxQuestionLength: f.max_question_length,
        maxProgramLength: f.max_program_length,
        shard: f.shard,
      },
      task,
    );
    if (res.newWords.length > 0) io.err(`added ${res.newWords.length} new words: ${res.newWords.join(' ')}`);
    io.out(
      `${f.output_h5_file}: ${res.questions} questions [${res.questions}, ${res.questionLength}]` +
        (res.hasPrograms ? `, programs [${res.questions}, ${res.programLength}]` : ', no programs') +
        (res.hasAnswers ? ', answers' : ', no answers') +
        `; vocab sizes: questions ${res.vocabSizes.questions}, programs ${res.vocabSizes.programs}, answers ${res.vocabSizes.answers}` +
        (res.shard && f.shard
          ? ` (shard ${f.shard.index}/${f.shard.count}: questions ${res.shard.start}-${res.shard.end - 1} of ${res.shard.total})`
          : ''),
    );
    return 0;
  },
});
