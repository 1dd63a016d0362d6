import { appendFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.js';
import { ProtoWriter } from './protobuf.js';

/** One TFRecord: length (u64 LE), masked CRC of the length, the data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(header.subarray(0, 8)), true);
  const footer = new Uint8Array(4);
  new DataView(footer.buffer).setUint32(0, maskedCrc32c(data), true);
  const out = new Uint8Array(16 + data.length);
  out.set(header, 0);
  out.set(data, 12);
  out.set(footer, 12 + data.length);
  return out;
}

export interface ImageSummary {
  height: number;
  width: number;
  /** PNG bytes. */
  png: Uint8Array;
}

/** tensorflow.Event: wall_time = 1 (double), step = 2 (int64), file_version = 3, summary = 5. */
export function eventBytes(
  wallTime: number,
  step: number,
  content: { fileVersion?: string; scalars?: Record<string, number>; images?: Record<string, ImageSummary> },
): Uint8Array {
  const event = new ProtoWriter().double(1, wallTime).int(2, step);
  if (content.fileVersion) event.string(3, content.fileVersion);
  const values: ProtoWriter[] = [];
  for (const [tag, v] of Object.entries(content.scalars ?? {})) {
    values.push(new ProtoWriter().string(1, tag).float(2, v));
  }
  for (const [tag, img] of Object.entries(content.images ?? {})) {
    // Summary.Image: height = 1, width = 2, colorspace = 3 (3 = RGB), encoded_image_string = 4.
    const image = new ProtoWriter().int(1, img.height).int(2, img.width).int(3, 3).bytes(4, img.png);
    values.push(new ProtoWriter().string(1, tag).message(4, image));
  }
  if (values.length) {
    const summary = new ProtoWriter();
    for (const v of values) summary.message(1, v);
    event.message(5, summary);
  }
  return event.finish();
}

/**
 * Appends TensorBoard events (`events.out.tfevents.<time>.<host>`) to a log folder. Each record is appended
 * whole with one write; a record cut by a crash is ignored by TensorBoard's reader (bad CRC).
 */
export class TensorBoardWriter {
  readonly path: string;

  constructor(logDir: string, now: () => number = () => Date.now() / 1000) {
    mkdirSync(logDir, { recursive: true });
    this.now = now;
    const t = now();
    this.path = join(logDir, `events.out.tfevents.${Math.floor(t)}.${hostname()}.${process.pid}`);
    appendFileSync(this.path, tfRecord(eventBytes(t, 0, { fileVersion: 'brain.Event:2' })));
  }

  private readonly now: () => number;

  scalars(step: number, values: Record<string, number>): void {
    const finite = Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
    appendFileSync(this.path, tfRecord(eventBytes(this.now(), step, { scalars: finite })));
  }

  images(step: number, images: Record<string, ImageSummary>): void {
    appendFileSync(this.path, tfRecord(eventBytes(this.now(), step, { images })));
  }
}

/** Reads back the records of an event file, checking both CRCs (for tests and tools). */
export function readTfRecords(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (o + 12 <= bytes.length) {
    const len = Number(view.getBigUint64(o, true));
    if (view.getUint32(o + 8, true) !== maskedCrc32c(bytes.subarray(o, o + 8))) {
      throw new Error(`TFRecord at byte ${o}: bad length CRC`);
    }
    if (o + 16 + len > bytes.length) throw new Error(`TFRecord at byte ${o}: truncated`);
    const data = bytes.subarray(o + 12, o + 12 + len);
    if (view.getUint32(o + 12 + len, true) !== maskedCrc32c(data)) {
      throw new Error(`TFRecord at byte ${o}: bad data CRC`);
    }
    out.push(data);
    o += 16 + len;
  }
  return out;
}
