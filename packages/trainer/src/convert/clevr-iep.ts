import { type NamedArray, oihwToHwio, transpose2d } from '@mmnet/core-tensors';
import { iepModuleName } from '@mmnet/module-net';
import type { Vocab } from '@mmnet/programs';
import { PyDict, stateDictTensors, toJsonValue } from '@mmnet/torch-import';
import type { TrainConfigInput } from '../config/train-config.js';
import { nchwRowsToNhwc, StateReader } from './torch-layouts.js';

/** What a converted checkpoint holds: the run's train config, the parameters by mmnet name, the vocabularies. */
export interface ConvertedModel {
  config: TrainConfigInput;
  tensors: Record<string, NamedArray>;
  vocab: Vocab;
  /** State-dict entries read but not needed (batch-norm counters, modules clevr-iep never runs). */
  skipped: string[];
}

/**
 * A PyTorch batch norm of the state dict (`weight`, `bias`, `running_mean`, `running_var` [n]) as mmnet's
 * `BatchNorm` at `mm` (`gamma`, `beta`, `runningMean`, `runningVar`), so that the converted run trains its batch norms
 * as clevr-iep does when fine-tuned, and normalises by the same running averages in evaluation.
 */
function copyBatchNorm(
  state: StateReader,
  bn: string,
  n: number,
  mm: string,
  out: Record<string, NamedArray>,
): void {
  out[`${mm}.gamma`] = state.take(`${bn}.weight`, [n]);
  out[`${mm}.beta`] = state.take(`${bn}.bias`, [n]);
  out[`${mm}.runningMean`] = state.take(`${bn}.running_mean`, [n]);
  out[`${mm}.runningVar`] = state.take(`${bn}.running_var`, [n]);
  state.skip(`${bn}.num_batches_tracked`);
}

function intKwarg(kwargs: PyDict, key: string, what: string, fallback?: number): number {
  const v = kwargs.has(key) ? kwargs.get(key) : fallback;
  if (!Number.isInteger(v))
    throw new Error(`${what}: '${key}' is ${JSON.stringify(toJsonValue(v))}, expected an int`);
  return v as number;
}

function boolKwarg(kwargs: PyDict, key: string, what: string, fallback: boolean): boolean {
  const v = kwargs.has(key) ? kwargs.get(key) : fallback;
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  throw new Error(`${what}: '${key}' is ${JSON.stringify(toJsonValue(v))}, expected a bool`);
}

