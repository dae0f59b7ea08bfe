/**
 * The mining pipeline as one call: source files in, a clean corpus out (mined, trivial pairs
 * filtered, exact duplicates removed), with counts for reports. The CLI feeds it the walker's
 * files; the extension feeds it workspace documents. Also the corpus statistics of
 * `corpus-stats`: pairs per language, length percentiles, vocabulary coverage.
 */
import { dedupPairs, splitByFile } from './dedupSplit';
import {
  fileSkipReason,
  filterPairs,
  type FileFilterOptions,
  type FileSkipReason,
  type PairFilterOptions,
  type PairSkipReason,
} from './filters';
import type { CorpusLanguage } from '../parsing/languages';
import { Miner, type Pair, type SourceFile } from './mine';
import type { ParserOptions } from '../parsing/parser';
import { preTokenize } from '../tokenizer/preTokenizer';

export interface BuildCorpusOptions extends ParserOptions, PairFilterOptions, FileFilterOptions {
  /** Called after each file: files done, pairs mined so far (before filtering). */
  readonly onFile?: (filesDone: number, pairsMined: number, file: string) => void;
  /** Stops early when set (checked between files). */
  readonly isCancelled?: () => boolean;
}

export interface CorpusReport {
  readonly pairs: Pair[];
  readonly files: number;
  readonly bytes: number;
  readonly mined: number;
  readonly skipped: Partial<Record<PairSkipReason, number>>;
  /** Files passed in but not mined (secret, vendored, generated, minified, too large). */
  readonly skippedFiles: Partial<Record<FileSkipReason, number>>;
  readonly duplicateCode: number;
  readonly duplicatePair: number;
  readonly perLanguage: Partial<Record<CorpusLanguage, number>>;
}

export function countByLanguage(pairs: Iterable<Pick<Pair, 'lang'>>): Partial<Record<CorpusLanguage, number>> {
  const out: Partial<Record<CorpusLanguage, number>> = {};
  for (const p of pairs) out[p.lang] = (out[p.lang] ?? 0) + 1;
  return out;
}

export async function buildCorpus(
  files: Iterable<SourceFile> | AsyncIterable<SourceFile>,
  options: BuildCorpusOptions = {},
): Promise<CorpusReport> {
  const miner = new Miner(options);
  const mined: Pair[] = [];
  let count = 0;
  let bytes = 0;
  const skippedFiles: Partial<Record<FileSkipReason, number>> = {};
  try {
    for await (const f of files) {
      if (options.isCancelled?.()) break;
      // The walker already applied these rules; files handed in by the extension have not. Folder
      // names are the caller's choice (its globs), so only the file's own rules apply here.
      const why = fileSkipReason(f.path, f.content, { ...options, ignoreFolderNames: true });
      if (why) {
        skippedFiles[why] = (skippedFiles[why] ?? 0) + 1;
        continue;
      }
      mined.push(...(await miner.mine(f))); // scrubbed of secrets by the miner
      bytes += Buffer.byteLength(f.content, 'utf8');
      count++;
      options.onFile?.(count, mined.length, f.path);
    }
  } finally {
    miner.dispose();
  }
  const filtered = filterPairs(mined, options);
  const dedup = dedupPairs(filtered.kept);
  return {
    pairs: dedup.kept,
    files: count,
    bytes,
    mined: mined.length,
    skipped: filtered.skipped,
    skippedFiles,
    duplicateCode: dedup.duplicateCode,
    duplicatePair: dedup.duplicatePair,
    perLanguage: countByLanguage(dedup.kept),
  };
}

/** Nearest-rank percentiles of numbers (p in 0..100). */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  if (values.length === 0) return ps.map(() => 0);
  const sorted = values.slice().sort((a, b) => a - b);
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
}

export interface PieceCoverage {
  /** Distinct pre-tokenizer pieces in the train split. */
  readonly trainVocabulary: number;
  /** Pieces of the held-out (valid + test) split. */
  readonly heldOutPieces: number;
  /** Share of held-out pieces never seen in train. */
  readonly oovRate: number;
}

/**
 * Vocabulary coverage without a tokenizer: the code-aware pieces (identifier parts, words,
 * symbols) of the train split against those of the held-out files, split by file with a seed.
 */
export function pieceCoverage(pairs: readonly Pair[], seed: number): PieceCoverage {
  const splits = splitByFile(pairs, { seed });
  const vocab = new Set<string>();
  for (const p of splits.train) for (const t of [...preTokenize(p.code), ...preTokenize(p.summary)]) vocab.add(t);
  let held = 0;
  let oov = 0;
  for (const p of [...splits.valid, ...splits.test]) {
    for (const t of [...preTokenize(p.code), ...preTokenize(p.summary)]) {
      held++;
      if (!vocab.has(t)) oov++;
    }
  }
  return { trainVocabulary: vocab.size, heldOutPieces: held, oovRate: held ? oov / held : 0 };
}
