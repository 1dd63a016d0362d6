/**
 * I/O throughput of clevr-data (prints JSON lines): streaming a large questions JSON, preprocessing it to HDF5,
 * writing features in batches, and reading shuffled feature batches. Runs on the built package (dist/): through
 * tsx, h5wasm's 4 MB module is transformed on load (~15 s, ~550 MB): that load is timed apart, first.
 *   pnpm build && npx tsx bench/io.ts [--questions 100000] [--feature_rows 256] [--channels 1024]
 */

import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const dist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(dist))
  throw new Error('bench/io: build the package first (pnpm build): dist/index.js is missing');
const {
  ClevrH5Dataset,
  FeaturesH5Writer,
  loadH5wasm,
  preprocessQuestions,
  questionStats,
  readQuestionsH5,
  writeQuestionsH5,
} = (await import(dist.href)) as typeof import('../src/index.js');

const { values } = parseArgs({
  options: {
    questions: { type: 'string', default: '100000' },
    feature_rows: { type: 'string', default: '256' },
    channels: { type: 'string', default: '1024' },
  },
});
const nQuestions = Number(values.questions);
const rows = Number(values.feature_rows);
const channels = Number(values.channels);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

{
  const t0 = performance.now();
  await loadH5wasm();
  emit({
    bench: 'load-h5wasm (under tsx)',
    sec: (performance.now() - t0) / 1000,
    rss_mb: mb(process.memoryUsage().rss),
  });
}
const dir = await mkdtemp(join(tmpdir(), 'bench-io-'));
try {
  // A questions JSON shaped like CLEVR's (program of 7 steps per question), written as a stream.
  const qjson = join(dir, 'questions.json');
  const out = createWriteStream(qjson);
  out.write('{"info": {"split": "train"}, "questions": [');
  for (let i = 0; i < nQuestions; i++) {
    const color = ['red', 'blue'][i % 2];
    const q = {
      image_index: i % 15000,
      question_family_index: i % 90,
      question_index: i,
      image_filename: `CLEVR_train_${String(i % 15000).padStart(6, '0')}.png`,
      split: 'train',
      answer: ['yes', 'no', '2', 'red', 'cube'][i % 5],
      question: `Are there any other things that are the same shape as the big ${color} metal object ${i % 7}?`,
      program: [
        { inputs: [], function: 'scene', value_inputs: [] },
        { inputs: [0], function: 'filter_size', value_inputs: ['large'] },
        { inputs: [1], function: 'filter_color', value_inputs: [color] },
        { inputs: [2], function: 'filter_material', value_inputs: ['metal'] },
        { inputs: [3], function: 'unique', value_inputs: [] },
        { inputs: [4], function: 'same_shape', value_inputs: [] },
        { inputs: [5], function: 'exist', value_inputs: [] },
      ],
    };
    if (!out.write((i > 0 ? ',' : '') + JSON.stringify(q))) await once(out, 'drain');
  }
  out.end(']}');
  await once(out, 'finish');
  const bytes = (await stat(qjson)).size;
  peakRss = process.memoryUsage().rss;

  let t = performance.now();
  const s = await questionStats(qjson);
  let sec = (performance.now() - t) / 1000;
  emit({
    bench: 'stream-questions-json',
    questions: s.questions,
    mb: mb(bytes),
    sec,
    questions_per_sec: Math.round(s.questions / sec),
    mb_per_sec: mb(bytes) / sec,
    peak_rss_mb: mb(peakRss),
  });

  t = performance.now();
  const res = await preprocessQuestions({
    inputQuestionsJson: qjson,
    outputH5File: join(dir, 'q.h5'),
    outputVocabJson: join(dir, 'vocab.json'),
  });
  sec = (performance.now() - t) / 1000;
  emit({
    bench: 'preprocess-questions (2 passes)',
    questions: res.questions,
    sec,
    questions_per_sec: Math.round(res.questions / sec),
    peak_rss_mb: mb(peakRss),
  });

  // Features: [rows, channels, 14, 14] float32 in batches of 32.
  const rowSize = channels * 196;
  const batch = new Float32Array(32 * rowSize).map((_, i) => (i % 97) / 97);
  t = performance.now();
  const w = await FeaturesH5Writer.open(join(dir, 'features.h5'), {
    rows,
    rowShape: [channels, 14, 14],
    resume: false,
  });
  for (let r = 0; r < rows; r += 32) {
    const n = Math.min(32, rows - r);
    w.append(batch.subarray(0, n * rowSize), n);
  }
  await w.finish();
  sec = (performance.now() - t) / 1000;
  const featBytes = rows * rowSize * 4;
  emit({
    bench: 'write-features-h5',
    rows,
    row_shape: [channels, 14, 14],
    mb: mb(featBytes),
    sec,
    mb_per_sec: mb(featBytes) / sec,
  });

  // The questions refer to 15000 images: map them onto the rows written.
  const q = await readQuestionsH5(join(dir, 'q.h5'));
  q.imageIdxs = q.imageIdxs.map((v) => v % rows);
  await writeQuestionsH5(join(dir, 'q-mapped.h5'), q);
  const ds = await ClevrH5Dataset.open({
    questionsH5: join(dir, 'q-mapped.h5'),
    featuresH5: join(dir, 'features.h5'),
    batchSize: 64,
    seed: 1,
  });
  t = performance.now();
  let batches = 0;
  for await (const b of ds.epoch(0)) {
    void b;
    if (++batches === 20) break;
  }
  sec = (performance.now() - t) / 1000;
  ds.close();
  emit({
    bench: 'read-shuffled-batches',
    batch_size: 64,
    batches,
    feature_shape: [14, 14, channels],
    sec,
    batches_per_sec: batches / sec,
    peak_rss_mb: mb(peakRss),
  });
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
