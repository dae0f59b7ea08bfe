/**
 * The one guarded reader for the files the program reads: model and run folders (config.json,
 * weights, tokenizer, trainState.json, optimizer state), corpora, source files and stdin.
 *
 * - Regular files only: a device, pipe or folder is refused from its `stat`, before it is opened
 *   for reading, and the descriptor is opened non-blocking and checked again (`fstat`), so
 *   /dev/zero, /dev/urandom or a FIFO never blocks or fills memory.
 * - The size limit is checked before a byte is read, and no more than the size seen is ever read
 *   (a file that grows meanwhile is refused rather than read in part).
 * - `noFollow`: a symbolic link is refused instead of followed (a model or run folder's files,
 *   where a link could lead anywhere on the machine).
 * - Messages name the file and say what to do; they never quote the file's content.
 *
 * No TensorFlow.js and no VS Code here: the extension host, the worker and the CLI share it.
 */
import { isUtf8 } from 'buffer';
import * as fs from 'fs';

/** What is wrong with a file that is not read. */
export type ReadProblem = 'missing' | 'link' | 'notAFile' | 'tooLarge' | 'changed' | 'unreadable' | 'notText';

/** A file refused or unreadable; `message` names it (as the caller asked) and says what to do. */
export class GuardedReadError extends Error {
  constructor(
    readonly file: string,
    readonly problem: ReadProblem,
    message: string,
  ) {
    super(message);
    this.name = 'GuardedReadError';
  }
}

export interface GuardOptions {
  /** Most bytes the file may have (checked before reading). */
  readonly maxBytes: number;
  /** Refuse a symbolic link instead of following it. */
  readonly noFollow?: boolean;
  /** How messages name the file (default: the path as given). */
  readonly name?: string;
  /** What the user can do about a refused file: a sentence added to every message. */
  readonly advice?: string;
}

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;

/** A byte count for messages: "512 KiB", "1.9 GB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(1).replace(/\.0$/, '')} GiB`;
}

function fail(file: string, o: GuardOptions, problem: ReadProblem, detail?: string): GuardedReadError {
  const name = o.name ?? file;
  const words: Record<ReadProblem, string> = {
    missing: `${name} is missing`,
    link: `${name} is a symbolic link, which is not followed here; it must be a plain file`,
    notAFile: `${name} is not a regular file (a device, a pipe or a folder), so it is not read`,
    tooLarge: `${name} is ${detail ?? 'too large'}, more than the ${o.maxBytes >= 1024 ? `${formatBytes(o.maxBytes)} (${o.maxBytes} bytes)` : `${o.maxBytes} bytes`} allowed`,
    changed: `${name} changed while it was being read`,
    unreadable: `${name} cannot be read${detail ? ` (${detail})` : ''}`,
    notText: `${name} is not UTF-8 text`,
  };
  return new GuardedReadError(file, problem, `${words[problem]}.${o.advice ? ` ${o.advice}` : ''}`);
}

function statProblem(file: string, o: GuardOptions, e: unknown): GuardedReadError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return fail(file, o, 'missing');
  if (code === 'ELOOP') return fail(file, o, 'link');
  return fail(file, o, 'unreadable', code);
}

/** The checks on a stat of the path (before opening) and of the open descriptor. */
function checkStat(file: string, o: GuardOptions, st: fs.Stats): void {
  if (st.isSymbolicLink()) throw fail(file, o, 'link');
  if (!st.isFile()) throw fail(file, o, 'notAFile');
  if (st.size > o.maxBytes) throw fail(file, o, 'tooLarge', `${st.size} bytes`);
}

function openFlags(o: GuardOptions): number {
  return fs.constants.O_RDONLY | O_NONBLOCK | (o.noFollow ? O_NOFOLLOW : 0);
}

/**
 * Opens `file` for reading after the checks; the caller closes the descriptor. `size` is the
 * size checked, which is all the caller may read.
 */
