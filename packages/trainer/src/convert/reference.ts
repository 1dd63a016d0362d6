import { type NamedArray, oihwToHwio, transpose2d } from '@mmnet/core-tensors';
import { clevrArity, isSpecialToken, type Vocab } from '@mmnet/programs';
import { PyDict, stateDictTensors, type TorchTensor } from '@mmnet/torch-import';
import type { ConvertedModel } from './clevr-iep.js';
import { nchwRowsToNhwc, StateReader } from './torch-layouts.js';

/** Which model a reference (VisualReasoning_MMnet) state dict holds, from its keys. */
export function referenceModelKind(keys: string[]): 'PG' | 'PG_memory' | 'SAN' | null {
  if (keys.some((k) => k === 'memory' || k.startsWith('memory.'))) return 'PG_memory';
  if (keys.some((k) => k.endsWith('.c1.weight'))) return 'PG';
  if (keys.some((k) => k.includes('Wv.weight') || k.includes('Wu.weight'))) return 'SAN';
  return null;
}

/**
 * Converts a state dict saved by the reference project (`torch.save(model.state_dict(), ...)` of
 * VisualReasoning_MMnet, which records no vocabulary and no sizes) to an mmnet run of the same model. The sizes
 * are read from the tensors; the vocabulary is the dataset's (`vocab`). PG: stem `stem.0`/`stem.2`, one residual
 * block per program token (`<token>.c1`, `.c2`, binary `.c3`; `scene` too: the reference runs a block over the
 * features, mmnet's `sceneBlock`), classifier `classifier.0` (1x1), `.4`, `.6`. PG_memory: the same stem and
 * classifier, and the memory of module weights `memory.unary` [unary functions, 2k] and `memory.binary` [binary
 * functions, 4k] (k = 9 dim^2; per row the block's bias-free 3x3 kernels, OIHW flattened; one row per function
 * in the vocabulary's order; `scene` = the stem's features) as mmnet's two banks. SAN: stem, question encoder
 * `rnn.embed`, `rnn.rnn` (LSTM), attention `attention.Wv` (1x1), `.Wu`, `.Wp` (1x1), 3 hops, classifier
 * `classifier.0`, `.2`.
 */
export function convertReferenceStateDict(value: unknown, vocab: Vocab, source: string): ConvertedModel {
  const tensors = stateDictOf(value, source);
  const kind = referenceModelKind([...tensors.keys()]);
  if (kind === 'SAN') return convertReferenceSan(tensors, vocab, source);
  if (kind === null) {
    throw new Error(`${source}: not a reference state dict (no PG, PG_memory or SAN keys)`);
  }
  const state = new StateReader(tensors, source);
  const out: Record<string, NamedArray> = {};
  const stem0 = tensors.get('stem.0.weight');
  if (!stem0) throw new Error(`${source}: missing key 'stem.0.weight'`);
  const [dim, inChannels] = stem0.shape;
  const conv = (torch: string, shape: number[], mm: string) => {
    out[`${mm}.kernel`] = oihwToHwio(state.take(`${torch}.weight`, shape));
    out[`${mm}.bias`] = state.take(`${torch}.bias`, [shape[0]]);
  };
  conv('stem.0', [dim, inChannels, 3, 3], 'stem.conv1');
  conv('stem.2', [dim, dim, 3, 3], 'stem.conv2');
  const functions = Object.entries(vocab.program_token_to_idx)
    .sort((a, b) => a[1] - b[1])
    .map(([token]) => token)
    .filter((token) => !isSpecialToken(token));
  if (kind === 'PG') {
    for (const token of functions) {
      const binary = clevrArity(token) === 2;
      conv(`${token}.c1`, [dim, binary ? 2 * dim : dim, 3, 3], `modules.${token}.conv1`);
      conv(`${token}.c2`, [dim, dim, 3, 3], `modules.${token}.conv2`);
      if (binary) conv(`${token}.c3`, [dim, dim, 3, 3], `modules.${token}.conv3`);
    }
  } else {
    // One row per function of the bank's arity, its kernels one after the other (width 2k or 4k).
    const bank = (arity: 1 | 2, kernels: number[][]) => {
      const key = arity === 1 ? 'memory.unary' : 'memory.binary';
      const rows = functions.filter((token) => clevrArity(token) === arity).length;
      if (rows === 0) return state.skip(key);
      const width = kernels.reduce((a, shape) => a + shape.reduce((x, y) => x * y, 1), 0);
      out[key] = oihwRowsToHwio(state.take(key, [rows, width]), kernels);
    };
    bank(1, [
      [dim, dim, 3, 3],
      [dim, dim, 3, 3],
    ]);
    bank(2, [
      [dim, 2 * dim, 3, 3],
      [dim, dim, 3, 3],
      [dim, dim, 3, 3],
    ]);
  }
  const proj = tensors.get('classifier.0.weight');
  const fc1 = tensors.get('classifier.4.weight');
  const fc2 = tensors.get('classifier.6.weight');
  if (!proj || !fc1 || !fc2) {
    throw new Error(`${source}: missing classifier keys (expected classifier.0, classifier.4, classifier.6)`);
  }
  const projDim = proj.shape[0];
  const hiddenDim = fc1.shape[0];
  const cells = fc1.shape[1] / projDim;
  const side = Math.round(Math.sqrt(cells));
  if (side * side !== cells) {
    throw new Error(`${source}: 'classifier.4.weight' [${fc1.shape}] is not ${projDim} x a square map`);
  }
  const numAnswers = Math.max(...Object.values(vocab.answer_token_to_idx)) + 1;
  conv('classifier.0', [projDim, dim, 1, 1], 'classifier.proj');
  out['classifier.fc1.weight'] = nchwRowsToNhwc(
    transpose2d(state.take('classifier.4.weight', [hiddenDim, fc1.shape[1]])),
    projDim,
    side,
    side,
  );
  out['classifier.fc1.bias'] = state.take('classifier.4.bias', [hiddenDim]);
  out['classifier.fc2.weight'] = transpose2d(state.take('classifier.6.weight', [numAnswers, hiddenDim]));
  out['classifier.fc2.bias'] = state.take('classifier.6.bias', [numAnswers]);
  state.checkAllUsed();
  return {
    config: {
      model: kind,
      stem_dim: dim,
      model_config: {
        modules: 'residual',
        ...(kind === 'PG' ? { sceneBlock: true } : {}),
        inChannels,
        stemDim: dim,
        height: 2 * side,
        width: 2 * side,
        classifier: { projDim, poolSize: 2, hiddenDim },
      },
    },
    tensors: out,
    vocab,
    skipped: [],
  };
}

