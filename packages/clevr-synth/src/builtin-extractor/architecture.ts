import { Conv2d, type ParameterScope, tf } from '@mmnet/core-tensors';
import { z } from 'zod';
import { ATTRIBUTE_LOGITS } from './attribute-groups.js';

const stageSchema = z.object({
  /** Side of the non-overlapping patches merged at the start of the stage (1: none). */
  patch: z.number().int().min(1).max(8),
  /** Channels after the stage's 1x1 patch projection and its 3x3 convolutions. */
  channels: z.number().int().positive(),
  /** 3x3 stride-1 convolutions (ReLU) after the patch projection. */
  convs: z.number().int().min(0).max(4),
});

/** The built-in CNN's shape; stored in the weights file's metadata and checked on load. */
export const builtinCnnConfigSchema = z
  .object({
    /** Input size the network was trained at (images are resized to it). */
    inputHeight: z.number().int().positive().default(224),
    inputWidth: z.number().int().positive().default(224),
    /**
     * Stages: each merges patch x patch pixels (space-to-depth + a 1x1 convolution, i.e. a patch x patch
     * stride-patch convolution), then applies 3x3 convolutions. 224 / (4 * 2 * 2) = 14.
     */
    stages: z
      .array(stageSchema)
      .min(1)
      .default([
        { patch: 4, channels: 24, convs: 1 },
        { patch: 2, channels: 48, convs: 1 },
        { patch: 2, channels: 64, convs: 2 },
      ]),
    /** Channels of the linear 1x1 embedding the attribute heads read (also part of the features). */
    embeddingChannels: z.number().int().positive().default(16),
  })
  .strict();
export type BuiltinCnnConfig = z.output<typeof builtinCnnConfigSchema>;

/** Output grid of a config (the input must be divisible by the product of the patch sides). */
export function builtinCnnGrid(config: BuiltinCnnConfig): { height: number; width: number } {
  const reduction = config.stages.reduce((r, s) => r * s.patch, 1);
  if (config.inputHeight % reduction !== 0 || config.inputWidth % reduction !== 0) {
    throw new Error(
      `built-in CNN: input ${config.inputHeight}x${config.inputWidth} is not divisible by its reduction ${reduction}`,
    );
  }
  return { height: config.inputHeight / reduction, width: config.inputWidth / reduction };
}

/**
 * Space-to-depth with rank-4 reshapes and transposes only (differentiable on every backend): [B, H, W, C]
 * -> [B, H/k, W/k, k*k*C], each output cell holding its k x k patch in (row, column, channel) order.
 */
export function mergePatches(x: tf.Tensor4D, k: number): tf.Tensor4D {
  if (k === 1) return x;
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const rows = tf.reshape(x, [b * (h / k), k, w / k, k * c]);
    const swapped = tf.transpose(rows, [0, 2, 1, 3]); // [B*H/k, W/k, k(row), k*C]
    return tf.reshape(swapped, [b, h / k, w / k, k * k * c]) as tf.Tensor4D;
  });
}

/** Input scaling: (pixel - mean) / spread, pixels in [0, 1]. */
const INPUT_MEAN = 0.5;
const INPUT_SPREAD = 0.25;

export interface BuiltinCnnOutput {
  /** [B, h, w, 16] logits: objectness, then the attribute values of each group (see ATTRIBUTE_LOGITS). */
  logits: tf.Tensor4D;
  /** [B, h, w, E] linear embedding the heads read. */
  embedding: tf.Tensor4D;
}

/**
 * A small fully convolutional network. Each stage merges non-overlapping patches (a strided convolution
 * written as space-to-depth + 1x1, whose gradients are plain matrix products: wasm's strided-convolution
 * gradients are slow) and applies 3x3 ReLU convolutions; then a linear 1x1 embedding (no ReLU: a narrow ReLU
 * layer loses units for good early in training) and a linear 1x1 head give per-cell objectness and attribute logits. Input [B, H, W, 3] RGB in [0, 1].
 */
export class BuiltinCnn {
  private readonly stages: { patch: number; project: Conv2d; convs: Conv2d[] }[];
  private readonly embed: Conv2d;
  private readonly head: Conv2d;

  constructor(
    scope: ParameterScope,
    readonly config: BuiltinCnnConfig,
  ) {
    builtinCnnGrid(config);
    let inChannels = 3;
    this.stages = config.stages.map((stage, i) => {
      const s = scope.scope(`stage${i + 1}`);
      const project = new Conv2d(
        s.scope('project'),
        inChannels * stage.patch * stage.patch,
        stage.channels,
        1,
      );
      const convs = Array.from(
        { length: stage.convs },
        (_, j) => new Conv2d(s.scope(`conv${j + 1}`), stage.channels, stage.channels, 3),
      );
      inChannels = stage.channels;
      return { patch: stage.patch, project, convs };
    });
    this.embed = new Conv2d(scope.scope('embed'), inChannels, config.embeddingChannels, 1);
    this.head = new Conv2d(scope.scope('head'), config.embeddingChannels, ATTRIBUTE_LOGITS, 1);
  }

  apply(images: tf.Tensor4D): BuiltinCnnOutput {
    const { inputHeight, inputWidth } = this.config;
    if (
      images.rank !== 4 ||
      images.shape[1] !== inputHeight ||
      images.shape[2] !== inputWidth ||
      images.shape[3] !== 3
    ) {
      throw new Error(
        `built-in CNN: expected images [B, ${inputHeight}, ${inputWidth}, 3], got [${images.shape}]`,
      );
    }
    return tf.tidy(() => {
      // Pixels to about zero mean and unit spread (CLEVR images are mostly mid-grey).
      let x = tf.mul(tf.sub(images, INPUT_MEAN), 1 / INPUT_SPREAD) as tf.Tensor4D;
      for (const stage of this.stages) {
        x = tf.relu(stage.project.apply(mergePatches(x, stage.patch)));
        for (const conv of stage.convs) x = tf.relu(conv.apply(x));
      }
      const embedding = this.embed.apply(x);
      const logits = this.head.apply(embedding);
      return { logits, embedding };
    });
  }
}
