/**
 * A reader for the zip archives torch.save writes (torch >= 1.6): entries are stored uncompressed, so an entry's
 * bytes are a view into the archive. Zip64 sizes and offsets are read; a compressed entry is a clear error.
 */

export interface ZipEntry {
  name: string;
  /** 0 = stored; anything else is refused when the entry is read. */
  method: number;
  size: number;
  compressedSize: number;
  localHeaderOffset: number;
}

export class StoredZip {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  private fail(detail: string): never {
    throw new Error(`${this.source}: zip: ${detail}`);
  }

  private u16(at: number): number {
    if (at + 2 > this.bytes.length) this.fail(`truncated at byte ${at}`);
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    if (at + 4 > this.bytes.length) this.fail(`truncated at byte ${at}`);
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    if (at + 8 > this.bytes.length) this.fail(`truncated at byte ${at}`);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`size or offset ${v} is too large`);
    return Number(v);
  }

  private readCentralDirectory(): void {
    const b = this.bytes;
    let eocd = -1;
    for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
      if (this.u32(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.fail('no end-of-central-directory record (not a zip archive, or truncated)');
    let count = this.u16(eocd + 10);
    let cdOffset = this.u32(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || this.u32(locator) !== 0x07064b50) this.fail('zip64 sizes without a zip64 locator');
      const zip64 = this.u64(locator + 8);
      if (this.u32(zip64) !== 0x06064b50) this.fail('the zip64 end-of-central-directory record is missing');
      count = this.u64(zip64 + 32);
      cdOffset = this.u64(zip64 + 48);
    }
    let at = cdOffset;
    for (let n = 0; n < count; n++) {
      if (this.u32(at) !== 0x02014b50) this.fail(`central directory entry ${n} is damaged (byte ${at})`);
      const method = this.u16(at + 10);
      let compressedSize = this.u32(at + 20);
      let size = this.u32(at + 24);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      let localHeaderOffset = this.u32(at + 42);
      const name = new TextDecoder().decode(b.subarray(at + 46, at + 46 + nameLength));
      // Zip64 extra field: the 64-bit values of the fields saturated at 0xffffffff, in this order.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = this.u16(extra);
        const length = this.u16(extra + 2);
        if (id === 0x0001) {
          let field = extra + 4;
          if (size === 0xffffffff) {
            size = this.u64(field);
            field += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = this.u64(field);
            field += 8;
          }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = this.u64(field);
        }
        extra += 4 + length;
      }
      this.entries.set(name, { name, method, size, compressedSize, localHeaderOffset });
      at = extraEnd + commentLength;
    }
  }

  /** The bytes of an entry (a view into the archive), or an error naming the entry. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) this.fail(`no entry '${name}'`);
    if (entry!.method !== 0) {
      this.fail(
        `entry '${name}' is compressed (method ${entry!.method}); torch.save stores entries uncompressed`,
      );
    }
    const local = entry!.localHeaderOffset;
    if (this.u32(local) !== 0x04034b50) this.fail(`the local header of '${name}' is damaged`);
    const start = local + 30 + this.u16(local + 26) + this.u16(local + 28);
    if (start + entry!.size > this.bytes.length)
      this.fail(`entry '${name}' runs past the end of the archive`);
    return this.bytes.subarray(start, start + entry!.size);
  }
}

/** True when the bytes start with a zip local-file header. */
export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}