function tokenMap(value: unknown, what: string): Record<string, number> {
  const json = toJsonValue(value);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${what}: not a dict`);
  for (const [k, v] of Object.entries(json)) {
    if (!Number.isInteger(v)) throw new Error(`${what}: '${k}' maps to ${JSON.stringify(v)}, not an index`);
  }
  return json as Record<string, number>;
}

function readVocab(value: unknown, what: string): Vocab {
  if (!(value instanceof PyDict)) throw new Error(`${what}: not a dict`);
  return {
    question_token_to_idx: tokenMap(
      value.require('question_token_to_idx', what),
      `${what}.question_token_to_idx`,
    ),
    program_token_to_idx: tokenMap(
      value.require('program_token_to_idx', what),
      `${what}.program_token_to_idx`,
    ),
    answer_token_to_idx: tokenMap(value.require('answer_token_to_idx', what), `${what}.answer_token_to_idx`),
  };
}

/** clevr-iep's Seq2Seq program generator -> `programGenerator.*` of mmnet's Seq2SeqProgramGenerator. */
function convertGenerator(
  kwargs: PyDict,
  state: StateReader,
  vocab: Vocab,
  out: Record<string, NamedArray>,
): Record<string, unknown> {
  const what = 'program_generator_kwargs';
  const vIn = intKwarg(kwargs, 'encoder_vocab_size', what);
  const vOut = intKwarg(kwargs, 'decoder_vocab_size', what);
  const D = intKwarg(kwargs, 'wordvec_dim', what, 300);
  const H = intKwarg(kwargs, 'hidden_dim', what, 256);
  const L = intKwarg(kwargs, 'rnn_num_layers', what, 2);
  for (const [key, want] of [
    ['null_token', 0],
    ['start_token', 1],
    ['end_token', 2],
  ] as const) {
    if (kwargs.has(key) && kwargs.get(key) !== want) {
      throw new Error(
        `${what}: '${key}' is ${String(kwargs.get(key))}; mmnet's vocabularies put it at ${want}`,
      );
    }
  }
  const questions = Math.max(...Object.values(vocab.question_token_to_idx)) + 1;
  const programs = Math.max(...Object.values(vocab.program_token_to_idx)) + 1;
  if (questions !== vIn)
    throw new Error(`${what}: encoder_vocab_size ${vIn}, but the vocab has ${questions} question tokens`);
  if (programs !== vOut)
    throw new Error(`${what}: decoder_vocab_size ${vOut}, but the vocab has ${programs} program tokens`);
  const p = 'programGenerator';
  out[`${p}.encoder.embedding.table`] = state.take('encoder_embed.weight', [vIn, D]);
  out[`${p}.decoder.embedding.table`] = state.take('decoder_embed.weight', [vOut, D]);
  for (const [side, inDim] of [
    ['encoder', D],
    ['decoder', H + D],
  ] as const) {
    for (let l = 0; l < L; l++) {
      const torch = `${side}_rnn`;
      const mm = `${p}.${side}.rnn.layer${l}`;
      let input = transpose2d(state.take(`${torch}.weight_ih_l${l}`, [4 * H, l === 0 ? inDim : H]));
      if (side === 'decoder' && l === 0) {
        // clevr-iep feeds [encoding, token embedding]; mmnet's decoder [token embedding, encoding].
        const rows = input.data;
        const reordered = new Float32Array(rows.length);
        const width = 4 * H;
        reordered.set(rows.subarray(H * width), 0);
        reordered.set(rows.subarray(0, H * width), D * width);
        input = { shape: input.shape, data: reordered };
      }
      out[`${mm}.inputWeight`] = input;
      out[`${mm}.hiddenWeight`] = transpose2d(state.take(`${torch}.weight_hh_l${l}`, [4 * H, H]));
      out[`${mm}.inputBias`] = state.take(`${torch}.bias_ih_l${l}`, [4 * H]);
      out[`${mm}.hiddenBias`] = state.take(`${torch}.bias_hh_l${l}`, [4 * H]);
    }
  }
  out[`${p}.decoder.output.weight`] = transpose2d(state.take('decoder_linear.weight', [vOut, H]));
  out[`${p}.decoder.output.bias`] = state.take('decoder_linear.bias', [vOut]);
  state.checkAllUsed();
  return {
    encoderWordvecDim: D,
    decoderWordvecDim: D,
    hiddenDim: H,
    numLayers: L,
    cell: 'lstm',
    maskSpecialTokens: false,
    maxProgramLength: 30,
  };
}

/** A conv of the state dict as mmnet's `kernel` and `bias`. */
function convLayer(
  state: StateReader,
  torch: string,
  shape: [number, number, number, number],
  mm: string,
  out: Record<string, NamedArray>,
): void {
  out[`${mm}.kernel`] = oihwToHwio(state.take(`${torch}.weight`, shape));
  out[`${mm}.bias`] = state.take(`${torch}.bias`, [shape[0]]);
}