export function openGuardedSync(file: string, o: GuardOptions): { fd: number; size: number } {
  let before: fs.Stats;
  try {
    before = o.noFollow ? fs.lstatSync(file) : fs.statSync(file);
  } catch (e) {
    throw statProblem(file, o, e);
  }
  checkStat(file, o, before);
  let fd: number;
  try {
    fd = fs.openSync(file, openFlags(o));
  } catch (e) {
    throw statProblem(file, o, e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.ino !== before.ino || st.dev !== before.dev) throw fail(file, o, 'changed');
    checkStat(file, o, st);
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** The asynchronous {@link openGuardedSync}. */
export async function openGuarded(
  file: string,
  o: GuardOptions,
): Promise<{ handle: fs.promises.FileHandle; size: number }> {
  let before: fs.Stats;
  try {
    before = o.noFollow ? await fs.promises.lstat(file) : await fs.promises.stat(file);
  } catch (e) {
    throw statProblem(file, o, e);
  }
  checkStat(file, o, before);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, openFlags(o));
  } catch (e) {
    throw statProblem(file, o, e);
  }
  try {
    const st = await handle.stat();
    if (st.ino !== before.ino || st.dev !== before.dev) throw fail(file, o, 'changed');
    checkStat(file, o, st);
    return { handle, size: st.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** The bytes of a regular file of at most `maxBytes`, read no further than its checked size. */
export function readGuardedSync(file: string, o: GuardOptions): Buffer {
  const { fd, size } = openGuardedSync(file, o);
  try {
    // One byte more than it had: a file that grew since is not read in part.
    const buffer = Buffer.alloc(size + 1);
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, total, buffer.length - total, total);
      if (n === 0) break;
      total += n;
      if (total > size) throw fail(file, o, 'changed');
    }
    return buffer.subarray(0, total);
  } catch (e) {
    if (e instanceof GuardedReadError) throw e;
    throw fail(file, o, 'unreadable', (e as NodeJS.ErrnoException)?.code);
  } finally {
    fs.closeSync(fd);
  }
}

/** The asynchronous {@link readGuardedSync}. */
export async function readGuarded(file: string, o: GuardOptions): Promise<Buffer> {
  const { handle, size } = await openGuarded(file, o);
  try {
    const buffer = Buffer.alloc(size + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > size) throw fail(file, o, 'changed');
    }
    return buffer.subarray(0, total);
  } catch (e) {
    if (e instanceof GuardedReadError) throw e;
    throw fail(file, o, 'unreadable', (e as NodeJS.ErrnoException)?.code);
  } finally {
    await handle.close();
  }
}

/** UTF-8 text of bytes (a leading byte-order mark dropped), or a refusal naming the file. */
export function decodeText(bytes: Uint8Array, file: string, o: GuardOptions): string {
  if (!isUtf8(bytes)) throw fail(file, o, 'notText');
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The UTF-8 text of a regular file of at most `maxBytes` (a leading BOM dropped). */
export function readGuardedTextSync(file: string, o: GuardOptions): string {
  return decodeText(readGuardedSync(file, o), file, o);
}

/**
 * The JSON value of a regular file of at most `maxBytes`. A parse error names the file only:
 * JSON.parse's own message quotes the text.
 */
export function readGuardedJsonSync(file: string, o: GuardOptions): unknown {
  const text = readGuardedTextSync(file, o);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GuardedReadError(
      file,
      'notText',
      `${o.name ?? file} is not valid JSON (corrupt or truncated).${o.advice ? ` ${o.advice}` : ''}`,
    );
  }
}

export interface LineOptions extends GuardOptions {
  /** Longest line in bytes; a longer one is refused (a file that is not line-based text). */
  readonly maxLineBytes: number;
}

/**
 * The lines of a regular text file, streamed (one chunk in memory at a time): line numbers from
 * 1, `\r\n` and `\n` endings, a leading BOM dropped. Each line must be UTF-8 and at most
 * `maxLineBytes` long; a refusal names the file and the line.
 */
export async function* guardedLines(file: string, o: LineOptions): AsyncGenerator<{ line: string; n: number }> {
  const { handle, size } = await openGuarded(file, o);
  const name = o.name ?? file;
  const lineError = (n: number, what: string): GuardedReadError =>
    new GuardedReadError(file, 'notText', `${name}:${n} ${what}.${o.advice ? ` ${o.advice}` : ''}`);
  const decode = (bytes: Buffer, n: number): string => {
    // isUtf8 and toString are Node's fast (SIMD) paths; TextDecoder's fatal mode is several times slower.
    if (!isUtf8(bytes)) throw lineError(n, 'is not UTF-8 text');
    let text = bytes.toString('utf8');
    if (n === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  try {
    const chunk = Buffer.alloc(Math.min(1024 * 1024, Math.max(1, size)));
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let position = 0;
    let n = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        const end = nl < 0 || nl >= bytesRead ? bytesRead : nl;
        pendingBytes += end - start;
        if (pendingBytes > o.maxLineBytes)
          throw lineError(n + 1, `is longer than ${formatBytes(o.maxLineBytes)}; the file is not line-based text`);
        if (end === bytesRead) {
          // The line goes on in the next chunk: keep a copy (the chunk is reused).
          pending.push(Buffer.from(chunk.subarray(start, end)));
          break;
        }
        n++;
        // A line inside the chunk is decoded where it lies; one that began earlier is joined first.
        const bytes =
          pending.length === 0 ? chunk.subarray(start, end) : Buffer.concat([...pending, chunk.subarray(start, end)]);
        yield { line: decode(bytes, n), n };
        pending = [];
        pendingBytes = 0;
        start = end + 1;
      }
    }
    if (pendingBytes > 0) {
      n++;
      yield { line: decode(Buffer.concat(pending), n), n };
    }
  } finally {
    await handle.close();
  }
}

/**
 * Up to `maxBytes` of a stream (stdin): reading stops there, so a huge or endless input costs
 * no more than the cap. `truncated` says whether more was there.
 */
export async function readStreamCapped(
  stream: NodeJS.ReadableStream,
  maxBytes: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let total = 0;
  let truncated = false;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    if (total + b.length > maxBytes) {
      chunks.push(b.subarray(0, maxBytes - total));
      total = maxBytes;
      truncated = true;
      break;
    }
    chunks.push(b);
    total += b.length;
  }
  if (truncated) (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  return { bytes: Buffer.concat(chunks, total), truncated };
}
