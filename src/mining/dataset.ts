/**
 * Corpus files and training batches.
 *
 * A corpus is JSONL, one pair per line: `{"lang","path","code","doc","summary"}` plus the
 * structured doc (`params`, `returns`, `throws`) and `name`/`line`. Batching turns pairs into the
 * `Batch` of src/core/batch.ts for either direction (code2doc: source code, target summary;
 * doc2code: the reverse): ids truncated to the configured limits, examples grouped by length
 * (shuffled with a seed, sorted by length inside pools, cut into batches, batch order shuffled)
 * so little of each batch is padding.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkReplaceableFile } from '../modelFolder/atomicFolder';
import type { Batch } from '../core/batch';
import { BOS_ID, EOS_ID, PAD_ID, directionTokenId, type Direction } from '../core/specialTokens';
import { guardedLines } from '../files/guardedRead';
import { CORPUS_LANGUAGES, type CorpusLanguage } from '../parsing/languages';
import { NEIGHBOUR_MAX_TOKENS } from '../retrieval/retrieval';
import type { Pair } from './mine';
import { seededRandom, shuffleInPlace } from './random';

/**
 * A corpus line; `Pair` from mining is one. `project` names the project the pair came from in a
 * corpus of many (scripts/corpus): splits and retrieval neighbours never cross projects.
 */
export type CorpusRecord = Pair & { readonly project?: string };

function isStringArrayish(v: unknown): boolean {
  return v === undefined || Array.isArray(v);
}

/** Parses one JSONL line, with a message naming what is wrong. */
export function parseCorpusLine(line: string, where = 'corpus'): CorpusRecord {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = v as Record<string, unknown>;
  if (!r || typeof r !== 'object') throw new Error(`${where}: expected an object`);
  for (const k of ['path', 'code', 'summary'] as const) {
    if (typeof r[k] !== 'string') throw new Error(`${where}: "${k}" must be a string`);
  }
  if (!CORPUS_LANGUAGES.includes(r.lang as CorpusLanguage))
    throw new Error(`${where}: unknown language ${JSON.stringify(r.lang)}`);
  if (!isStringArrayish(r.params) || !isStringArrayish(r.throws))
    throw new Error(`${where}: "params" and "throws" must be arrays`);
  if (r.project !== undefined && typeof r.project !== 'string') throw new Error(`${where}: "project" must be a string`);
  return {
    ...(typeof r.project === 'string' ? { project: r.project } : {}),
    lang: r.lang as CorpusLanguage,
    path: r.path as string,
    name: typeof r.name === 'string' ? r.name : '',
    line: typeof r.line === 'number' ? r.line : 0,
    code: r.code as string,
    doc: typeof r.doc === 'string' ? r.doc : (r.summary as string),
    summary: r.summary as string,
    params: (r.params as Pair['params'] | undefined) ?? [],
    ...(typeof r.returns === 'string' ? { returns: r.returns } : {}),
    throws: (r.throws as string[] | undefined) ?? [],
  };
}

/** The most bytes a corpus file may have (the largest corpus built so far is under 300 MB). */
export const MAX_CORPUS_BYTES = 4 * 1024 * 1024 * 1024;
/** The longest line of a corpus: one pair's JSON (a function is at most 512 KiB when mined). */
export const MAX_CORPUS_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Reads a JSONL corpus through the guarded reader: a regular file (a device such as /dev/zero or
 * a pipe is refused at once), at most {@link MAX_CORPUS_BYTES}, lines of at most
 * {@link MAX_CORPUS_LINE_BYTES}, UTF-8 (a leading byte-order mark is dropped); blank lines are
 * skipped. Every error names the file (and the line).
 */
export async function readCorpus(file: string): Promise<CorpusRecord[]> {
  const out: CorpusRecord[] = [];
  const lines = guardedLines(file, {
    maxBytes: MAX_CORPUS_BYTES,
    maxLineBytes: MAX_CORPUS_LINE_BYTES,
    name: `the corpus ${file}`,
    advice: 'A corpus is a JSONL file written by `seq2seq mine`.',
  });
  for await (const { line, n } of lines) {
    if (line.trim() === '') continue;
    out.push(parseCorpusLine(line, `${file}:${n}`));
  }
  return out;
}

