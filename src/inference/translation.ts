/**
 * What the editor commands and the attention panel ask of the engine, and what they get back.
 * The implementation runs the model in the worker thread; the host never decodes on its own
 * thread, so the editor stays responsive.
 */
import type { Decoding } from '../core/decoding';
import type { Direction } from '../core/specialTokens';

export interface TranslateRequest {
  readonly direction: Direction;
  readonly text: string;
  /** Corpus language name (python, typescript, ...) when known; the model may condition on it. */
  readonly language?: string;
  /**
   * The file the text comes from (absolute), when it is in an indexed workspace: code → comment
   * then reads its neighbour from that workspace's index, never from this file.
   */
  readonly file?: string;
  /** How to decode; a field it leaves out is the model's tuned value or the direction's default. */
  readonly decoding: Decoding;
  /**
   * Summaries the user wrote or kept (their corrections, absolute paths): with `file` in an
   * indexed folder, code → comment remembers those of the same folder in its decoder
   * (src/core/decoderMemory.ts).
   */
  readonly remembered?: readonly RememberedComment[];
}

/** A documented function whose summary the user wrote or kept. */
export interface RememberedComment {
  /** Its file: absolute in a request, relative to the index's root once the worker matched it. */
  readonly path: string;
  readonly code: string;
  readonly summary: string;
}

/** One source subword with its place in the request's text (-1 for special tokens). */
export interface SourceToken {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface Candidate {
  /** Decoded output, identifiers re-joined and layout restored. */
  readonly text: string;
  /** Length-penalised score used for ranking. */
  readonly score: number;
  readonly logProb: number;
  /** Output subword pieces, aligned with `tokenLogProbs` and the attention rows. */
  readonly tokens: readonly string[];
  readonly tokenLogProbs: readonly number[];
  /** [outStep][srcPos] */
  readonly attention: readonly (readonly number[])[];
  /** Per entry of tokenLogProbs, the share copied from the source (0..1); models with copying only. */
  readonly copied?: readonly number[];
  /** [layer][head][outStep][srcPos], Transformer only */
  readonly attentionByLayerHead?: readonly (readonly (readonly (readonly number[])[])[])[];
  /**
   * Set when the text is a similar training function's summary, reused as it is (see
   * Decoding.reuseSimilarity); the scores are still the model's.
   */
  readonly reusedFrom?: ReusedFrom;
}

/**
 * Where a reused summary came from, in words: "the summary of <path> (87% the same code)", or
 * "the summary of `load_json` in utils/io.py:12 (...)" for a workspace function.
 */
export function reuseOrigin(from: Pick<ReusedFrom, 'path' | 'similarity' | 'name' | 'line'>): string {
  return `the summary of ${functionOrigin(from)} (${Math.round(100 * from.similarity)}% the same code)`;
}

/** `` `name` in path:line `` for a workspace function, else the path. */
export function functionOrigin(from: { path: string; name?: string; line?: number }): string {
  return from.name !== undefined ? `\`${from.name}\` in ${from.path}${from.line ? `:${from.line}` : ''}` : from.path;
}

/** "Neighbour: `load_json` in utils/io.py:12 (this workspace), 43% the same code: "Load a JSON file."" */
export function neighbourOrigin(n: Neighbour): string {
  const where = n.source === 'workspace' ? 'this workspace' : "the model's bundled examples";
  return `Neighbour: ${functionOrigin(n)} (${where}), ${Math.round(100 * n.similarity)}% the same code: "${n.summary}"`;
}

/** The documented function whose summary a retrieval model read before the code. */
export interface Neighbour {
  readonly summary: string;
  /** Dice overlap of the two functions' code subtokens (0..1). */
  readonly similarity: number;
  /** Its file: relative to the workspace root, or the training file of the bundled memory. */
  readonly path: string;
  /** Workspace functions only. */
  readonly name?: string;
  readonly line?: number;
  /** The open workspace's index, or the model's bundled memory (the fallback). */
  readonly source: 'workspace' | 'bundled';
  /**
   * Its code's subtokens that the documented function lacks ("base32" beside "hex"): a summary
   * naming one of them is not reused (see reuseConflicts).
   */
  readonly unshared?: readonly string[];
}

export interface ReusedFrom {
  /** The file the summary comes from (training file, or workspace file relative to its root). */
  readonly path: string;
  /** A workspace function's name and 1-based line. */
  readonly name?: string;
  readonly line?: number;
  /** Dice overlap of the two functions' code subtokens (0..1). */
  readonly similarity: number;
  /** Whether the beam search's best hypothesis was this same text. */
  readonly alsoGenerated: boolean;
}

export interface Translation {
  readonly direction: Direction;
  readonly sourceTokens: readonly SourceToken[];
  /** Best first. */
  readonly candidates: readonly Candidate[];
  readonly modelId: string;
  readonly elapsedMs: number;
  /** The length reward the search ranked with (the request's, or the model's tuned one). */
  readonly lengthReward: number;
  /** The reward's token limit, when it had one. */
  readonly lengthRewardLimit?: number;
  /** Code → comment with a retrieval model: the neighbour whose summary went before the code. */
  readonly neighbour?: Neighbour;
}

export interface Translator {
  translate(request: TranslateRequest, signal?: AbortSignal): Promise<Translation>;
}
