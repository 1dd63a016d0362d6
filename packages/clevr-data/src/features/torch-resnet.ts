import { readFile } from 'node:fs/promises';
import { tf } from '@mmnet/core-tensors';
import { loadTorchCheckpoint, PyDict, stateDictTensors, type TorchTensor } from '@mmnet/torch-import';
import type { FeatureExtractor } from './feature-extractor.js';
import { normalizePixels } from './pixel-normalization.js';

/** PyTorch's BatchNorm epsilon, which torchvision's ResNets keep. */
const BN_EPS = 1e-5;

/** One convolution with its batch norm folded in: HWIO kernel, bias, stride and symmetric padding. */
interface FoldedConv {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
  stride: number;
  pad: number;
}

interface Bottleneck {
  conv1: FoldedConv;
  conv2: FoldedConv;
  conv3: FoldedConv;
  downsample: FoldedConv | null;
}

/**
 * A torchvision ResNet (bottleneck blocks) up to layer3 in eval mode, from its state dict: conv1 7x7/2 + bn +
 * ReLU + maxpool 3x3/2, then layer1..layer3, as clevr-iep's extract_features.py cuts it (1024 x 14 x 14 from
 * 224 x 224 with ResNet-101). Batch norms are folded into the convolutions. The block counts come from the
 * state dict ([3, 4, 23] for ResNet-101, [3, 4, 6] for ResNet-50); every key must be used, errors name it.
 */
export class TorchResNetTrunk {
  readonly stem: FoldedConv;
  readonly layers: Bottleneck[][] = [];

  constructor(state: Map<string, TorchTensor>, source: string) {
    const used = new Set<string>();
    const take = (key: string, rank: number): TorchTensor => {
      const t = state.get(key);
      if (!t) throw new Error(`${source}: missing key '${key}'`);
      if (t.shape.length !== rank)
        throw new Error(`${source}: '${key}' has shape [${t.shape}], expected rank ${rank}`);
      used.add(key);
      return t;
    };
    /** Conv `conv` (k x k, `inChannels` in, any number out) with batch norm `bn` folded in. */
    const fold = (conv: string, bn: string, stride: number, k: number, inChannels: number): FoldedConv => {
      const w = take(`${conv}.weight`, 4);
      const [o, i, kh, kw] = w.shape;
      if (i !== inChannels || kh !== k || kw !== k)
        throw new Error(
          `${source}: '${conv}.weight' has shape [${w.shape}], expected [${o},${inChannels},${k},${k}]`,
        );
      const bnPart = (name: string) => {
        const t = take(`${bn}.${name}`, 1);
        if (t.shape[0] !== o)
          throw new Error(`${source}: '${bn}.${name}' has shape [${t.shape}], expected [${o}]`);
        return t.toFloat32();
      };
      const gamma = bnPart('weight');
      const beta = bnPart('bias');
      const mean = bnPart('running_mean');
      const variance = bnPart('running_var');
      if (state.has(`${bn}.num_batches_tracked`)) used.add(`${bn}.num_batches_tracked`);
      if (state.has(`${conv}.bias`))
        throw new Error(`${source}: '${conv}.bias': torchvision's ResNet convs have none`);
      const data = w.toFloat32();
      const kernel = new Float32Array(data.length);
      const bias = new Float32Array(o);
      for (let oo = 0; oo < o; oo++) {
        const s = gamma[oo] / Math.sqrt(variance[oo] + BN_EPS);
        bias[oo] = beta[oo] - mean[oo] * s;
        for (let ii = 0; ii < i; ii++)
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++)
              kernel[((y * kw + x) * i + ii) * o + oo] = data[((oo * i + ii) * kh + y) * kw + x] * s;
      }
      return {
        kernel: tf.keep(tf.tensor4d(kernel, [kh, kw, i, o])),
        bias: tf.keep(tf.tensor1d(bias)),
        stride,
        pad: (kh - 1) / 2,
      };
    };
    // Widths follow the tensors (any base width); each conv's input must be the previous output.
    this.stem = fold('conv1', 'bn1', 2, 7, 3);
    let channels = this.stem.kernel.shape[3];
    const outOf = (c: FoldedConv) => c.kernel.shape[3];
    for (let l = 1; l <= 3; l++) {
      const blocks: Bottleneck[] = [];
      for (let b = 0; state.has(`layer${l}.${b}.conv1.weight`); b++) {
        const p = `layer${l}.${b}`;
        const stride = b === 0 && l > 1 ? 2 : 1;
        const conv1 = fold(`${p}.conv1`, `${p}.bn1`, 1, 1, channels);
        const conv2 = fold(`${p}.conv2`, `${p}.bn2`, stride, 3, outOf(conv1));
        const conv3 = fold(`${p}.conv3`, `${p}.bn3`, 1, 1, outOf(conv2));
        const out = outOf(conv3);
        let downsample: FoldedConv | null = null;
        if (state.has(`${p}.downsample.0.weight`)) {
          downsample = fold(`${p}.downsample.0`, `${p}.downsample.1`, stride, 1, channels);
          if (outOf(downsample) !== out)
            throw new Error(
              `${source}: '${p}.downsample.0.weight' has shape [${state.get(`${p}.downsample.0.weight`)!.shape}], expected [${out},${channels},1,1]`,
            );
        } else if (stride !== 1 || channels !== out) {
          throw new Error(
            `${source}: missing key '${p}.downsample.0.weight' (expected shape [${out},${channels},1,1]: the block changes the shape)`,
          );
        }
        blocks.push({ conv1, conv2, conv3, downsample });
        channels = out;
      }
      if (blocks.length === 0)
        throw new Error(`${source}: no blocks of layer${l} (missing 'layer${l}.0.conv1.weight')`);
      this.layers.push(blocks);
    }
    // layer4 and fc are not used (the trunk stops at layer3); anything else is not a torchvision ResNet.
    const left = [...state.keys()].filter(
      (k) => !used.has(k) && !k.startsWith('layer4.') && !k.startsWith('fc.'),
    );
    if (left.length)
      throw new Error(
        `${source}: unexpected keys ${left
          .slice(0, 5)
          .map((k) => `'${k}'`)
          .join(', ')}`,
      );
  }

  /** Block counts of layer1..layer3 ([3, 4, 23] for ResNet-101). */
  get blocks(): number[] {
    return this.layers.map((l) => l.length);
  }

  /** Output channels of layer3. */
  get channels(): number {
    const last = this.layers[2][this.layers[2].length - 1];
    return last.conv3.bias.shape[0];
  }

  /** ImageNet-normalised NHWC images -> layer3 features NHWC (1/16 of the input size). */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const conv = (t: tf.Tensor4D, c: FoldedConv) =>
      tf.add(tf.conv2d(t, c.kernel, c.stride, c.pad), c.bias) as tf.Tensor4D;
    return tf.tidy(() => {
      let h = tf.relu(conv(x, this.stem)) as tf.Tensor4D;
      h = tf.maxPool(h, 3, 2, 1);
      for (const layer of this.layers) {
        for (const block of layer) {
          const identity = block.downsample ? conv(h, block.downsample) : h;
          let o = tf.relu(conv(h, block.conv1)) as tf.Tensor4D;
          o = tf.relu(conv(o, block.conv2)) as tf.Tensor4D;
          h = tf.relu(tf.add(conv(o, block.conv3), identity)) as tf.Tensor4D;
        }
      }
      return h;
    });
  }

  dispose(): void {
    const convs = [
      this.stem,
      ...this.layers.flat().flatMap((b) => [b.conv1, b.conv2, b.conv3, b.downsample]),
    ];
    for (const c of convs) {
      c?.kernel.dispose();
      c?.bias.dispose();
    }
  }
}

