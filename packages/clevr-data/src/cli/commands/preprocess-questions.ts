import { flagInt, flagSwitch } from '@mmnet/core-tensors';
import { z } from 'zod';
import { preprocessQuestions } from '../../dataset/preprocess-questions.js';
import { DEFAULT_INPUT_LIMITS } from '../../limits/input-limits.js';
import { shardFlag } from '../../shards/shards.js';
import { defineCommand } from '../command.js';

const schema = z
  .object({
    input_questions_json: z.string().min(1).meta({ description: 'CLEVR questions JSON' }),
    input_vocab_json: z.string().min(1).optional().meta({ description: 'vocabulary to encode with' }),
    expand_vocab: flagSwitch()
      .default(false)
      .meta({ description: 'add new question words to the input vocab' }),
    output_h5_file: z.string().min(1).meta({ description: 'questions HDF5 file to write' }),
    output_vocab_json: z.string().min(1).optional().meta({ description: 'vocabulary file to write' }),
    mode: z
      .enum(['prefix', 'postfix'], { message: 'expected prefix or postfix' })
      .default('prefix')
      .meta({ description: 'program order' }),
    unk_threshold: flagInt(1)
      .default(1)
      .meta({ description: 'minimum count of a question word in a built vocab' }),
    encode_unk: flagSwitch().default(false).meta({ description: 'encode unknown question words as <UNK>' }),
    h5_dtype: z
      .enum(['int32', 'int64'], { message: 'expected int32 or int64' })
      .default('int32')
      .meta({ description: 'integer type of the arrays (clevr-iep writes int32)' }),
    max_question_length: flagInt(1)
      .default(DEFAULT_INPUT_LIMITS.maxQuestionLength)
      .meta({ description: 'longest question accepted, in tokens with <START> and <END>' }),
    max_program_length: flagInt(1)
      .default(DEFAULT_INPUT_LIMITS.maxProgramLength)
      .meta({ description: 'longest program accepted, in tokens with <START> and <END>' }),
    shard: shardFlag.optional().meta({
      description:
        'i/n: only shard i of n (0 <= i < n), its contiguous range of the questions, into its own file (join them with merge-features)',
      value: 'i/n',
    }),
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