/** clevr-iep's ModuleNet -> `executor.*` of mmnet's ModuleNetwork with `modules: 'iep'`. */
function convertExecutionEngine(
  kwargs: PyDict,
  state: StateReader,
  vocab: Vocab,
  out: Record<string, NamedArray>,
): Record<string, unknown> {
  const what = 'execution_engine_kwargs';
  const featureDim = toJsonValue(kwargs.has('feature_dim') ? kwargs.get('feature_dim') : [1024, 14, 14]);
  if (!Array.isArray(featureDim) || featureDim.length !== 3 || !featureDim.every(Number.isInteger)) {
    throw new Error(`${what}: 'feature_dim' is ${JSON.stringify(featureDim)}, expected (C, H, W)`);
  }
  const [C, Hf, Wf] = featureDim as number[];
  const stemLayers = intKwarg(kwargs, 'stem_num_layers', what, 2);
  if (stemLayers < 1)
    throw new Error(`${what}: stem_num_layers ${stemLayers}: mmnet's stem has at least one layer`);
  const stemBn = boolKwarg(kwargs, 'stem_batchnorm', what, false);
  const dim = intKwarg(kwargs, 'module_dim', what, 128);
  const residual = boolKwarg(kwargs, 'module_residual', what, true);
  const moduleBn = boolKwarg(kwargs, 'module_batchnorm', what, false);
  const projDim =
    kwargs.has('classifier_proj_dim') && kwargs.get('classifier_proj_dim') !== null
      ? intKwarg(kwargs, 'classifier_proj_dim', what)
      : 0;
  const downsample = kwargs.has('classifier_downsample') ? kwargs.get('classifier_downsample') : 'maxpool2';
  const poolSize = downsample === 'maxpool2' ? 2 : downsample === 'maxpool4' ? 4 : 1;
  if (poolSize === 1 && downsample !== 'none' && downsample !== null) {
    throw new Error(
      `${what}: classifier_downsample '${String(downsample)}' is not one of maxpool2, maxpool4, none`,
    );
  }
  const fcJson = toJsonValue(
    kwargs.has('classifier_fc_layers') ? kwargs.get('classifier_fc_layers') : [1024],
  );
  if (!Array.isArray(fcJson) || !fcJson.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${what}: 'classifier_fc_layers' is ${JSON.stringify(fcJson)}, expected a list of sizes`);
  }
  const fcLayers = fcJson as number[];
  const classifierBn = boolKwarg(kwargs, 'classifier_batchnorm', what, false);
  const e = 'executor';

  // Stem: Sequential of [conv, (bn), relu] x stemLayers.
  let index = 0;
  for (let i = 0; i < stemLayers; i++) {
    const conv = index;
    convLayer(state, `stem.${conv}`, [dim, i === 0 ? C : dim, 3, 3], `${e}.stem.conv${i + 1}`, out);
    if (stemBn) copyBatchNorm(state, `stem.${conv + 1}`, dim, `${e}.stem.bn${i + 1}`, out);
    index += stemBn ? 3 : 2;
  }

  // Modules: every token but <NULL> and <START>, which clevr-iep builds but never runs.
  const block = (torch: string, mm: string) => {
    for (const k of [1, 2]) {
      convLayer(state, `${torch}.conv${k}`, [dim, dim, 3, 3], `${mm}.conv${k}`, out);
      if (moduleBn) copyBatchNorm(state, `${torch}.bn${k}`, dim, `${mm}.bn${k}`, out);
    }
  };
  const skipped: string[] = [];
  for (const token of Object.keys(vocab.program_token_to_idx)) {
    if (token === '<NULL>' || token === '<START>') {
      for (const key of state.tensors.keys()) {
        if (key.startsWith(`${token}.`)) {
          state.skip(key);
          skipped.push(key);
        }
      }
      continue;
    }
    const mm = `${e}.modules.${iepModuleName(token)}`;
    if (state.has(`${token}.proj.weight`)) {
      convLayer(state, `${token}.proj`, [dim, 2 * dim, 1, 1], `${mm}.proj`, out);
      block(`${token}.res_block`, `${mm}.block`);
    } else block(token, mm);
  }

  // Classifier: [conv1x1, (bn), relu]?, maxpool?, flatten, [linear, (bn), relu, (dropout)] x fc, linear.
  index = 0;
  let channels = dim;
  if (projDim > 0) {
    convLayer(state, `classifier.${index}`, [projDim, dim, 1, 1], `${e}.classifier.proj`, out);
    if (classifierBn) copyBatchNorm(state, `classifier.${index + 1}`, projDim, `${e}.classifier.projBn`, out);
    index += classifierBn ? 3 : 2;
    channels = projDim;
  }
  if (poolSize > 1) index++;
  index++; // Flatten
  const ph = Math.floor(Hf / poolSize);
  const pw = Math.floor(Wf / poolSize);
  const dropout = kwargs.has('classifier_dropout') && Number(kwargs.get('classifier_dropout')) > 0;
  let previous = channels * ph * pw;
  const sizes = [...fcLayers, Math.max(...Object.values(vocab.answer_token_to_idx)) + 1];
  sizes.forEach((size, i) => {
    const last = i === sizes.length - 1;
    let weight = transpose2d(state.take(`classifier.${index}.weight`, [size, previous]));
    if (i === 0) weight = nchwRowsToNhwc(weight, channels, ph, pw);
    out[`${e}.classifier.fc${i + 1}.weight`] = weight;
    out[`${e}.classifier.fc${i + 1}.bias`] = state.take(`classifier.${index}.bias`, [size]);
    if (!last && classifierBn)
      copyBatchNorm(state, `classifier.${index + 1}`, size, `${e}.classifier.bn${i + 1}`, out);
    index += last ? 1 : 2 + (classifierBn ? 1 : 0) + (dropout ? 1 : 0);
    previous = size;
  });
  state.checkAllUsed();
  return {
    inChannels: C,
    stemDim: dim,
    stemLayers,
    stemKernelSize: 3,
    modules: 'iep',
    moduleResidual: residual,
    stemBatchNorm: stemBn,
    moduleBatchNorm: moduleBn,
    height: Hf,
    width: Wf,
    classifier: { projDim, poolSize, hiddenDim: fcLayers[0] ?? 1024, fcLayers, batchNorm: classifierBn },
    skipped,
  };
}

/**
 * Converts a clevr-iep checkpoint (as loaded by @mmnet/torch-import: the dict train_model.py saves with
 * program_generator_{kwargs,state}, execution_engine_{kwargs,state} and vocab) to an mmnet IEP model:
 * parameter names and layouts, batch norms as mmnet's, the train config of the run. A checkpoint without a
 * program generator or without an execution engine is refused (IEP needs both).
 */
export function convertClevrIepCheckpoint(checkpoint: unknown, source: string): ConvertedModel {
  if (!(checkpoint instanceof PyDict)) throw new Error(`${source}: not a clevr-iep checkpoint (not a dict)`);
  const need = (key: string) => {
    const v = checkpoint.get(key);
    if (v === undefined || v === null)
      throw new Error(`${source}: not a clevr-iep PG+EE checkpoint: '${key}' is missing`);
    return v;
  };
  const pgKwargs = need('program_generator_kwargs');
  const eeKwargs = need('execution_engine_kwargs');
  if (!(pgKwargs instanceof PyDict) || !(eeKwargs instanceof PyDict))
    throw new Error(`${source}: the kwargs are not dicts`);
  const vocab = readVocab(
    checkpoint.has('vocab') ? checkpoint.get('vocab') : eeKwargs.get('vocab'),
    `${source}: vocab`,
  );
  const tensors: Record<string, NamedArray> = {};
  const pgState = new StateReader(
    stateDictTensors(need('program_generator_state'), `${source}: program_generator_state`),
    `${source}: program_generator_state`,
  );
  const eeState = new StateReader(
    stateDictTensors(need('execution_engine_state'), `${source}: execution_engine_state`),
    `${source}: execution_engine_state`,
  );
  const programGenerator = convertGenerator(pgKwargs, pgState, vocab, tensors);
  const { skipped, ...executor } = convertExecutionEngine(eeKwargs, eeState, vocab, tensors);
  return {
    config: {
      model: 'IEP',
      stem_dim: executor.stemDim as number,
      model_config: { programGenerator, executor },
    },
    tensors,
    vocab,
    skipped: skipped as string[],
  };
}
