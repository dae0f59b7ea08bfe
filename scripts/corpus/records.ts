/**
 * The corpus record (one JSONL line of train/valid/test.jsonl) and the messages between the build
 * and its mining processes. Declared once here; CORPUS.md documents the same schema.
 */
import type { FileSkipReason, PairSkipReason } from '../../src/mining/filters';
import type { Pair } from '../../src/mining/mine';

/** One (code, documentation) pair of the corpus: a mined Pair with where it came from. */
export interface CorpusRecord extends Pair {
  /** The project: the Debian source package. */
  readonly project: string;
  /** The source package's version (of the binary package mined). */
  readonly version: string;
  /** The Debian binary package the file came from. */
  readonly package: string;
  /** The licence named by the package's copyright file. */
  readonly license: string;
}

/** What the build asks a mining process to do: unpack and mine one project. */
export interface MineRequest {
  readonly type: 'mine';
  readonly project: string;
  readonly family: string;
  readonly packages: readonly { readonly name: string; readonly deb: string }[];
  /** Folder to unpack into (removed after mining). */
  readonly unpackDir: string;
  /** JSONL file to write the project's pairs to (written atomically). */
  readonly outFile: string;
}

/** What one binary package turned out to be. */
export interface PackageInfo {
  readonly name: string;
  readonly source: string;
  readonly version: string;
  readonly license: string;
}

/** A mining process's answer for one project. */
export interface MineResult {
  readonly type: 'mined';
  readonly project: string;
  readonly packages: readonly PackageInfo[];
  /** Packages that failed to unpack or mine, with why. */
  readonly failed: readonly { readonly name: string; readonly reason: string }[];
  readonly files: number;
  readonly bytes: number;
  readonly mined: number;
  readonly pairs: number;
  readonly skippedFiles: Partial<Record<FileSkipReason | string, number>>;
  readonly skippedPairs: Partial<Record<PairSkipReason, number>>;
  readonly seconds: number;
}
