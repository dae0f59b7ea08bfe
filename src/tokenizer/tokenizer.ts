/**
 * The code-aware subword tokenizer shared by training and inference.
 *
 * Text goes through the code-aware pre-tokenizer (preTokenizer.ts: identifier splits and layout
 * marks), then BPE inside each piece. Ids: the six special tokens of src/core/specialTokens.ts
 * first (0..5), then 256 byte tokens `<0x00>`..`<0xFF>` (characters never seen in training fall
 * back to their UTF-8 bytes, so every text round-trips, nothing becomes `<unk>`), then the
 * alphabet, then one token per merge.
 *
 * Saved as a standard, self-contained Hugging Face `tokenizer.json`: a normaliser that marks
 * whitespace, a regex `Split` pre-tokenizer that cuts our pieces, the BPE model with byte
 * fallback, and a decoder that turns the marks back into whitespace. The `tokenizers` library
 * loads it and encodes and decodes exactly as this class does (tested). We write the JSON
 * ourselves because the Node binding cannot build a regex `Split` (its `splitPreTokenizer`
 * takes a literal string) nor configure a trainer (see bpe.ts); it reads both from the file.
 *
 * Encoding and decoding here are synchronous and pure TypeScript, so the extension host, the
 * worker and the CLI need no native module at inference time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SPECIAL_TOKENS, UNK_ID } from '../core/specialTokens';
import { applyMerges, mergeKey, trainBpe } from './bpe';
import { readGuardedJsonSync } from '../files/guardedRead';
import { MARKED_PIECE_PATTERN, NEWLINE_MARK, SPACE_MARK, TAB_MARK, preTokenize, unmark } from './preTokenizer';

/** The most bytes a tokenizer file may have (a 50,000-token vocabulary with its merges is a few MiB). */
export const MAX_TOKENIZER_FILE_BYTES = 32 * 1024 * 1024;

export interface TokenizerTrainOptions {
  /** Total vocabulary size, special and byte tokens included. */
  readonly vocabSize: number;
  /** Pairs (and characters) seen fewer times are not learnt. Default 2. */
  readonly minFrequency?: number;
}

const replace = (from: string, to: string): Record<string, unknown> => ({
  type: 'Replace',
  pattern: { String: from },
  content: to,
});

const BYTE_TOKENS = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
const FIRST_FREE_ID = SPECIAL_TOKENS.length + BYTE_TOKENS.length;

/** The parts of a `tokenizer.json` we read and write. */
interface TokenizerJson {
  version: string;
  added_tokens: { id: number; content: string; special: boolean }[];
  model: { type: string; vocab: Record<string, number>; merges: [string, string][] | string[] } & Record<
    string,
    unknown
  >;
}

export interface EncodingStats {
  readonly tokens: number;
  /** Tokens that are byte fallbacks: characters outside the learnt alphabet. */
  readonly byteFallbackTokens: number;
  /** Pre-tokenizer pieces, and those that became a single token. */
  readonly pieces: number;
  readonly wholePieces: number;
}

export class CodeTokenizer {
  private readonly tokenToIdMap: ReadonlyMap<string, number>;
  private readonly ranks: ReadonlyMap<string, number>;
  private readonly cache = new Map<string, number[]>();

  private constructor(
    private readonly tokens: readonly string[],
    private readonly merges: readonly (readonly [string, string])[],
  ) {
    this.tokenToIdMap = new Map(tokens.map((t, i) => [t, i]));
    this.ranks = new Map(merges.map(([a, b], i) => [mergeKey(a, b), i]));
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.tokenToIdMap.get(token);
  }

  /** The pre-tokenizer pieces of a text (what BPE sees). */
  pieces(text: string): string[] {
    return preTokenize(text);
  }

