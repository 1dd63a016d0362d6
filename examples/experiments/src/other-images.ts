import type { ClevrBatch } from '@mmnet/clevr-data';

/**
 * The batch with every question paired with another image: the next row's whose image differs, as a split's
 * questions come in runs on one image. Where the whole batch shares one image a row keeps its own, and `onSame` is
 * called for it. A model that ignores the image answers as well on the result.
 */
export function withOtherImages(batch: ClevrBatch, onSame: () => void = () => {}): ClevrBatch {
  const n = batch.featureShape[0];
  const per = batch.features.length / n;
  const features = new Float32Array(batch.features.length);
  for (let i = 0; i < n; i++) {
    let j = (i + 1) % n;
    while (j !== i && batch.imageIdxs[j] === batch.imageIdxs[i]) j = (j + 1) % n;
    if (j === i) onSame();
    features.set(batch.features.subarray(j * per, (j + 1) * per), i * per);
  }
  return { ...batch, features };
}
