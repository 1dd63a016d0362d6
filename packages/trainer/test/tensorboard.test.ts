import { describe, expect, it } from 'vitest';
import { crc32c, eventBytes, maskedCrc32c, readTfRecords, tfRecord } from '../src/index.js';

/** Reads the fields of a protobuf message (enough to check Event records). */
function fields(bytes: Uint8Array): { field: number; wire: number; value: bigint | Uint8Array }[] {
  const out: { field: number; wire: number; value: bigint | Uint8Array }[] = [];
  let o = 0;
  const varint = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[o++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return v;
    }
  };
  while (o < bytes.length) {
    const tag = Number(varint());
    const field = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1) {
      out.push({ field, wire, value: bytes.slice(o, o + 8) });
      o += 8;
    } else if (wire === 5) {
      out.push({ field, wire, value: bytes.slice(o, o + 4) });
      o += 4;
    } else {
      const len = Number(varint());
      out.push({ field, wire, value: bytes.slice(o, o + len) });
      o += len;
    }
  }
  return out;
}

describe('TensorBoard event files', () => {
  it('computes CRC-32C and its TFRecord mask', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    const crc = 0xe3069283;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(
      ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0,
    );
  });

  it('frames records that read back, and catches a damaged one', () => {
    const a = tfRecord(new Uint8Array([1, 2, 3]));
    const b = tfRecord(new Uint8Array(300).fill(7));
    const both = new Uint8Array([...a, ...b]);
    const records = readTfRecords(both);
    expect(records.map((r) => r.length)).toEqual([3, 300]);
    both[13] ^= 1;
    expect(() => readTfRecords(both)).toThrow(/bad data CRC/);
  });

  it('encodes Event protos with scalar and image summaries', () => {
    const event = fields(
      eventBytes(1.5, 42, {
        scalars: { 'val/accuracy': 0.75 },
        images: { img: { height: 2, width: 3, png: new Uint8Array([9, 9]) } },
      }),
    );
    expect(event[0].field).toBe(1);
    expect(new DataView((event[0].value as Uint8Array).buffer).getFloat64(0, true)).toBe(1.5);
    expect(event[1]).toEqual({ field: 2, wire: 0, value: 42n });
    const summary = fields(event[2].value as Uint8Array);
    expect(event[2].field).toBe(5);
    const scalar = fields(summary[0].value as Uint8Array);
    expect(new TextDecoder().decode(scalar[0].value as Uint8Array)).toBe('val/accuracy');
    expect(new DataView((scalar[1].value as Uint8Array).buffer).getFloat32(0, true)).toBe(0.75);
    const image = fields(fields(summary[1].value as Uint8Array)[1].value as Uint8Array);
    expect(image.map((f) => f.field)).toEqual([1, 2, 3, 4]);
    expect(image[0].value).toBe(2n);
    expect(Array.from(image[3].value as Uint8Array)).toEqual([9, 9]);
  });
});