  /** Token ids of a text, without BOS/EOS or direction tokens (the batcher adds those). */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of preTokenize(text)) out.push(...this.encodePiece(piece));
    return out;
  }

  /** Text of token ids; special tokens are skipped, byte tokens decoded as UTF-8. */
  decode(ids: readonly number[]): string {
    let text = '';
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length) text += Buffer.from(bytes).toString('utf8');
      bytes = [];
    };
    for (const id of ids) {
      if (id < SPECIAL_TOKENS.length) continue;
      if (id < FIRST_FREE_ID) {
        bytes.push(id - SPECIAL_TOKENS.length);
        continue;
      }
      flush();
      text += this.tokens[id] ?? '';
    }
    flush();
    return unmark(text);
  }

  /** How texts encode: byte fallbacks (OOV characters) and pieces kept whole. */
  stats(texts: Iterable<string>): EncodingStats {
    let tokens = 0;
    let byteFallbackTokens = 0;
    let pieces = 0;
    let wholePieces = 0;
    for (const text of texts) {
      for (const piece of preTokenize(text)) {
        const ids = this.encodePiece(piece);
        pieces++;
        if (ids.length === 1) wholePieces++;
        tokens += ids.length;
        for (const id of ids) if (id >= SPECIAL_TOKENS.length && id < FIRST_FREE_ID) byteFallbackTokens++;
      }
    }
    return { tokens, byteFallbackTokens, pieces, wholePieces };
  }

  private encodePiece(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    const ids: number[] = [];
    // Runs of known characters are merged; unknown characters become their UTF-8 bytes.
    let run: string[] = [];
    const flushRun = (): void => {
      for (const t of applyMerges(run, this.ranks)) ids.push(this.tokenToIdMap.get(t) ?? UNK_ID);
      run = [];
    };
    for (const ch of piece) {
      if (this.tokenToIdMap.has(ch)) run.push(ch);
      else {
        flushRun();
        for (const b of Buffer.from(ch, 'utf8')) ids.push(SPECIAL_TOKENS.length + b);
      }
    }
    flushRun();
    if (this.cache.size < 100_000) this.cache.set(piece, ids);
    return ids;
  }

  /** Learns a vocabulary from texts (code and doc text alike). */
  static train(texts: Iterable<string>, options: TokenizerTrainOptions): CodeTokenizer {
    const minFrequency = options.minFrequency ?? 2;
    if (options.vocabSize <= FIRST_FREE_ID) {
      throw new Error(`vocabSize must exceed ${FIRST_FREE_ID} (6 special + 256 byte tokens), got ${options.vocabSize}`);
    }
    const counts = new Map<string, number>();
    for (const text of texts) for (const p of preTokenize(text)) counts.set(p, (counts.get(p) ?? 0) + 1);
    const budget = options.vocabSize - FIRST_FREE_ID;
    const { alphabet, merges } = trainBpe(counts, { maxMerges: budget, minFrequency });
    // A vocabulary the alphabet fills has no merge: a character model, which no one asks for.
    if (merges.length > 0 && alphabet.length >= budget) {
      throw new Error(
        `vocabSize ${options.vocabSize} leaves no room for a single subword merge: the ${FIRST_FREE_ID} special and byte ` +
          `tokens and the texts' ${alphabet.length} distinct characters take ${FIRST_FREE_ID + alphabet.length}; ` +
          `use a vocabSize of at least ${FIRST_FREE_ID + alphabet.length + 1} (a few thousand is usual).`,
      );
    }
    const chars = alphabet.slice(0, budget);
    const known = new Set(chars);
    const tokens = [...SPECIAL_TOKENS, ...BYTE_TOKENS, ...chars];
    const kept: [string, string][] = [];
    for (const [a, b] of merges) {
      if (tokens.length >= options.vocabSize) break;
      if (!known.has(a) || !known.has(b)) continue;
      const m = a + b;
      kept.push([a, b]);
      if (!known.has(m)) {
        known.add(m);
        tokens.push(m);
      }
    }
    return new CodeTokenizer(tokens, kept);
  }

  /** The standard `tokenizer.json` document. */
  toJSON(): TokenizerJson & Record<string, unknown> {
    const vocab: Record<string, number> = {};
    this.tokens.forEach((t, i) => (vocab[t] = i));
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: {
        type: 'Sequence',
        normalizers: [
          replace('\r\n', '\n'),
          replace('\r', '\n'),
          replace(' ', SPACE_MARK),
          replace('\t', TAB_MARK),
          replace('\n', NEWLINE_MARK),
        ],
      },
      pre_tokenizer: { type: 'Split', pattern: { Regex: MARKED_PIECE_PATTERN }, behavior: 'Isolated', invert: false },
      post_processor: null,
      decoder: {
        type: 'Sequence',
        decoders: [
          replace(SPACE_MARK, ' '),
          replace(TAB_MARK, '\t'),
          replace(NEWLINE_MARK, '\n'),
          { type: 'ByteFallback' },
          { type: 'Fuse' },
        ],
      },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: '<unk>',
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: true,
        ignore_merges: false,
        vocab,
        merges: this.merges.map(([a, b]): [string, string] => [a, b]),
      },
    };
  }

  /** Writes `tokenizer.json` atomically (temp file + rename). */
  save(file: string): void {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(this.toJSON()));
    fs.renameSync(tmp, file);
  }

  static fromJSON(json: unknown): CodeTokenizer {
    const j = json as Partial<TokenizerJson>;
    if (!j || typeof j !== 'object' || j.model?.type !== 'BPE' || typeof j.model.vocab !== 'object') {
      throw new Error('not a BPE tokenizer.json');
    }
    const tokens: string[] = [];
    const entries = Object.entries(j.model.vocab);
    for (const [t, id] of entries) {
      if (!Number.isInteger(id) || id < 0 || id >= entries.length)
        throw new Error('tokenizer.json: vocabulary ids must be whole numbers from 0 to the vocabulary size');
      tokens[id] = t;
    }
    SPECIAL_TOKENS.forEach((s, i) => {
      if (tokens[i] !== s) throw new Error(`tokenizer.json: id ${i} must be ${s}`);
    });
    BYTE_TOKENS.forEach((b, i) => {
      if (tokens[SPECIAL_TOKENS.length + i] !== b)
        throw new Error(`tokenizer.json: byte token ${b} missing at id ${SPECIAL_TOKENS.length + i}`);
    });
    if (tokens.length !== Object.keys(j.model.vocab).length || tokens.some((t) => t === undefined)) {
      throw new Error('tokenizer.json: vocabulary ids are not contiguous');
    }
    const rawMerges: unknown = j.model.merges ?? [];
    const isMerge = (m: unknown): boolean =>
      (typeof m === 'string' && m.includes(' ')) ||
      (Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === 'string'));
    if (!Array.isArray(rawMerges) || !rawMerges.every(isMerge))
      throw new Error('tokenizer.json: merges must be pairs of tokens');
    const merges = (rawMerges as (string | [string, string])[]).map((m): [string, string] => {
      if (Array.isArray(m)) return [m[0]!, m[1]!];
      const sp = m.indexOf(' ');
      return [m.slice(0, sp), m.slice(sp + 1)];
    });
    return new CodeTokenizer(tokens, merges);
  }

  /** A tokenizer file (a regular file of at most 32 MiB, read by the guarded reader). */
  static load(file: string): CodeTokenizer {
    let json: unknown;
    try {
      json = readGuardedJsonSync(file, { maxBytes: MAX_TOKENIZER_FILE_BYTES });
    } catch (e) {
      throw new Error(`cannot read tokenizer ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return CodeTokenizer.fromJSON(json);
  }
}

/** Trains a tokenizer (see {@link CodeTokenizer.train}). */
export function trainTokenizer(texts: Iterable<string>, options: TokenizerTrainOptions): CodeTokenizer {
  return CodeTokenizer.train(texts, options);
}