/** The state dict of a torchvision checkpoint: the dict itself, or under 'state_dict' / 'model'. */
function stateDictOf(value: unknown, source: string): Map<string, TorchTensor> {
  if (value instanceof PyDict) {
    for (const key of ['state_dict', 'model']) {
      if (value.get(key) instanceof PyDict) return stateDictTensors(value.get(key), `${source}: ${key}`);
    }
  }
  return stateDictTensors(value, source);
}

/**
 * The `resnet101` extractor: torchvision's ResNet weights (e.g. resnet101-5d3b4d8f.pth, either torch.save
 * format) up to layer3, with the bicubic resize and the normalisation of clevr-iep's extract_features.py. Any
 * torchvision bottleneck ResNet's weights work, at any width; the name records its block counts.
 */
export async function loadTorchResNetExtractor(
  input: { height: number; width: number },
  weightsPath: string,
): Promise<FeatureExtractor> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (err) {
    throw new Error(
      `${weightsPath}: cannot read the ResNet weights (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  const trunk = new TorchResNetTrunk(
    stateDictOf(loadTorchCheckpoint(bytes, weightsPath), weightsPath),
    weightsPath,
  );
  const size = (n: number) => {
    let s = Math.floor((n + 2 * 3 - 7) / 2) + 1; // conv1
    s = Math.floor((s + 2 - 3) / 2) + 1; // maxpool
    s = Math.floor((s - 1) / 2) + 1; // layer2
    return Math.floor((s - 1) / 2) + 1; // layer3
  };
  const blocks = trunk.blocks.join('-');
  const name = blocks === '3-4-23' ? 'resnet101-layer3' : `resnet-${blocks}-layer3`;
  return {
    name,
    outputShape: [size(input.height), size(input.width), trunk.channels],
    resample: 'pil-bicubic',
    extract: (batch) => tf.tidy(() => trunk.apply(normalizePixels(batch, 'clevr-iep'))),
    dispose: () => trunk.dispose(),
  };
}
