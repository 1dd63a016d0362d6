import {
  createRegisteredExtractor,
  type FeatureExtractor,
  loadH5wasm,
  rawPixelsExtractor,
} from '@mmnet/clevr-data';
import { builtinExtractorName, createBuiltinExtractor, registerExtractors } from '@mmnet/clevr-synth';

export interface FeatureSource {
  extractor: FeatureExtractor;
  imageHeight: number;
  imageWidth: number;
}

/** Reads the `meta_*` attributes that extract-features records on the `features` dataset. */
export async function readFeatureMeta(featuresH5: string): Promise<Record<string, string>> {
  const h5 = await loadH5wasm();
  let file: InstanceType<typeof h5.File> | undefined;
  try {
    file = new h5.File(featuresH5, 'r');
    const ds = file.get('features') as {
      attrs: Record<string, unknown>;
      get_attribute(name: string, json: boolean): unknown;
    } | null;
    if (!ds) throw new Error('no "features" dataset');
    const out: Record<string, string> = {};
    for (const name of Object.keys(ds.attrs)) {
      if (name.startsWith('meta_')) out[name.slice(5)] = String(ds.get_attribute(name, true));
    }
    return out;
  } catch (error) {
    throw new Error(
      `${featuresH5}: cannot read the extractor it was made with (${error instanceof Error ? error.message : error})`,
    );
  } finally {
    file?.close();
  }
}

/**
 * The extractor a feature file was made with (its recorded name and image size), so that a new image gets
 * the features the model was trained on: `raw-<grid>[-pos]`, the built-in CNN (`builtin-v1-<hash of its
 * weights>`: the installed weights must be the ones recorded), or an extractor registered under its name.
 */
export async function featureSourceFor(featuresH5: string): Promise<FeatureSource> {
  const meta = await readFeatureMeta(featuresH5);
  const name = meta.extractor;
  const size = /^(\d+)x(\d+)$/.exec(meta.image_size ?? '');
  if (!name || !size)
    throw new Error(
      `${featuresH5}: no extractor name / image size recorded (meta_extractor, meta_image_size)`,
    );
  const imageHeight = Number(size[1]);
  const imageWidth = Number(size[2]);
  const raw = /^raw-(\d+)(-pos)?$/.exec(name);
  // The trainer knows the built-in CNN and clevr-synth's other extractors; others are registered by whoever
  // provides them.
  registerExtractors();
  if (name.startsWith('builtin-v1-')) {
    const installed = builtinExtractorName();
    if (installed !== name)
      throw new Error(
        `${featuresH5}: made by the built-in CNN with other weights (${name}) than the installed ones (${installed}); extract the features again (mmnet-data extract-features) and retrain`,
      );
    const extractor = await createBuiltinExtractor({ height: imageHeight, width: imageWidth });
    return { extractor, imageHeight, imageWidth };
  }
  const extractor = raw
    ? rawPixelsExtractor(
        { height: imageHeight, width: imageWidth },
        { grid: Number(raw[1]), positionChannels: Boolean(raw[2]) },
      )
    : await createRegisteredExtractor(name, { height: imageHeight, width: imageWidth });
  return { extractor, imageHeight, imageWidth };
}
