import { tf } from '@mmnet/core-tensors';
import { z } from 'zod';

/**
 * How RGB in [0, 1] is mapped before a network: ImageNet mean/std, clevr-iep's (extract_features.py: ImageNet's
 * mean, std 0.224 for blue where torchvision says 0.225; its features and the engines trained on them were made
 * so), [0,1], [-1,1], [0,255].
 */
export const pixelNormalizationSchema = z.enum(['imagenet', 'clevr-iep', 'unit', 'symmetric', 'byte']);
export type PixelNormalization = z.infer<typeof pixelNormalizationSchema>;

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];
const CLEVR_IEP_STD = [0.229, 0.224, 0.224];

/** A batch [B, H, W, 3] of RGB in [0, 1] mapped as `mode` says (a new tensor, or `batch` itself for 'unit'). */
export function normalizePixels(batch: tf.Tensor4D, mode: PixelNormalization): tf.Tensor4D {
  switch (mode) {
    case 'unit':
      return batch;
    case 'symmetric':
      return tf.sub(tf.mul(batch, 2), 1);
    case 'byte':
      return tf.mul(batch, 255);
    case 'imagenet':
      return tf.div(tf.sub(batch, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(IMAGENET_STD));
    case 'clevr-iep':
      return tf.div(tf.sub(batch, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(CLEVR_IEP_STD));
  }
}
