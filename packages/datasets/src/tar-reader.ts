import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataError } from '@csi/core';

const BLOCK_SIZE = 512;

// Byte ranges of the header fields used here (POSIX ustar; GNU tar uses the same positions).
const NAME = [0, 100] as const;
const SIZE = [124, 136] as const;
const CHECKSUM = [148, 156] as const;
const TYPE_FLAG = 156;
const MAGIC = [257, 263] as const;
const PREFIX = [345, 500] as const;

/** Kind of member that a tar header announces, from its type flag. */
type MemberKind = 'file' | 'gnu-long-name' | 'pax-header' | 'skipped';

interface Member {
  name: string;
  kind: MemberKind;
  size: number;
  /** Offset of the header in the uncompressed archive, for messages. */
  headerOffset: number;
  /** Buffer that receives the content; undefined when the member is skipped. */
  content: Buffer | undefined;
  filled: number;
}

/**
 * Incremental reader of a tar stream (POSIX ustar, GNU and pax variants). Feed the uncompressed
 * bytes with `push` in chunks of any size, then call `end`. Each regular file whose name
 * `select` accepts is passed whole to `onFile`. Content of other members is skipped without
 * being kept, so memory stays at the size of the selected files.
 *
 * Names come from the header (`prefix/name` in ustar), from a preceding GNU long-name member
 * (type `L`), or from the `path` record of a preceding pax header (type `x`). Links, folders,
 * devices and global pax headers are skipped.
 */
export class TarStreamReader {
  private consumed = 0;
  private readonly header = Buffer.alloc(BLOCK_SIZE);
  private headerFill = 0;
  private member: Member | undefined;
  private paddingLeft = 0;
  private pendingName: string | undefined;
  private zeroBlocks = 0;
  private finished = false;
  private headersSeen = 0;

  constructor(
    /** Archive path or name for messages. */
    private readonly source: string,
    private readonly select: (name: string) => boolean,
    private readonly onFile: (name: string, content: Buffer) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let position = 0;
    while (position < chunk.length && !this.finished) {
      if (this.paddingLeft > 0) {
        const skip = Math.min(this.paddingLeft, chunk.length - position);
        this.paddingLeft -= skip;
        position += skip;
        this.consumed += skip;
      } else if (this.member) {
        position += this.copyContent(this.member, chunk, position);
      } else {
        const take = Math.min(BLOCK_SIZE - this.headerFill, chunk.length - position);
        this.header.set(chunk.subarray(position, position + take), this.headerFill);
        this.headerFill += take;
        position += take;
        this.consumed += take;
        if (this.headerFill === BLOCK_SIZE) {
          this.headerFill = 0;
          this.readHeader(this.consumed - BLOCK_SIZE);
        }
      }
    }
    // Bytes after the end-of-archive marker are the zero padding that tar adds up to its record
    // size (10240 bytes for GNU tar); they are ignored.
  }

  /** Checks that the stream did not stop inside a header or a member. */
  end(): void {
    if (this.member) {
      const { name, size, filled } = this.member;
      this.fail(`the archive ends inside "${name}" after ${filled} of its ${size} bytes; the archive is truncated`);
    }
    if (this.headerFill > 0 || this.paddingLeft > 0) {
      this.fail(`the archive ends inside a 512-byte block at byte ${this.consumed}; the archive is truncated`);
    }
    if (this.headersSeen === 0) this.fail('the archive holds no members; expected a tar archive');
    // A missing end-of-archive marker (two zero blocks) is accepted, as GNU tar accepts it.
  }

  private copyContent(member: Member, chunk: Uint8Array, position: number): number {
    const take = Math.min(member.size - member.filled, chunk.length - position);
    member.content?.set(chunk.subarray(position, position + take), member.filled);
    member.filled += take;
    this.consumed += take;
    if (member.filled === member.size) this.finishMember(member);
    return take;
  }

