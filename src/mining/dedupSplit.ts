/**
 * Exact-duplicate removal and train/valid/test splitting by file.
 *
 * Duplicates are judged on normalised text (whitespace collapsed; descriptions also lower-cased
 * without trailing punctuation). A pair goes when its code was seen before (copies of one function
 * with different docs would otherwise leak between splits) or when the same (code, description)
 * was seen. Splitting assigns whole files, ordered by a seeded hash of their path, to test, then
 * valid, until each holds its share of pairs; everything else is train. The same seed and corpus
 * give the same split.
 */
import { hashString } from './random';

export interface CodeDocRecord {
  readonly path: string;
  readonly code: string;
  readonly summary: string;
}

export function normalizeCode(code: string): string {
  return code.replace(/\s+/g, ' ').trim();
}

export function normalizeDescription(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s.!?:;,]+$/, '')
    .trim();
}

export interface DedupResult<T> {
  readonly kept: T[];
  /** Pairs dropped because their normalised code was already kept. */
  readonly duplicateCode: number;
  /** Pairs dropped because the same normalised description AND code was already kept. */
  readonly duplicatePair: number;
}

/** Keeps the first occurrence of each normalised code (input order decides). */
export function dedupPairs<T extends CodeDocRecord>(pairs: Iterable<T>): DedupResult<T> {
  const codes = new Set<string>();
  const both = new Set<string>();
  const kept: T[] = [];
  let duplicateCode = 0;
  let duplicatePair = 0;
  for (const p of pairs) {
    const code = normalizeCode(p.code);
    const key = `${code}\u0000${normalizeDescription(p.summary)}`;
    if (both.has(key)) duplicatePair++;
    else if (codes.has(code)) duplicateCode++;
    else {
      codes.add(code);
      both.add(key);
      kept.push(p);
    }
  }
  return { kept, duplicateCode, duplicatePair };
}

export interface SplitOptions {
  readonly seed: number;
  /** Share of pairs for validation, 0..1. Default 0.1. */
  readonly validFraction?: number;
  /** Share of pairs for test, 0..1. Default 0.1. */
  readonly testFraction?: number;
}

export interface Splits<T> {
  readonly train: T[];
  readonly valid: T[];
  readonly test: T[];
}

export type SplitName = keyof Splits<unknown>;

/** The order in which splitting assigns files: a seeded hash of the path, then the path. */
export function seededFileOrder(seed: number): (a: string, b: string) => number {
  return (a, b) => hashString(a, seed) - hashString(b, seed) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Which split each file goes to. */
export function assignFiles(
  pairCountsByFile: ReadonlyMap<string, number>,
  options: SplitOptions,
): Map<string, SplitName> {
  const total = [...pairCountsByFile.values()].reduce((a, b) => a + b, 0);
  const wantTest = total * (options.testFraction ?? 0.1);
  const wantValid = total * (options.validFraction ?? 0.1);
  const files = [...pairCountsByFile.keys()].sort(seededFileOrder(options.seed));
  const out = new Map<string, SplitName>();
  let test = 0;
  let valid = 0;
  for (const f of files) {
    const n = pairCountsByFile.get(f)!;
    if (test < wantTest && test + n / 2 <= wantTest + 0.5) {
      out.set(f, 'test');
      test += n;
    } else if (valid < wantValid && valid + n / 2 <= wantValid + 0.5) {
      out.set(f, 'valid');
      valid += n;
    } else out.set(f, 'train');
  }
  return out;
}

/** Splits pairs by their file; order inside each split follows the input. */
export function splitByFile<T extends { readonly path: string }>(
  pairs: readonly T[],
  options: SplitOptions,
): Splits<T> {
  const counts = new Map<string, number>();
  for (const p of pairs) counts.set(p.path, (counts.get(p.path) ?? 0) + 1);
  const where = assignFiles(counts, options);
  const splits: Splits<T> = { train: [], valid: [], test: [] };
  for (const p of pairs) splits[where.get(p.path)!].push(p);
  return splits;
}
