import { z } from 'zod';

/** Element types of the safetensors format (https://github.com/huggingface/safetensors). */
export const SafetensorsDtypeSchema = z.enum([
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'BOOL',
]);
export type SafetensorsDtype = z.infer<typeof SafetensorsDtypeSchema>;

const BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array
  | Uint16Array;

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian values (F16/BF16 as Uint16Array, I64 as BigInt64Array, BOOL as Uint8Array). */
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** A file that is not a valid safetensors file, with the reason and the file's name. */
export class SafetensorsFormatError extends Error {
  constructor(source: string, reason: string) {
    super(`${source}: not a valid safetensors file: ${reason}`);
    this.name = 'SafetensorsFormatError';
  }
}

const HeaderEntrySchema = z.object({
  dtype: SafetensorsDtypeSchema,
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

function dtypeOf(data: TensorData): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Uint16Array) return 'F16';
  return 'U8';
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Serialises tensors and string metadata into safetensors bytes (header padded to 8 bytes). */
export function encodeSafetensors(
  tensors: Record<string, { shape: number[]; data: TensorData; dtype?: SafetensorsDtype }>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  if (!isLittleEndianHost()) throw new Error('encodeSafetensors: big-endian hosts are not supported');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error('encodeSafetensors: "__metadata__" is a reserved name');
    const t = tensors[name];
    const dtype = t.dtype ?? dtypeOf(t.data);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count * BYTES[dtype] !== t.data.byteLength) {
      throw new Error(
        `encodeSafetensors: "${name}" has shape [${t.shape}] (${count} x ${dtype}) but ${t.data.byteLength} bytes`,
      );
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  const chunks: Uint8Array[] = [prefix, headerBytes];
  for (const name of names) {
    const d = tensors[name].data;
    chunks.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return chunks;
}

function view(dtype: SafetensorsDtype, bytes: Uint8Array): TensorData {
  // Copy into an aligned buffer: offsets inside the file need not be aligned for the element type.
  const copy = new Uint8Array(bytes.length); // not bytes.slice(): on a Node Buffer that is a view
  copy.set(bytes);
  const buf = copy.buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return new Float64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf);
    default:
      return copy;
  }
}

/** Parses safetensors bytes, checking every header entry against the file; never evaluates anything. */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  if (bytes.length < 8)
    throw new SafetensorsFormatError(
      source,
      `file is ${bytes.length} bytes, shorter than the 8-byte header length`,
    );
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new SafetensorsFormatError(
      source,
      `header length ${headerLength} exceeds the file (${bytes.length} bytes): truncated?`,
    );
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    throw new SafetensorsFormatError(source, `header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsFormatError(source, 'header is not a JSON object');
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsEntry> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      const parsed = z.record(z.string(), z.string()).safeParse(raw);
      if (!parsed.success)
        throw new SafetensorsFormatError(source, '__metadata__ must map strings to strings');
      Object.assign(metadata, parsed.data);
      continue;
    }
    const parsed = HeaderEntrySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SafetensorsFormatError(
        source,
        `tensor "${name}": ${issue.path.join('.') || 'entry'}: ${issue.message}`,
      );
    }
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = parsed.data;
    const expected = shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (end < begin || end - begin !== expected) {
      throw new SafetensorsFormatError(
        source,
        `tensor "${name}": offsets [${begin}, ${end}] do not hold shape [${shape}] of ${dtype}`,
      );
    }
    if (end > dataLength) {
      throw new SafetensorsFormatError(
        source,
        `tensor "${name}" ends at byte ${end} of a ${dataLength}-byte data section: truncated?`,
      );
    }
    ranges.push([begin, end, name]);
    tensors[name] = { dtype, shape, data: view(dtype, bytes.subarray(dataStart + begin, dataStart + end)) };
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) {
      throw new SafetensorsFormatError(source, `tensors "${ranges[i - 1][2]}" and "${ranges[i][2]}" overlap`);
    }
  }
  return { tensors, metadata };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** The values of an entry as float32 (F16/BF16/F64/integers converted). */
export function entryToFloat32(entry: SafetensorsEntry): Float32Array {
  const d = entry.data;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  if (entry.dtype === 'F16') {
    for (let i = 0; i < d.length; i++) out[i] = halfToFloat(d[i] as number);
  } else if (entry.dtype === 'BF16') {
    const u32 = new Uint32Array(1);
    const f32 = new Float32Array(u32.buffer);
    for (let i = 0; i < d.length; i++) {
      u32[0] = (d[i] as number) << 16;
      out[i] = f32[0];
    }
  } else {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  }
  return out;
}
