import type { PyCallable } from '../pickle/python-values.js';

/** The element types of torch's storages. */
export type TorchDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** torch.<Name>Storage (and torch.cuda.<Name>Storage) -> element type and size in bytes. */
export const STORAGE_TYPES: Record<string, { dtype: TorchDtype; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/** A storage class named by a checkpoint: only a marker of the element type (calling it is refused). */
export class StorageType implements PyCallable {
  constructor(
    readonly qualifiedName: string,
    readonly dtype: TorchDtype,
    readonly elementSize: number,
  ) {}

  call(): never {
    throw new Error('storages are only read from the checkpoint, never constructed');
  }
}

/**
 * A storage of a checkpoint: its element type, length and little-endian bytes. In the legacy format the bytes
 * follow the pickle, so they are attached after it has been read; a view (legacy `view_metadata`) reads its
 * root's bytes from an element offset.
 */
export class TorchStorage {
  private data?: Uint8Array;

  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly elementSize: number,
    readonly numel: number,
    readonly location: string,
    private readonly root?: { storage: TorchStorage; offset: number },
  ) {}

  attach(bytes: Uint8Array): void {
    this.data = bytes;
  }

  get bytes(): Uint8Array {
    if (this.root) {
      const start = this.root.offset * this.elementSize;
      return this.root.storage.bytes.subarray(start, start + this.numel * this.elementSize);
    }
    if (!this.data) throw new Error(`storage ${this.key} has no data (the checkpoint ended before it)`);
    return this.data;
  }
}

/** A tensor of a checkpoint: a strided view of a storage, read as float32 or int values on demand. */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly requiresGrad = false,
  ) {
    if (shape.length !== stride.length) {
      throw new Error(`a tensor's size [${shape}] and stride [${stride}] differ in rank`);
    }
    let last = offset;
    for (let i = 0; i < shape.length; i++) if (shape[i] > 0) last += (shape[i] - 1) * stride[i];
    if (this.numel > 0 && (offset < 0 || last >= storage.numel)) {
      throw new Error(
        `a tensor of size [${shape}], stride [${stride}], offset ${offset} reads past its storage ${storage.key} of ${storage.numel} elements`,
      );
    }
  }

  get dtype(): TorchDtype {
    return this.storage.dtype;
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** The values in row-major order as float32 (every dtype converted; int64 beyond 2^24 loses precision). */
  toFloat32(): Float32Array {
    const bytes = this.storage.bytes;
    const need = this.storage.numel * this.storage.elementSize;
    if (bytes.length < need) {
      throw new Error(`storage ${this.storage.key} holds ${bytes.length} bytes, its tensors need ${need}`);
    }
    const out = new Float32Array(this.numel);
    const read = elementReader(this.dtype, bytes);
    if (isContiguous(this.shape, this.stride)) {
      if (this.dtype === 'float32') {
        const start = this.offset * 4;
        new Uint8Array(out.buffer).set(bytes.subarray(start, start + out.length * 4));
        return out;
      }
      for (let i = 0; i < out.length; i++) out[i] = read(this.offset + i);
      return out;
    }
    const rank = this.shape.length;
    const index = new Array<number>(rank).fill(0);
    let source = this.offset;
    for (let i = 0; i < out.length; i++) {
      out[i] = read(source);
      for (let d = rank - 1; d >= 0; d--) {
        index[d]++;
        source += this.stride[d];
        if (index[d] < this.shape[d]) break;
        source -= index[d] * this.stride[d];
        index[d] = 0;
      }
    }
    return out;
  }

  /** The values as JS numbers (integer tensors such as num_batches_tracked, or program ids). */
  toNumbers(): number[] {
    return Array.from(this.toFloat32());
  }
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

function elementReader(dtype: TorchDtype, bytes: Uint8Array): (i: number) => number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32':
      return (i) => v.getFloat32(i * 4, true);
    case 'float64':
      return (i) => v.getFloat64(i * 8, true);
    case 'float16':
      return (i) => halfToFloat(v.getUint16(i * 2, true));
    case 'bfloat16':
      return (i) => {
        const f = new DataView(new ArrayBuffer(4));
        f.setUint32(0, v.getUint16(i * 2, true) << 16, true);
        return f.getFloat32(0, true);
      };
    case 'int64':
      return (i) => Number(v.getBigInt64(i * 8, true));
    case 'int32':
      return (i) => v.getInt32(i * 4, true);
    case 'int16':
      return (i) => v.getInt16(i * 2, true);
    case 'int8':
      return (i) => v.getInt8(i);
    case 'uint8':
    case 'bool':
      return (i) => v.getUint8(i);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** torch._utils._rebuild_tensor(storage, offset, size, stride) (v2 adds requires_grad, hooks, metadata). */
export function rebuildTensor(args: unknown[]): TorchTensor {
  const [storage, offset, size, stride, requiresGrad] = args;
  if (!(storage instanceof TorchStorage))
    throw new Error('the first argument is not a storage of the checkpoint');
  const ints = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x)))
      throw new Error(`${what} is not a tuple of ints`);
    return v as number[];
  };
  if (!Number.isInteger(offset)) throw new Error('the storage offset is not an int');
  return new TorchTensor(
    storage,
    offset as number,
    ints(size, 'size'),
    ints(stride, 'stride'),
    requiresGrad === true,
  );
}