  private readHeader(offset: number): void {
    const header = this.header;
    if (header.every((byte) => byte === 0)) {
      this.zeroBlocks += 1;
      if (this.zeroBlocks === 2) this.finished = true;
      return;
    }
    this.zeroBlocks = 0;
    this.checkChecksum(offset);
    this.headersSeen += 1;

    const size = this.parseSize(offset);
    const kind = memberKind(header[TYPE_FLAG] as number);
    let name = readText(header, NAME);
    const magic = header.subarray(MAGIC[0], MAGIC[1]).toString('latin1');
    // Only POSIX ustar ("ustar\0") stores a path prefix; GNU tar ("ustar ") keeps other fields there.
    if (magic === 'ustar\u0000') {
      const prefix = readText(header, PREFIX);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    if (kind === 'file' && this.pendingName !== undefined) {
      name = this.pendingName;
    }
    if (kind === 'file' || kind === 'skipped') this.pendingName = undefined;

    const keep = kind === 'gnu-long-name' || kind === 'pax-header' || (kind === 'file' && this.select(name));
    const member: Member = {
      name,
      kind,
      size,
      headerOffset: offset,
      content: keep ? Buffer.alloc(size) : undefined,
      filled: 0,
    };
    this.paddingLeft = 0;
    if (size === 0) this.finishMember(member);
    else this.member = member;
  }

  private finishMember(member: Member): void {
    this.member = undefined;
    this.paddingLeft = (BLOCK_SIZE - (member.size % BLOCK_SIZE)) % BLOCK_SIZE;
    const content = member.content;
    if (!content) return;
    if (member.kind === 'gnu-long-name') {
      this.pendingName = readText(content, [0, content.length]);
    } else if (member.kind === 'pax-header') {
      const path = this.parsePaxPath(content, member.headerOffset);
      if (path !== undefined) this.pendingName = path;
    } else {
      this.onFile(member.name, content);
    }
  }

  private checkChecksum(offset: number): void {
    const header = this.header;
    const storedText = readText(header, CHECKSUM).trim();
    const stored = /^[0-7]+$/.test(storedText) ? parseInt(storedText, 8) : Number.NaN;
    let computed = 0;
    for (let i = 0; i < BLOCK_SIZE; i++) {
      // The checksum field itself counts as eight spaces.
      computed += i >= CHECKSUM[0] && i < CHECKSUM[1] ? 0x20 : (header[i] as number);
    }
    if (stored === computed) return;
    const diagnosis = this.headersSeen === 0 ? 'is not a tar archive, or its first header is corrupt' : 'is corrupt';
    this.fail(
      `the tar header at byte ${offset} has checksum ${storedText === '' ? '(empty)' : storedText} ` +
        `but its bytes sum to ${computed.toString(8)} (octal); the archive ${diagnosis}`,
    );
  }

  private parseSize(offset: number): number {
    const field = this.header.subarray(SIZE[0], SIZE[1]);
    // GNU tar writes sizes of 8 GiB and more in base 256, marked by the high bit of the first byte.
    if (((field[0] as number) & 0x80) !== 0) {
      let value = (field[0] as number) & 0x7f;
      for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] as number);
      return value;
    }
    const text = readText(this.header, SIZE).trim();
    if (!/^[0-7]*$/.test(text)) {
      this.fail(`the tar header at byte ${offset} has an invalid size field "${text}"; the archive is corrupt`);
    }
    return text === '' ? 0 : parseInt(text, 8);
  }

  // A pax header is a list of "<length> <key>=<value>\n" records; only `path` matters here.
  private parsePaxPath(content: Buffer, offset: number): string | undefined {
    let path: string | undefined;
    let position = 0;
    while (position < content.length) {
      const space = content.indexOf(0x20, position);
      const length = space < 0 ? Number.NaN : Number(content.subarray(position, space).toString('latin1'));
      if (!Number.isInteger(length) || length <= 0 || position + length > content.length) {
        this.fail(`the pax header at byte ${offset} has a malformed record at its byte ${position}; the archive is corrupt`);
      }
      const record = content.subarray(space + 1, position + length - 1).toString('utf8');
      const equals = record.indexOf('=');
      if (equals > 0 && record.slice(0, equals) === 'path') path = record.slice(equals + 1);
      position += length;
    }
    return path;
  }

  private fail(problem: string): never {
    throw new DataError(`${this.source}: ${problem}.`);
  }
}

function memberKind(typeFlag: number): MemberKind {
  // Type 7 (contiguous file) is a regular file to every reader that does not special-case it.
  switch (String.fromCharCode(typeFlag)) {
    case '0':
    case '\u0000':
    case '7':
      return 'file';
    case 'L':
      return 'gnu-long-name';
    case 'x':
      return 'pax-header';
    default:
      return 'skipped';
  }
}

// Header text fields end at the first NUL byte, or fill the whole field.
function readText(bytes: Buffer, [start, end]: readonly [number, number]): string {
  const field = bytes.subarray(start, end);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
}

/**
 * Reads the regular files whose names `select` accepts from the tar archive at `path`, which
 * may be gzipped (detected from the gzip header bytes 1f 8b). Streams the archive, so only the
 * selected files are held in memory. Returns their contents by member name. A corrupt gzip
 * stream, a bad header checksum or a truncated archive is a DataError that names the file.
 */
export async function readTarFiles(path: string, select: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reader = new TarStreamReader(path, select, (name, content) => files.set(name, content));
  const compressed = await startsWithGzipHeader(path);
  const raw = createReadStream(path);
  const stream: Readable = compressed ? raw.pipe(createGunzip()) : raw;
  // pipe() does not forward errors, so a read error of the file would otherwise go unnoticed.
  raw.on('error', (error) => stream.destroy(error));
  try {
    for await (const chunk of stream) reader.push(chunk as Buffer);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const problem = compressed ? `corrupt or truncated gzip stream (${reason})` : `cannot read the file (${reason})`;
    throw new DataError(`${path}: ${problem}.`, { cause: error });
  } finally {
    raw.destroy();
    stream.destroy();
  }
  reader.end();
  return files;
}

async function startsWithGzipHeader(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new DataError(`${path}: cannot open the file (${(error as Error).message}).`, { cause: error });
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
