/**
 * `pnpm --filter @mmnet/example-experiments perception-ceiling`: the accuracy ground-truth programs reach when
 * executed on the scenes as the features show them (see perception-ceiling.ts and attribute-probe.ts), on a split
 * of the cached clevr-small; prints it and writes results/perception-ceiling.json.
 *
 *   npx tsx src/perception-ceiling-main.ts [--data-dir DIR] [--split test] [--probe-scenes 2000] [--out FILE]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeaturesH5Reader, parseQuestionFile, parseSceneFile, type Scene } from '@mmnet/clevr-data';
import { generateScene, getPreset, labelMapsFromObjectIds, renderObjectIds } from '@mmnet/clevr-synth';
import { flagInt, parseFlags, UsageError, writeFileAtomic } from '@mmnet/core-tensors';
import { z } from 'zod';
import { type ProbeExample, probeReader, trainAttributeProbes } from './attribute-probe.js';
import {
  type FeatureMap,
  type ObjectCells,
  type PerceptionCeiling,
  perceptionCeiling,
} from './perception-ceiling.js';
import { REAL_PRESET } from './run-experiments.js';

const packageDir = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));

const optionsSchema = z
  .object({
    data_dir: z
      .string()
      .min(1)
      .default(join(packageDir, 'data'))
      .meta({ description: 'the preset cache', flag: 'data-dir', value: 'DIR' }),
    split: z.enum(['val', 'test']).default('test').meta({ description: 'split to measure' }),
    probe_scenes: flagInt(1)
      .default(2000)
      .meta({ description: 'training scenes the attribute probes learn from', flag: 'probe-scenes' }),
    out: z
      .string()
      .min(1)
      .default(join(packageDir, '..', '..', 'results', 'perception-ceiling.json'))
      .meta({ description: 'JSON file to write', value: 'FILE' }),
  })
  .strict();

function splitFiles(dir: string, split: string) {
  const files = {
    questions: join(dir, 'questions', `CLEVR_${split}_questions.json`),
    scenes: join(dir, 'scenes', `CLEVR_${split}_scenes.json`),
    features: join(dir, `${split}_features.h5`),
  };
  for (const f of Object.values(files))
    if (!existsSync(f))
      throw new Error(`${f} is missing: build the preset first (pnpm experiments builds it)`);
  return files;
}

/**
 * The cells each object of a split's scene covers most of: the scene regenerated from the split's seed, checked
 * against the file's, and rendered as object ids.
 */
function coveredCells(
  split: { name: string; seed: number; scenesFile: string },
  image: { width: number; height: number },
  grid: { width: number; height: number },
): (scene: Scene) => ObjectCells {
  return (scene) => {
    const { synthetic, json } = generateScene({
      seed: split.seed,
      index: scene.image_index,
      split: split.name,
      ...image,
    });
    const same = (a: Scene['objects'][number], b: Scene['objects'][number]) =>
      a.color === b.color && a.shape === b.shape && a.material === b.material && a.size === b.size;
    if (
      json.objects.length !== scene.objects.length ||
      json.objects.some((x, k) => !same(x, scene.objects[k]))
    )
      throw new Error(
        `${split.scenesFile}: scene ${scene.image_index} is not the one the preset's seed generates`,
      );
    const ids = renderObjectIds(synthetic, image.width, image.height).objectIds;
    const { cellObjects } = labelMapsFromObjectIds(synthetic.objects, ids, image.width, image.height, {
      gridWidth: grid.width,
      gridHeight: grid.height,
    });
    return (k) => [...cellObjects.keys()].filter((cell) => cellObjects[cell] === k);
  };
}

/** `compute` called once per key of its argument; later calls with that key return the first result. */
function oncePerKey<A, K, V>(compute: (arg: A) => V, keyOf: (arg: A) => K): (arg: A) => V {
  const results = new Map<K, V>();
  return (arg) => {
    const key = keyOf(arg);
    if (!results.has(key)) results.set(key, compute(arg));
    return results.get(key) as V;
  };
}

