/**
 * Renderer throughput: prints one JSON line with images per second at CLEVR's 480x320 and at a small
 * training size, over scenes sampled from a fixed seed (scene sampling is timed separately).
 *
 *   npx tsx bench/render.ts [--images N] [--small WxH]
 */
import { generateScene, renderScene } from '../src/index.js';

function arg(name: string, fallback: string): string {
  const k = process.argv.indexOf(name);
  return k >= 0 && process.argv[k + 1] !== undefined ? process.argv[k + 1] : fallback;
}

const images = Number(arg('--images', '40'));
const [smallW, smallH] = arg('--small', '224x160').split('x').map(Number);
if (!Number.isInteger(images) || images < 1)
  throw new Error(`bench/render: --images must be a positive integer`);
if (!Number.isInteger(smallW) || !Number.isInteger(smallH))
  throw new Error('bench/render: --small must look like 224x160');

const t0 = performance.now();
const scenes = Array.from(
  { length: images },
  (_, index) => generateScene({ seed: 1, index, split: 'bench' }).synthetic,
);
const sampleMs = performance.now() - t0;

/** Images per second by wall time and by this process's CPU time (steadier on a shared machine). */
function timeRender(width: number, height: number): { wall: number; cpu: number } {
  renderScene(scenes[0], { width, height }); // warm-up
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (const scene of scenes) renderScene(scene, { width, height });
  const cpu = process.cpuUsage(cpu0);
  return {
    wall: +((images * 1000) / (performance.now() - start)).toFixed(1),
    cpu: +((images * 1e6) / (cpu.user + cpu.system)).toFixed(1),
  };
}

const full = timeRender(480, 320);
const small = timeRender(smallW, smallH);
const objects = scenes.reduce((n, s) => n + s.objects.length, 0) / images;
console.log(
  JSON.stringify({
    bench: 'render',
    images,
    meanObjects: +objects.toFixed(2),
    scenesPerSecond: +((images * 1000) / sampleMs).toFixed(1),
    imagesPerSecond480x320: full.wall,
    imagesPerCpuSecond480x320: full.cpu,
    [`imagesPerSecond${smallW}x${smallH}`]: small.wall,
    [`imagesPerCpuSecond${smallW}x${smallH}`]: small.cpu,
    node: process.version,
  }),
);