/** Rows of OIHW kernels flattened one after the other (PyTorch) to the same rows of HWIO kernels (mmnet). */
function oihwRowsToHwio(rows: NamedArray, kernels: number[][]): NamedArray {
  const [n, width] = rows.shape;
  const data = new Float32Array(rows.data.length);
  for (let r = 0; r < n; r++) {
    let offset = r * width;
    for (const shape of kernels) {
      const size = shape.reduce((a, b) => a * b, 1);
      const kernel = oihwToHwio({ shape, data: rows.data.subarray(offset, offset + size) });
      data.set(kernel.data, offset);
      offset += size;
    }
  }
  return { shape: [n, width], data };
}

function stateDictOf(value: unknown, source: string): Map<string, TorchTensor> {
  if (value instanceof PyDict && value.get('state_dict') instanceof PyDict) {
    return stateDictTensors(value.get('state_dict'), `${source}: state_dict`);
  }
  return stateDictTensors(value, source);
}

/** The reference's SAN: stem, LSTM question encoder, one attention layer used for 3 hops, MLP classifier. */
function convertReferenceSan(
  tensors: Map<string, TorchTensor>,
  vocab: Vocab,
  source: string,
): ConvertedModel {
  const state = new StateReader(tensors, source);
  const out: Record<string, NamedArray> = {};
  const shapeOf = (key: string) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`${source}: missing key '${key}'`);
    return t.shape;
  };
  const [dim, inChannels] = shapeOf('stem.0.weight');
  const [questionTokens, wordDim] = shapeOf('rnn.embed.weight');
  const [attentionDim] = shapeOf('attention.Wu.weight');
  const [hidden] = shapeOf('classifier.0.weight');
  const vocabSize = Math.max(...Object.values(vocab.question_token_to_idx)) + 1;
  if (questionTokens !== vocabSize) {
    throw new Error(
      `${source}: 'rnn.embed.weight' has ${questionTokens} rows, the vocab ${vocabSize} question tokens`,
    );
  }
  const numAnswers = Math.max(...Object.values(vocab.answer_token_to_idx)) + 1;
  const conv = (torch: string, shape: number[], mm: string) => {
    out[`${mm}.kernel`] = oihwToHwio(state.take(`${torch}.weight`, shape));
    out[`${mm}.bias`] = state.take(`${torch}.bias`, [shape[0]]);
  };
  /** A 1x1 conv [out, in, 1, 1] or a linear [out, in] as mmnet's Linear [in, out]. */
  const linear = (torch: string, shape: number[], mm: string) => {
    const w = state.take(`${torch}.weight`, shape);
    out[`${mm}.weight`] = transpose2d({ shape: [shape[0], shape[1]], data: w.data });
    out[`${mm}.bias`] = state.take(`${torch}.bias`, [shape[0]]);
  };
  conv('stem.0', [dim, inChannels, 3, 3], 'stem.conv1');
  conv('stem.2', [dim, dim, 3, 3], 'stem.conv2');
  out['question.embedding.table'] = state.take('rnn.embed.weight', [questionTokens, wordDim]);
  let layers = 0;
  for (; tensors.has(`rnn.rnn.weight_ih_l${layers}`); layers++) {
    const mm = `question.rnn.layer${layers}`;
    out[`${mm}.inputWeight`] = transpose2d(
      state.take(`rnn.rnn.weight_ih_l${layers}`, [4 * dim, layers === 0 ? wordDim : dim]),
    );
    out[`${mm}.hiddenWeight`] = transpose2d(state.take(`rnn.rnn.weight_hh_l${layers}`, [4 * dim, dim]));
    out[`${mm}.inputBias`] = state.take(`rnn.rnn.bias_ih_l${layers}`, [4 * dim]);
    out[`${mm}.hiddenBias`] = state.take(`rnn.rnn.bias_hh_l${layers}`, [4 * dim]);
  }
  linear('attention.Wv', [attentionDim, dim, 1, 1], 'attention.wv');
  linear('attention.Wu', [attentionDim, dim], 'attention.wu');
  linear('attention.Wp', [1, attentionDim, 1, 1], 'attention.wp');
  linear('classifier.0', [hidden, dim], 'classifier.fc1');
  linear('classifier.2', [numAnswers, hidden], 'classifier.fc2');
  state.checkAllUsed();
  return {
    config: {
      model: 'SAN',
      stem_dim: dim,
      model_config: {
        inChannels,
        stemDim: dim,
        stemLayers: 2,
        wordEmbedDim: wordDim,
        rnnCell: 'lstm',
        rnnLayers: layers,
        attentionDim,
        hops: 3,
        classifierHidden: hidden,
      },
    },
    tensors: out,
    vocab,
    skipped: [],
  };
}
