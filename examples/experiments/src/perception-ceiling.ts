import {
  COLORS,
  executeProgram,
  MATERIALS,
  type Question,
  type Scene,
  SHAPES,
  SIZES,
} from '@mmnet/clevr-data';
import { accuracyByFamily, tallyByTemplate } from './families.js';

/*
 * The perception ceiling of a feature file: how many questions the ground-truth programs answer right when
 * executed on each scene as the features show it. Positions, spatial relations and the programs stay the true
 * ones; each object's colour, shape, material and size are read from the features at its cells (the cells it
 * covers most of, else the cell under its centre): by default the label-map channels' most likely values (the
 * built-in extractor's channels 0-15 are p(object) x p(value | object) in clevr-synth's LABEL_MAP_CHANNELS
 * order), or another reader (attribute-probe.ts). Not a strict bound on a trained model, which may read the
 * features better or hedge between readings: it tells how much of the error the per-object perception explains.
 */

/** The attributes in the label-map channel order, with their values. */
export const ATTRIBUTES = [
  ['color', COLORS],
  ['shape', SHAPES],
  ['material', MATERIALS],
  ['size', SIZES],
] as const satisfies readonly (readonly [string, readonly string[]])[];

export type Attribute = (typeof ATTRIBUTES)[number][0];

/** One image's features, NCHW [channels, height, width] (a row of features.h5). */
export interface FeatureMap {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** The grid cell under an image point (pixels of a `width` x `height` image), clamped to the grid. */
export function cellOf(
  x: number,
  y: number,
  image: { width: number; height: number },
  grid: { width: number; height: number },
): { row: number; col: number } {
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, Math.floor(v)));
  return {
    row: clamp((y / image.height) * grid.height, grid.height),
    col: clamp((x / image.width) * grid.width, grid.width),
  };
}

/**
 * The most likely value of each attribute over some cells (flat indices row * width + col) of the label-map
 * channels: the value with the largest probability summed over them.
 */
export function attributesOver(map: FeatureMap, cells: readonly number[]): Record<Attribute, string> {
  const needed = ATTRIBUTES.reduce((n, [, values]) => n + values.length, 0);
  if (map.channels < needed)
    throw new Error(
      `perception ceiling: features have ${map.channels} channels, the label maps need ${needed}`,
    );
  if (cells.length === 0) throw new Error('perception ceiling: an object needs at least one cell');
  const plane = map.height * map.width;
  const score = (channel: number) => cells.reduce((sum, cell) => sum + map.data[channel * plane + cell], 0);
  const out = {} as Record<Attribute, string>;
  let channel = 0;
  for (const [name, values] of ATTRIBUTES) {
    const scores = values.map((_, v) => score(channel + v));
    out[name] = values[scores.indexOf(Math.max(...scores))];
    channel += values.length;
  }
  return out;
}

/**
 * Which cells each object of a scene is read from: `objectCells(k)` lists the flat cells of object k (e.g. the
 * cells it covers most of); an object with none is read at the cell under its centre.
 */
export type ObjectCells = (objectIndex: number) => readonly number[];

/** Reads an object's attributes from the features at its cells (`attributesOver`, or a trained probe). */
export type AttributeReader = (map: FeatureMap, cells: readonly number[]) => Record<Attribute, string>;

/** How the objects of a scene are perceived: at which cells, read how. */
export interface PerceptionOptions {
  /** The cells of each object of a scene (default: none, so each object is read at its centre cell). */
  objectCellsOf?: (scene: Scene) => ObjectCells;
  /** Default: the label-map channels' most likely values (`attributesOver`). */
  read?: AttributeReader;
  /** Attributes taken from the true scene instead (what perfect perception of them would add). */
  trueAttributes?: readonly Attribute[];
}

/** The scene with each object's attributes as the features show them at its cells. */
export function perceivedScene(
  scene: Scene,
  map: FeatureMap,
  image: { width: number; height: number },
  objectCells: ObjectCells = () => [],
  read: AttributeReader = attributesOver,
): Scene {
  const grid = { width: map.width, height: map.height };
  return {
    ...scene,
    objects: scene.objects.map((o, k) => {
      let cells = objectCells(k);
      if (cells.length === 0) {
        const { row, col } = cellOf(o.pixel_coords[0], o.pixel_coords[1], image, grid);
        cells = [row * map.width + col];
      }
      return { ...o, ...read(map, cells) };
    }),
  };
}

export interface PerceptionCeiling {
  questions: number;
  /** Questions whose program, executed on the perceived scene, gives the true answer. */
  accuracy: number;
  perFamily: Record<string, number | null>;
  /** Objects whose perceived value is the true one, per attribute. */
  objectAccuracy: Record<Attribute, number>;
  objects: number;
  /** Objects with no cells of their own (`objectCellsOf`), read at their centre cells. */
  objectsReadAtCentre: number;
}

/**
 * Executes each question's ground-truth program on the perceived scene of its image (`featuresOf(image_index)`;
 * objects read at `options.objectCellsOf(scene)`, by default at their centre cells, with `options.read`). A
 * program that fails on the perceived scene (e.g. `unique` of two objects) counts as wrong. Questions need a
 * program, an answer and a question family; a scene missing for an image is an error.
 */
export function perceptionCeiling(
  questions: readonly Question[],
  scenes: readonly Scene[],
  featuresOf: (imageIndex: number) => FeatureMap,
  image: { width: number; height: number },
  options: PerceptionOptions = {},
): PerceptionCeiling {
  const sceneByImage = new Map(scenes.map((s) => [s.image_index, s]));
  const perceived = new Map<number, Scene>();
  const objectTally = Object.fromEntries(ATTRIBUTES.map(([name]) => [name, 0])) as Record<Attribute, number>;
  let objects = 0;
  let readAtCentre = 0;
  const perceive = (index: number): Scene => {
    const known = perceived.get(index);
    if (known) return known;
    const scene = sceneByImage.get(index);
    if (!scene) throw new Error(`perception ceiling: no scene for image_index ${index}`);
    const objectCells = options.objectCellsOf?.(scene) ?? (() => []);
    const seen = perceivedScene(scene, featuresOf(index), image, objectCells, options.read);
    scene.objects.forEach((o, k) => {
      for (const name of options.trueAttributes ?? []) seen.objects[k][name] = o[name];
      if (objectCells(k).length === 0) readAtCentre++;
      for (const [name] of ATTRIBUTES) if (seen.objects[k][name] === o[name]) objectTally[name]++;
    });
    objects += scene.objects.length;
    perceived.set(index, seen);
    return seen;
  };
  const right = questions.map((q, i) => {
    if (!q.program || q.answer === undefined || q.question_family_index === undefined)
      throw new Error(`perception ceiling: question ${i} needs a program, an answer and a question family`);
    const result = executeProgram(q.program, perceive(q.image_index));
    return result.ok && result.answer === q.answer;
  });
  const correct = right.filter(Boolean).length;
  const perTemplate = tallyByTemplate(
    questions.length,
    (i) => questions[i].question_family_index!,
    (i) => right[i],
  );
  return {
    questions: questions.length,
    accuracy: questions.length ? correct / questions.length : 0,
    perFamily: accuracyByFamily(perTemplate),
    objectAccuracy: Object.fromEntries(
      ATTRIBUTES.map(([name]) => [name, objects ? objectTally[name] / objects : 0]),
    ) as Record<Attribute, number>,
    objects,
    objectsReadAtCentre: readAtCentre,
  };
}
