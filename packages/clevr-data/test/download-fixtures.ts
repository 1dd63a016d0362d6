import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import yazl from 'yazl';

/** A small PNG (solid colour with a gradient) for test archives and image folders. */
export function tinyPng(width: number, height: number, seed: number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = (seed * 40 + x * 8) % 256;
      png.data[i + 1] = (seed * 90 + y * 8) % 256;
      png.data[i + 2] = (seed * 13) % 256;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** Builds a zip in memory from name -> content. */
export function buildZip(files: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { compress: true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/**
 * Renames an entry inside a built zip (local header and central directory), e.g. to an unsafe name that zip
 * writers refuse to produce. Both names must have the same byte length.
 */
export function renameZipEntry(zip: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length) throw new Error('names must have the same length');
  const out = Buffer.from(zip);
  let at = out.indexOf(a);
  let count = 0;
  while (at >= 0) {
    b.copy(out, at);
    count++;
    at = out.indexOf(a, at + a.length);
  }
  if (count === 0) throw new Error(`entry ${from} not found`);
  return out;
}

/** The official CLEVR_v1.0 layout in miniature. */
export function miniClevrFiles(): Record<string, Buffer | string> {
  const files: Record<string, Buffer | string> = {
    'CLEVR_v1.0/': '',
    'CLEVR_v1.0/LICENSE.txt': 'CC-BY 4.0\n',
  };
  for (const split of ['train', 'val', 'test']) {
    for (let i = 0; i < 2; i++) {
      const name = `CLEVR_${split}_${String(i).padStart(6, '0')}.png`;
      files[`CLEVR_v1.0/images/${split}/${name}`] = tinyPng(8, 6, i + split.length);
    }
    const questions = [0, 1].map((i) => ({
      image_index: i,
      image_filename: `CLEVR_${split}_${String(i).padStart(6, '0')}.png`,
      split,
      question: 'Is there a cube?',
      ...(split === 'test' ? {} : { answer: 'yes', question_family_index: 0 }),
    }));
    files[`CLEVR_v1.0/questions/CLEVR_${split}_questions.json`] = JSON.stringify({
      info: { split },
      questions,
    });
    if (split !== 'test') {
      files[`CLEVR_v1.0/scenes/CLEVR_${split}_scenes.json`] = JSON.stringify({ info: { split }, scenes: [] });
    }
  }
  return files;
}

export interface TestServer {
  url: string;
  /** Range headers of every request ('' for none). */
  ranges: string[];
  /** When set, the next response is cut after this many body bytes (the socket is destroyed). */
  cutNextAfter: number | undefined;
  /**
   * With `cutNextAfter`: the connection is dropped only once this returns true (e.g. the client has written the
   * bytes sent so far to disk), polled for up to 10 s, so that tests do not depend on timing.
   */
  cutWhen: (() => boolean) | undefined;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 serving `body` at any path, with byte-range support. */
export async function serveBytes(body: Buffer): Promise<TestServer> {
  const state: TestServer = {
    url: '',
    ranges: [],
    cutNextAfter: undefined,
    cutWhen: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const range = req.headers.range ?? '';
    state.ranges.push(range);
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range);
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'Content-Length': body.length - start,
      });
    } else {
      res.writeHead(200, { 'Content-Length': body.length });
    }
    const cut = state.cutNextAfter;
    const when = state.cutWhen ?? (() => true);
    state.cutNextAfter = undefined;
    state.cutWhen = undefined;
    if (cut !== undefined) {
      res.write(body.subarray(start, start + cut), () => {
        const deadline = Date.now() + 10_000;
        const poll = () => {
          if (when() || Date.now() > deadline) res.socket?.destroy();
          else setTimeout(poll, 10);
        };
        poll();
      });
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/clevr/CLEVR_v1.0.zip`;
  return state;
}
