/**
 * The tokenized training examples of a long run, kept beside it so a resumed chunk does not redo
 * the work: on the default model's corpus (277k pairs, a neighbour looked up for each in its
 * project, 318k examples tokenized) that setup takes 6 to 15 minutes of every chunk.
 *
 * `examples.bin` holds the ids as little-endian int32: a header `[version, count]`, then per
 * example `[srcLength, tgtLength, ...src, ...tgt]`. `examples.json` holds the key the examples
 * were made for (a hash of everything they depend on: the corpus file's size and time, the
 * tokenizer, the limits, directions, neighbours and seed) and is written last, so a crash while
 * writing leaves no file that claims to be complete. A different key, a short or damaged file:
 * the examples are made again and the cache replaced.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import type { Example } from '../mining/dataset';
import { readGuardedJsonSync, readGuardedSync } from '../files/guardedRead';

const VERSION = 1;
export const EXAMPLES_BIN = 'examples.bin';
export const EXAMPLES_KEY = 'examples.json';

/** A stable hash of `inputs` (JSON with sorted keys) and the corpus file's identity. */
export function examplesKey(corpusFile: string, inputs: Record<string, unknown>): string {
  const st = fs.statSync(corpusFile);
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;
  const text = JSON.stringify(
    sorted({ corpus: { file: path.resolve(corpusFile), size: st.size, mtime: st.mtimeMs }, inputs }),
  );
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** The examples file's bytes (the layout above; native/README.md documents it for the native engine). */
export function encodeExamples(examples: readonly Example[]): Buffer {
  let ints = 2;
  for (const e of examples) ints += 2 + e.src.length + e.tgt.length;
  const out = new Int32Array(ints);
  out[0] = VERSION;
  out[1] = examples.length;
  let k = 2;
  for (const e of examples) {
    out[k++] = e.src.length;
    out[k++] = e.tgt.length;
    out.set(e.src, k);
    k += e.src.length;
    out.set(e.tgt, k);
    k += e.tgt.length;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** The examples in `bytes`, or undefined when they are not a whole file of this version. */
export function decodeExamples(bytes: Buffer): Example[] | undefined {
  if (bytes.byteLength % 4 !== 0 || bytes.byteLength < 8) return undefined;
  const ints = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (ints[0] !== VERSION) return undefined;
  const count = ints[1]!;
  const out: Example[] = [];
  let k = 2;
  for (let i = 0; i < count; i++) {
    if (k + 2 > ints.length) return undefined;
    const s = ints[k++]!;
    const t = ints[k++]!;
    if (s < 0 || t < 0 || k + s + t > ints.length) return undefined;
    out.push({ src: Array.from(ints.subarray(k, k + s)), tgt: Array.from(ints.subarray(k + s, k + s + t)) });
    k += s + t;
  }
  return k === ints.length ? out : undefined;
}

/**
 * The examples cached in `dir` for `key`, else `make()`'s, which are then cached (a failed write
 * only costs the next run the time; training goes on).
 */
export function cachedExamples(
  dir: string,
  key: string,
  make: () => Example[],
  log: (line: string) => void = () => undefined,
): Example[] {
  const bin = path.join(dir, EXAMPLES_BIN);
  const keyFile = path.join(dir, EXAMPLES_KEY);
  try {
    // Run-folder files: plain files (no link, device or pipe) of a bounded size.
    const saved = readGuardedJsonSync(keyFile, { maxBytes: 64 * 1024 * 1024, noFollow: true }) as { key?: unknown };
    if (saved.key === key) {
      const examples = decodeExamples(readGuardedSync(bin, { maxBytes: 2 * 1024 * 1024 * 1024, noFollow: true }));
      if (examples) {
        log(`read ${examples.length} tokenized examples from ${bin}`);
        return examples;
      }
    }
  } catch {
    // no cache yet, or an unreadable one: made again below
  }
  const examples = make();
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(keyFile, { force: true });
    fs.writeFileSync(`${bin}.tmp`, encodeExamples(examples));
    fs.renameSync(`${bin}.tmp`, bin);
    fs.writeFileSync(keyFile, JSON.stringify({ key, count: examples.length }));
  } catch (e) {
    log(`could not cache the tokenized examples in ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return examples;
}
