import { writeFile } from 'node:fs/promises';
import { FeaturesH5Writer } from '../src/h5/index.js';

const SHAPES = ['cube', 'sphere', 'cylinder'];
const COLORS = ['red', 'blue', 'green'];

/** A small CLEVR-style questions JSON (official spelling of programs), `n` questions over `images` images. */
export function sampleQuestionsJson(n: number, images: number, withAnswers = true): string {
  const questions = Array.from({ length: n }, (_, i) => {
    const shape = SHAPES[i % 3];
    const color = COLORS[(i >> 1) % 3];
    const counting = i % 2 === 0;
    return {
      image_index: i % images,
      image_filename: `CLEVR_val_${String(i % images).padStart(6, '0')}.png`,
      question_index: i,
      question: counting ? `How many ${color} ${shape}s are there?` : `Is there a ${color} ${shape}?`,
      program: [
        { function: 'scene', inputs: [], value_inputs: [] },
        { function: 'filter_color', inputs: [0], value_inputs: [color] },
        { function: 'filter_shape', inputs: [1], value_inputs: [shape] },
        { function: counting ? 'count' : 'exist', inputs: [2], value_inputs: [] },
      ],
      question_family_index: counting ? 0 : 1,
      ...(withAnswers ? { answer: counting ? String(i % 4) : i % 3 === 0 ? 'yes' : 'no' } : {}),
    };
  });
  return JSON.stringify({ info: { split: 'val', version: '1.0' }, questions });
}

/** A feature file whose row i is filled with the value i (so batches can be checked against image indices). */
export async function writeIndexFeatures(path: string, rows: number, rowShape: [number, number, number]) {
  const w = await FeaturesH5Writer.open(path, { rows, rowShape, resume: false });
  const size = rowShape[0] * rowShape[1] * rowShape[2];
  const data = new Float32Array(rows * size);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < size; k++) data[r * size + k] = r + k / 1000;
  }
  w.append(data, rows);
  await w.finish();
}

export async function writeSampleQuestions(path: string, n: number, images: number, withAnswers = true) {
  await writeFile(path, sampleQuestionsJson(n, images, withAnswers));
}