/** Writes a JSONL corpus atomically (temp file + rename). */
export function writeCorpus(file: string, records: Iterable<CorpusRecord>): number {
  // Never a device, FIFO or link replaced by a plain file; a temporary sibling flushed, then renamed.
  checkReplaceableFile(file);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  let n = 0;
  try {
    try {
      for (const r of records) {
        fs.writeSync(fd, `${JSON.stringify(r)}\n`);
        n++;
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return n;
}

/** What batching needs from a tokenizer. */
export interface TextEncoder {
  encode(text: string): number[];
}

export interface ExampleOptions {
  /** Longest source in ids, direction token and EOS included. */
  readonly maxSrcLen: number;
  /** Longest target in ids, BOS (tgtIn) or EOS (tgtOut) included. */
  readonly maxTgtLen: number;
  /** Longest retrieved-neighbour prefix in ids (default NEIGHBOUR_MAX_TOKENS). */
  readonly neighbourTokens?: number;
}

/** One tokenized example: `src` = [direction, ...tokens, EOS]; `tgt` = the target tokens only. */
export interface Example {
  readonly src: readonly number[];
  readonly tgt: readonly number[];
}

/**
 * The source ids around the direction token and EOS: an optional `prefix` (a retrieved
 * neighbour's summary, at most `prefixLimit` ids) and then the text, cut to fit `maxSrcLen`.
 * Training and inference (ModelRunner) both build sources here, so they agree token for token.
 */
export function sourceParts(
  tokenizer: TextEncoder,
  text: string,
  maxSrcLen: number,
  prefix?: string,
  prefixLimit = NEIGHBOUR_MAX_TOKENS,
): { prefix: number[]; body: number[] } {
  const pre = prefix ? tokenizer.encode(prefix).slice(0, prefixLimit) : [];
  const body = tokenizer.encode(text).slice(0, Math.max(1, maxSrcLen - 2 - pre.length));
  return { prefix: pre, body };
}

/** One example; `sourcePrefix` (code2doc only) goes before the code (see {@link sourceParts}). */
export function makeExample(
  record: Pick<CorpusRecord, 'code' | 'summary'>,
  direction: Direction,
  tokenizer: TextEncoder,
  options: ExampleOptions,
  sourcePrefix?: string,
): Example {
  if (options.maxSrcLen < 3 || options.maxTgtLen < 2)
    throw new Error('maxSrcLen must be at least 3 and maxTgtLen at least 2');
  const [source, target] = direction === 'code2doc' ? [record.code, record.summary] : [record.summary, record.code];
  const parts = sourceParts(
    tokenizer,
    source,
    options.maxSrcLen,
    direction === 'code2doc' ? sourcePrefix : undefined,
    options.neighbourTokens,
  );
  const tgt = tokenizer.encode(target).slice(0, options.maxTgtLen - 1);
  return { src: [directionTokenId(direction), ...parts.prefix, ...parts.body, EOS_ID], tgt };
}

export interface ExamplesOptions<R = CorpusRecord> extends ExampleOptions {
  readonly directions?: readonly Direction[];
  /**
   * Share (0..1] of the records that also give a doc2code example, drawn with `seed`. Default 1
   * (every record, every direction).
   */
  readonly doc2codeShare?: number;
  readonly seed?: number;
  /** Text put before a record's code in its code2doc example (a retrieved neighbour's summary). */
  readonly sourcePrefix?: (record: R) => string | undefined;
}

/** Examples of both directions (or one) for every record; doc2code for a seeded share of them. */
export function makeExamples<R extends Pick<CorpusRecord, 'code' | 'summary'>>(
  records: Iterable<R>,
  tokenizer: TextEncoder,
  options: ExamplesOptions<R>,
): Example[] {
  const directions = options.directions ?? ['code2doc', 'doc2code'];
  const share = options.doc2codeShare ?? 1;
  if (!(share > 0 && share <= 1)) throw new Error(`doc2codeShare must be in (0, 1], got ${JSON.stringify(share)}`);
  const random = seededRandom((options.seed ?? 1) * 7919 + 17);
  const out: Example[] = [];
  for (const r of records)
    for (const d of directions) {
      if (d === 'doc2code' && share < 1 && random() >= share) continue;
      out.push(makeExample(r, d, tokenizer, options, d === 'code2doc' ? options.sourcePrefix?.(r) : undefined));
    }
  return out;
}

const pad = (rows: (readonly number[])[]): number[][] => {
  const len = Math.max(...rows.map((r) => r.length));
  return rows.map((r) => [...r, ...new Array<number>(len - r.length).fill(PAD_ID)]);
};

/** Pads examples into one batch (see src/core/batch.ts for the conventions). */
export function collate(examples: readonly Example[]): Batch {
  if (examples.length === 0) throw new Error('cannot collate an empty batch');
  return {
    src: pad(examples.map((e) => e.src)),
    tgtIn: pad(examples.map((e) => [BOS_ID, ...e.tgt])),
    tgtOut: pad(examples.map((e) => [...e.tgt, EOS_ID])),
  };
}

export interface BatchOptions {
  readonly batchSize: number;
  readonly seed: number;
  /** Examples sorted together by length before cutting batches, in batches. Default 50. */
  readonly poolBatches?: number;
}

/** Length-bucketed, seeded batches covering every example once. */
export function makeBatches(examples: readonly Example[], options: BatchOptions): Batch[] {
  if (options.batchSize < 1) throw new Error('batchSize must be at least 1');
  const random = seededRandom(options.seed);
  const order = shuffleInPlace(examples.slice(), random);
  const pool = options.batchSize * (options.poolBatches ?? 50);
  const batches: Batch[] = [];
  for (let i = 0; i < order.length; i += pool) {
    const chunk = order.slice(i, i + pool).sort((a, b) => a.src.length - b.src.length || a.tgt.length - b.tgt.length);
    for (let j = 0; j < chunk.length; j += options.batchSize)
      batches.push(collate(chunk.slice(j, j + options.batchSize)));
  }
  return shuffleInPlace(batches, random);
}
