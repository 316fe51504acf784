import { PassThrough, Readable } from 'node:stream';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A ZIP archive (PKWARE APPNOTE 6.3, the subset every unzip reads: deflate,
 * 32-bit sizes, UTF-8 names) written entry by entry to a stream, so a
 * session's letters go out as they are rendered: each entry is held only
 * while it is compressed, never the whole archive. Entries are dated with
 * `modified` (one date for all: the same entries give the same bytes).
 */
export interface ZipEntry {
  name: string;
  data: Buffer;
}

const UTF8_NAMES = 0x0800; // general purpose bit 11: the name is UTF-8
const DEFLATE = 8;
const MAX_32 = 0xffffffff;

/** MS-DOS date and time, which name no time zone: the UTC fields of `date`. */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

export class ZipWriter {
  private readonly out = new PassThrough();
  private readonly central: Buffer[] = [];
  private offset = 0;
  private count = 0;
  private readonly stamp: { time: number; day: number };

  constructor(modified: Date) {
    this.stamp = dosDateTime(modified);
  }

  /** The archive's bytes, as they are written. */
  get stream(): Readable {
    return this.out;
  }

  /** Compresses and writes one entry; resolves once the stream took it (back-pressure). */
  async add(entry: ZipEntry): Promise<void> {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    if (entry.data.length >= MAX_32 || this.offset + compressed.length >= MAX_32 || this.count >= 0xffff) throw new Error('ZIP64 is not written: the archive would pass 4 GiB or 65535 entries');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(this.stamp.time, 10);
    local.writeUInt16LE(this.stamp.day, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(UTF8_NAMES, 8);
    header.writeUInt16LE(DEFLATE, 10);
    header.writeUInt16LE(this.stamp.time, 12);
    header.writeUInt16LE(this.stamp.day, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(compressed.length, 20);
    header.writeUInt32LE(entry.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
    header.writeUInt32LE(this.offset, 42);
    this.central.push(header, name);
    this.offset += local.length + name.length + compressed.length;
    this.count++;
    await this.write(Buffer.concat([local, name, compressed]));
  }

  /** Writes the central directory and ends the stream. */
  async finish(): Promise<void> {
    const directory = Buffer.concat(this.central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.count, 8);
    end.writeUInt16LE(this.count, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(this.offset, 16);
    await this.write(Buffer.concat([directory, end]));
    this.out.end();
  }

  /** Ends the stream with an error (the client sees a truncated archive, never a valid partial one). */
  fail(error: Error): void {
    this.out.destroy(error);
  }

  /** Resolves once the stream can take more; rejects when the reader went away (the rest is never rendered). */
  private write(chunk: Buffer): Promise<void> {
    if (this.out.destroyed) return Promise.reject(new Error('the archive stream is closed'));
    return new Promise((resolve, reject) => {
      if (this.out.write(chunk)) return resolve();
      const drained = () => {
        this.out.off('close', closed);
        resolve();
      };
      const closed = () => {
        this.out.off('drain', drained);
        reject(new Error('the archive stream is closed'));
      };
      this.out.once('drain', drained);
      this.out.once('close', closed);
    });
  }
}

/** Reads a ZIP written by ZipWriter (or any deflate/stored archive without ZIP64) back into its entries: for tests and checks. */
export function readZip(archive: Buffer): ZipEntry[] {
  let eocd = archive.length - 22;
  while (eocd >= 0 && archive.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a ZIP archive: no end of central directory');
  const count = archive.readUInt16LE(eocd + 10);
  let at = archive.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error(`central directory entry ${i} is damaged`);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extra = archive.readUInt16LE(at + 30);
    const comment = archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(start, start + size);
    if (method !== DEFLATE && method !== 0) throw new Error(`${name}: compression method ${method} is not read here`);
    const data = method === DEFLATE ? inflateRawSync(raw) : Buffer.from(raw);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC-32 mismatch`);
    entries.push({ name, data });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}