async function main(argv: string[]): Promise<void> {
  const o = parseFlags(argv, optionsSchema);
  const preset = getPreset(REAL_PRESET);
  const dir = resolve(o.data_dir, preset.name);
  const image = { width: preset.width, height: preset.height };
  const seedOf = (split: string) => {
    const seed = preset.splits.find((s) => s.split === split)?.seed;
    if (seed === undefined) throw new Error(`preset ${preset.name} has no split ${split}`);
    return seed;
  };
  const measured = splitFiles(dir, o.split);
  const train = splitFiles(dir, 'train');
  const readScenes = (file: string) => parseSceneFile(JSON.parse(readFileSync(file, 'utf8')), file).scenes;
  const measuredReader = await FeaturesH5Reader.open(measured.features);
  const trainReader = await FeaturesH5Reader.open(train.features);
  try {
    const [, channels, height, width] = measuredReader.shape;
    const grid = { width, height };
    const mapOf =
      (reader: FeaturesH5Reader) =>
      (index: number): FeatureMap => ({ data: reader.readRows([index]), channels, height, width });

    // The probes learn on the objects of the first training scenes, at the cells they cover.
    const trainScenes = readScenes(train.scenes).slice(0, o.probe_scenes);
    const trainCells = coveredCells(
      { name: 'train', seed: seedOf('train'), scenesFile: train.scenes },
      image,
      grid,
    );
    const examples: ProbeExample[] = trainScenes.flatMap((scene) => {
      const map = mapOf(trainReader)(scene.image_index);
      const cells = trainCells(scene);
      return scene.objects.flatMap((object, k) =>
        cells(k).length ? [{ map, cells: cells(k), attributes: object as ProbeExample['attributes'] }] : [],
      );
    });
    const probes = trainAttributeProbes(examples, { seed: 0 });

    const questions = parseQuestionFile(
      JSON.parse(readFileSync(measured.questions, 'utf8')),
      measured.questions,
    );
    const scenes = readScenes(measured.scenes);
    // Every readout below perceives the same scenes: each is rendered and each feature row read once.
    const cells = oncePerKey(
      coveredCells({ name: o.split, seed: seedOf(o.split), scenesFile: measured.scenes }, image, grid),
      (scene: Scene) => scene.image_index,
    );
    const featuresOf = oncePerKey(mapOf(measuredReader), (index: number) => index);
    const run = (options: Parameters<typeof perceptionCeiling>[4]) =>
      perceptionCeiling(questions.questions, scenes, featuresOf, image, options);
    const readouts: Record<string, PerceptionCeiling & { how: string }> = {
      centre: { how: "label maps at each object's centre cell", ...run({}) },
      coveredCells: {
        how: 'label maps over the cells each object covers most of',
        ...run({ objectCellsOf: cells }),
      },
      // What perfect perception of one attribute would add to the label maps' reading.
      trueShape: {
        how: 'label maps over the covered cells, true shapes',
        ...run({ objectCellsOf: cells, trueAttributes: ['shape'] }),
      },
      trueColor: {
        how: 'label maps over the covered cells, true colours',
        ...run({ objectCellsOf: cells, trueAttributes: ['color'] }),
      },
      trueShapeAndColor: {
        how: 'label maps over the covered cells, true shapes and colours',
        ...run({ objectCellsOf: cells, trueAttributes: ['shape', 'color'] }),
      },
      linearProbe: {
        how: `linear probes (mean and max of the ${channels} channels over the covered cells; ${examples.length} objects of ${trainScenes.length} training scenes)`,
        ...run({ objectCellsOf: cells, read: probeReader(probes) }),
      },
    };
    const record = { preset: preset.name, split: o.split, features: `${o.split}_features.h5`, readouts };
    writeFileAtomic(resolve(o.out), `${JSON.stringify(record, null, 2)}\n`);
    const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);
    for (const r of Object.values(readouts))
      process.stdout.write(
        `${preset.name} ${o.split}, attributes from ${r.how}: ${r.questions} questions, ${pct(r.accuracy)}\n` +
          `  per family: ${Object.entries(r.perFamily)
            .map(([f, v]) => `${f} ${pct(v)}`)
            .join(', ')}\n` +
          `  objects (${r.objects}, ${r.objectsReadAtCentre} of them read at their centre cell): ${Object.entries(
            r.objectAccuracy,
          )
            .map(([a, v]) => `${a} ${pct(v)}`)
            .join(', ')}\n`,
      );
    process.stdout.write(`written: ${resolve(o.out)}\n`);
  } finally {
    measuredReader.close();
    trainReader.close();
  }
}

main(process.argv.slice(2).filter((a) => a !== '--')).catch((error) => {
  process.stderr.write(`perception-ceiling: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
