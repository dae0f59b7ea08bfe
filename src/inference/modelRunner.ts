/**
 * A loaded model with its tokenizer, answering translation requests: encodes the text with the
 * direction token, decodes with beam search, and returns candidates with their per-token
 * probabilities and attention, plus the source tokens' character offsets so that the attention
 * panel can point back into the editor. A retrieval model (code → comment) puts its neighbour's
 * summary before the code and, when the neighbour is a near-copy, answers with that summary
 * (scored by the model, marked `reusedFrom`). Runs wherever TensorFlow.js runs (the worker, the CLI).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { batchToTensors, disposeBatch } from '../core/batch';
import { loadModel, type ModelMeta } from '../modelFolder/checkpoint';
import { noRepeatDefault, type TunedDecoding } from '../core/decoding';
import type { Seq2SeqModel } from '../core/model';
import { beamSearch, scoreTokens, type Hypothesis } from '../core/search';
import { DecoderMemory, MEMORY_DEFAULTS, type MemoryEntries } from '../core/decoderMemory';
import { hashString } from '../mining/random';
import { EOS_ID, SPECIAL_TOKENS, directionTokenId, type Direction } from '../core/specialTokens';
import type { CodeTokenizer } from '../tokenizer/tokenizer';
import { loadMemoryFile, loadTokenizerFile, modelFilePath, projectRetrievalKind } from '../modelFolder/sideFiles';
import { TOKENIZER_FILE, memoryFileName } from '../modelFolder/format';
import { normaliseText, unmark } from '../tokenizer/preTokenizer';
import { collate, makeExample, sourceParts } from '../mining/dataset';
import type { FunctionIndex } from '../retrieval/functionIndex';
import { ExampleMemory, codeSubtokens } from '../retrieval/retrieval';
import type {
  Candidate,
  Neighbour,
  RememberedComment,
  ReusedFrom,
  SourceToken,
  TranslateRequest,
  Translation,
} from './translation';

/**
 * Model output made safe for an editor: byte-fallback debris (U+FFFD), control characters other
 * than newline and tab (C0, DEL, C1 including NEL) removed; Unicode line and paragraph separators
 * become newlines, so the editor never meets an "unusual line terminator" in a generated comment.
 */
export function cleanGeneratedText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u2028\u2029]/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g, '');
}

/** `name` inside the model folder `dir`, or an error that does not repeat a name leading elsewhere. */
function insideModelFolder(dir: string, name: string, what: string): string {
  try {
    return modelFilePath(dir, name, what);
  } catch (e) {
    throw new Error(`the model in ${dir} cannot be used: ${e instanceof Error ? e.message : String(e)} Re-export it.`);
  }
}

/**
 * The example memory a retrieval-augmented model names in its meta; a clear error when it is
 * missing. A model trained on project-scoped neighbours ships none: its memory is empty, so its
 * neighbours come from the workspace index alone (and it reads no neighbour without one).
 */
function loadMemory(dir: string, meta: ModelMeta): ExampleMemory | undefined {
  const projectKind = projectRetrievalKind(meta);
  if (projectKind) return ExampleMemory.build([], projectKind);
  const name = memoryFileName(meta);
  if (name === undefined) return undefined;
  // The name's shape first: a path out of the folder is refused without looking at it.
  if (!fs.existsSync(insideModelFolder(dir, name, 'example memory')))
    throw new Error(`the model in ${dir} looks up similar functions in ${name}, which is missing; re-export it.`);
  try {
    return loadMemoryFile(dir, name);
  } catch (e) {
    throw new Error(`the model in ${dir} cannot be used: ${e instanceof Error ? e.message : String(e)} Re-export it.`);
  }
}

/**
 * A comment's text from a copying model's output. A word piece copied from code carries no
 * leading-space mark when it continued an identifier there (`Framebuffer` of
 * `createFramebuffer`), so after a generated word it would glue on ("theFramebuffer",
 * "givenextension"). A copied piece that starts with a capital, or with four lower-case letters,
 * and follows a generated lower-case word gets the space a comment word needs. Short lower-case
 * endings are left alone: a generated stem with a copied ending ("resource" + "s") is how the
 * model spells many words. Pieces copied one after another (a whole identifier) stay joined.
 * On 600 validation pairs this changed 13 comments, 11 for the better (+0.15 corpus BLEU).
 * `copied[i]` is the share of token i's probability that came from copying.
 */
export function spacedCommentText(
  tokenizer: Pick<CodeTokenizer, 'decode' | 'idToToken'>,
  ids: readonly number[],
  copied: readonly number[],
): string {
  const isCopied = (i: number): boolean => (copied[i] ?? 0) >= 0.5;
  const segments: number[][] = [[]];
  ids.forEach((id, i) => {
    const piece = tokenizer.idToToken(id) ?? '';
    const before = i > 0 ? (tokenizer.idToToken(ids[i - 1]!) ?? '') : '';
    if (i > 0 && isCopied(i) && !isCopied(i - 1) && /^(\p{Lu}|\p{Ll}{4,})/u.test(piece) && /^▁\p{Ll}+$/u.test(before))
      segments.push([]);
    segments[segments.length - 1]!.push(id);
  });
  return segments.map((s) => tokenizer.decode(s)).join(' ');
}

/**
 * The workspace a code → comment request comes from: its index is the retrieval memory, and
 * `excludePath` (the file being documented, relative to the index's root) is never a neighbour.
 */
export interface WorkspaceNeighbours {
  readonly index: FunctionIndex;
  readonly excludePath?: string;
  /**
   * Summaries the user wrote or kept in this workspace (their corrections), remembered by the
   * decoder (src/core/decoderMemory.ts): code → comment search leans on them where its state is
   * near one of theirs. Absent or empty: the model alone.
   */
  readonly remembered?: readonly RememberedComment[];
}

/** Remembered comments whose decoder entries a runner keeps between requests (the most recent first out). */
const MEMORY_CACHE_SIZE = 4000;
/** Remembered comments a request computes entries for at most (the rest are computed between requests). */
const MEMORY_NEW_PER_REQUEST = 4;

/** A remembered comment's cache key: its file and summary exactly, its code by length and hash. */
const memoryKey = (c: RememberedComment): string =>
  `${c.path}\0${c.summary}\0${c.code.length}:${hashString(c.code).toString(36)}`;

/**
 * The neighbour's summary when it is close enough to be reused as the answer (overlap at least
 * `threshold`, which null turns off), cleaned as generated text is; else undefined. The default
 * model's recipe tunes the threshold with this same rule. Readers side with it: on 79 validation
 * functions where the bundled model reuses (overlap 0.4 and up), blind readers kept 43 reused
 * summaries against 12 of the model's own comments for the same functions (7 against 4 between
 * overlaps 0.4 and 0.6, 20 against 2 from 0.8).
 */
export function reusableSummary(
  neighbour: { summary: string; similarity: number; unshared?: readonly string[] } | undefined,
  threshold: number | null,
): string | undefined {
  if (!neighbour || threshold === null || neighbour.similarity < threshold) return undefined;
  if (reuseConflicts(neighbour.summary, neighbour.unshared ?? []).length > 0) return undefined;
  const summary = cleanGeneratedText(neighbour.summary).trim();
  return summary || undefined;
}

/**
 * Words that say nothing about which of two near-identical functions is meant: English function
 * words and the keywords every function has. A neighbour-only `get` or `strict` is not in here:
 * those are exactly the words where a sibling's summary lies.
 */
const NEUTRAL_WORDS = new Set(
  (
    'a an the of to in on at by for from with into as is are be it its this that which and or not no ' +
    'if else then do end for while return returns self cls def fn func function const let var new ' +
    'true false null none nil undefined void public private protected static final async await pub mut impl'
  ).split(' '),
);

/** A crude English stem, enough to meet `strictly`/`strict`, `encodes`/`encode`, `values`/`value`. */
function stem(word: string): string {
  return word
    .replace(/(ies)$/, 'y')
    .replace(/(ly|ing|ed|es|s)$/, '')
    .replace(/e$/, '');
}

/**
 * The words of a neighbour's summary that name something only the neighbour's code has — its
 * subtokens that the documented function lacks (`unshared`): the sibling encoder's "base32",
 * "strictly" beside `deepEqual`, "equal" in `greaterThanOrEqual`'s summary for `greaterThan`.
 * Reusing such a summary would be wrong in exactly the word that matters, so reuse does not fire.
 * Blind readers agree: of the 179 reuses the rule refused on validation projects, they kept 13
 * of the refused summaries and 30 of the model's own comments inserted instead. The rule is for
 * reuse only: as a search constraint that keeps those words out of the model's own comments, it
 * made readers keep 16 against 31 of the 201 comments it changed (the model uses such a word
 * rightly more often than not, and forced off it writes worse text).
 */
export function reuseConflicts(summary: string, unshared: readonly string[]): string[] {
  const only = new Set(unshared.filter((t) => t.length > 1 && !/^\d+$/.test(t) && !NEUTRAL_WORDS.has(t)).map(stem));
  if (only.size === 0) return [];
  const words = codeSubtokens(summary).filter((w) => !NEUTRAL_WORDS.has(w));
  return [...new Set(words.filter((w) => only.has(stem(w))))];
}

export class ModelRunner {
  private constructor(
    readonly id: string,
    readonly model: Seq2SeqModel,
    readonly meta: ModelMeta,
    readonly tokenizer: CodeTokenizer,
    /** Retrieval-augmented models: the training functions whose summaries go before the code. */
    readonly memory?: ExampleMemory,
  ) {}

  /** Decoder-memory entries of remembered comments, by comment (see decoderMemory). */
  private readonly memoryEntries = new Map<string, MemoryEntries>();

  /** Loads a model folder; throws a clear error when the model or its tokenizer is unusable. */
  static async load(dir: string, id = path.basename(dir)): Promise<ModelRunner> {
    const { model, meta } = await loadModel(dir);
    try {
      const name = meta.tokenizer ?? TOKENIZER_FILE;
      if (!fs.existsSync(insideModelFolder(dir, name, 'tokenizer')))
        throw new Error(`the model in ${dir} has no ${name}; re-export it with its tokenizer.`);
      let tokenizer: CodeTokenizer;
      try {
        tokenizer = loadTokenizerFile(dir, name);
      } catch (e) {
        throw new Error(
          `the model in ${dir} has no usable tokenizer: ${e instanceof Error ? e.message : String(e)} Re-export it with its tokenizer.`,
        );
      }
      const needed = Math.max(model.config.srcVocabSize, model.config.tgtVocabSize);
      if (tokenizer.vocabSize > needed) {
        throw new Error(
          `the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${needed}; they do not belong together.`,
        );
      }
      return new ModelRunner(id, model, meta, tokenizer, loadMemory(dir, meta));
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /**
   * The source row `[direction, ...neighbour, ...tokens, EOS]` (truncated to the model's limit)
   * and its tokens; a retrieval-augmented model's neighbour summary has no place in the text
   * (offsets -1).
   */
  encodeSource(
    request: Pick<TranslateRequest, 'direction' | 'text'>,
    workspace?: WorkspaceNeighbours,
  ): {
    ids: number[];
    tokens: SourceToken[];
    /** The retrieved neighbour (retrieval models, code → comment). */
    neighbour?: Neighbour;
  } {
    const text = normaliseText(request.text);
    const neighbour = request.direction === 'code2doc' ? this.neighbourOf(text, workspace) : undefined;
    const prefix = neighbour ? this.memory!.prefixOf(neighbour) : undefined;
    const parts = sourceParts(this.tokenizer, text, this.model.config.maxSrcLen, prefix, this.memory?.neighbourTokens);
    const tokens: SourceToken[] = [{ text: SPECIAL_TOKENS[directionTokenId(request.direction)]!, start: -1, end: -1 }];
    for (const id of parts.prefix) tokens.push({ text: this.tokenPiece(id), start: -1, end: -1 });
    let offset = 0;
    for (const id of parts.body) {
      const piece = this.tokenPiece(id);
      const start = offset;
      offset = Math.min(text.length, offset + piece.length);
      tokens.push({ text: piece, start, end: offset });
    }
    tokens.push({ text: SPECIAL_TOKENS[EOS_ID]!, start: -1, end: -1 });
    return {
      ids: [directionTokenId(request.direction), ...parts.prefix, ...parts.body, EOS_ID],
      tokens,
      ...(neighbour ? { neighbour } : {}),
    };
  }

  /**
   * The most similar documented function: from the workspace's index when it has one outside
   * the excluded file, else from the model's bundled memory.
   */
  neighbourOf(code: string, workspace?: WorkspaceNeighbours): Neighbour | undefined {
    if (!this.memory) return undefined;
    const own = workspace?.index.neighbour(code, workspace.excludePath);
    if (own) return { ...own, source: 'workspace' };
    const bundled = this.memory.lookup(code);
    return bundled
      ? {
          summary: bundled.summary,
          similarity: bundled.similarity,
          path: bundled.path,
          source: 'bundled',
          unshared: bundled.unshared,
        }
      : undefined;
  }

  /** Whether a token is a word of `code`'s identifiers (its subtokens, case aside). */
  private namesIn(code: string): (token: number) => boolean {
    const words = new Set(codeSubtokens(code).map((w) => w.toLowerCase()));
    return (token) =>
      words.has(
        unmark(this.tokenizer.idToToken(token) ?? '')
          .trim()
          .toLowerCase(),
      );
  }

  /** The text one token stands for (byte tokens count one character each, approximately). */
  private tokenPiece(id: number): string {
    const decoded = this.tokenizer.decode([id]);
    return decoded.length > 0 ? decoded : unmark(this.tokenizer.idToToken(id) ?? '?').slice(0, 1);
  }

  /**
   * The length reward tuned for this model on its validation pairs (`meta.decoding.lengthReward`,
   * written by the default model's recipe), or 0.
   */
  get tunedLengthReward(): number {
    const r = this.tunedDecoding.lengthReward;
    return typeof r === 'number' && Number.isFinite(r) && r >= 0 ? r : 0;
  }

  /** The reward's token limit tuned with it (`meta.decoding.lengthRewardLimit`), if any. */
  get tunedLengthRewardLimit(): number | undefined {
    const l = this.tunedDecoding.lengthRewardLimit;
    return typeof l === 'number' && l >= 1 ? l : undefined;
  }

  /**
   * The code overlap from which a retrieval model reuses the neighbour's summary
   * (`meta.decoding.reuseSimilarity`, tuned on validation pairs by the default model's recipe),
   * or null (never).
   */
  get tunedReuseSimilarity(): number | null {
    const t = this.tunedDecoding.reuseSimilarity;
    return this.memory && typeof t === 'number' && t >= 0 && t <= 1 ? t : null;
  }

  private get tunedDecoding(): TunedDecoding {
    return this.meta.decoding ?? {};
  }

  /**
   * `workspace`: where code → comment neighbours come from first (the bundled memory is the
   * fallback). `isCancelled` is asked before each decoding step (see search.ts); true ends with a
   * CancelledError.
   */
  translate(request: TranslateRequest, workspace?: WorkspaceNeighbours, isCancelled?: () => boolean): Translation {
    const started = performance.now();
    const { ids, tokens, neighbour } = this.encodeSource(request, workspace);
    const d = request.decoding;
    const lengthReward = d.lengthReward ?? this.tunedLengthReward;
    const lengthRewardLimit = d.lengthRewardLimit ?? this.tunedLengthRewardLimit;
    const nBest = Math.max(1, Math.min(d.nBest, d.beamSize));
    const memory =
      request.direction === 'code2doc' && workspace?.remembered?.length
        ? this.decoderMemory(workspace, workspace.remembered, request.text)
        : undefined;
    const scoring = {
      lengthPenalty: d.lengthPenalty,
      lengthReward,
      ...(lengthRewardLimit !== undefined ? { lengthRewardLimit } : {}),
    };
    let hypotheses: Hypothesis[];
    try {
      hypotheses = beamSearch(this.model, ids, {
        ...scoring,
        beamSize: Math.max(1, d.beamSize),
        nBest,
        maxLength: Math.min(d.maxLength, this.model.config.maxTgtLen),
        noRepeatNgramSize: d.noRepeatNgramSize ?? noRepeatDefault(request.direction),
        ...(d.stopping ? { stopping: d.stopping } : {}),
        ...(memory ? { memory } : {}),
        ...(isCancelled ? { isCancelled } : {}),
      });
    } finally {
      memory?.dispose();
    }
    let candidates = hypotheses.map((h) => this.candidate(h, request.direction));
    // A near-copy of a training function: its summary (scored by the model, so the panel can
    // show it like any other hypothesis) goes first.
    const threshold = d.reuseSimilarity === undefined ? this.tunedReuseSimilarity : d.reuseSimilarity;
    const summary = reusableSummary(neighbour, threshold);
    if (neighbour && summary !== undefined) {
      const target = this.tokenizer.encode(summary).slice(0, this.model.config.maxTgtLen);
      const reused = scoreTokens(this.model, ids, target, scoring);
      const from: ReusedFrom = {
        path: neighbour.path,
        ...(neighbour.name !== undefined ? { name: neighbour.name, line: neighbour.line } : {}),
        similarity: neighbour.similarity,
        alsoGenerated: candidates[0]?.text === summary,
      };
      candidates = [
        { ...this.candidate(reused, request.direction), text: summary, reusedFrom: from },
        ...candidates.filter((c) => c.text !== summary),
      ].slice(0, nBest);
    }
    return {
      direction: request.direction,
      sourceTokens: tokens,
      candidates,
      modelId: this.id,
      elapsedMs: performance.now() - started,
      ...(neighbour ? { neighbour } : {}),
      lengthReward,
      ...(lengthRewardLimit !== undefined && Number.isFinite(lengthRewardLimit) ? { lengthRewardLimit } : {}),
    };
  }

  /**
   * The decoder memory of `remembered` (each read as it would be documented: its code with its
   * own neighbour from `workspace`, its file left out), from the entries cached so far: a request
   * computes at most MEMORY_NEW_PER_REQUEST missing ones (the newest) and leaves the rest to
   * {@link rememberMissing} between requests. Undefined for a model that reports no decoder state.
   */
  private decoderMemory(
    workspace: WorkspaceNeighbours,
    remembered: readonly RememberedComment[],
    code: string,
  ): DecoderMemory | undefined {
    if (!this.model.targetStates) return undefined;
    this.rememberMissing(workspace, remembered, MEMORY_NEW_PER_REQUEST);
    const entries = remembered.flatMap((c) => {
      const key = memoryKey(c);
      const e = this.memoryEntries.get(key);
      if (!e) return [];
      // Most recently used last, so the oldest go first when the cache is full.
      this.memoryEntries.delete(key);
      this.memoryEntries.set(key, e);
      return [e];
    });
    while (this.memoryEntries.size > MEMORY_CACHE_SIZE)
      this.memoryEntries.delete(this.memoryEntries.keys().next().value!);
    return DecoderMemory.of(entries, this.model.config.dModel, MEMORY_DEFAULTS, this.namesIn(code));
  }

  /**
   * Computes the decoder-memory entries of at most `max` remembered comments not cached yet (the
   * newest first; one teacher-forced pass per 16); returns how many are still missing. The engine
   * worker calls it a few at a time between requests, so that the first requests after a restart
   * do not wait for every remembered comment.
   */
  rememberMissing(workspace: WorkspaceNeighbours, remembered: readonly RememberedComment[], max: number): number {
    if (!this.model.targetStates) return 0;
    const missing = remembered.filter((c) => !this.memoryEntries.has(memoryKey(c)));
    const now = missing.slice(-max);
    const computed = DecoderMemory.entries(
      this.model,
      now.map((c) => {
        const tgt = this.tokenizer.encode(c.summary).slice(0, this.model.config.maxTgtLen - 1);
        const ws = { index: workspace.index, excludePath: c.path };
        return {
          src: this.encodeSource({ direction: 'code2doc', text: c.code }, ws).ids,
          tgt,
          fromCode: tgt.map(this.namesIn(c.code)),
        };
      }),
    )!;
    now.forEach((c, i) => this.memoryEntries.set(memoryKey(c), computed[i]!));
    return missing.length - now.length;
  }

  /**
   * How well each text predicts `code` back: the mean log-probability per token of the code
   * (as training cut it: its first maxTgtLen - 1 ids and EOS) given the text, in the model's own
   * comment → code direction. One teacher-forced batch, no search: the reconstruction score of
   * noisy-channel re-ranking (bench/rerank).
   */
  reconstructionScores(texts: readonly string[], code: string): number[] {
    if (texts.length === 0) return [];
    const cfg = this.model.config;
    const limits = { maxSrcLen: cfg.maxSrcLen, maxTgtLen: cfg.maxTgtLen };
    const examples = texts.map((summary) => makeExample({ code, summary }, 'doc2code', this.tokenizer, limits));
    const t = batchToTensors(collate(examples));
    try {
      const sums = tf.tidy(() => {
        const lp = this.model.targetLogProbs(t.src, t.srcMask, t.tgtIn, t.tgtOut);
        return tf.sum(tf.mul(lp, t.tgtMask), 1);
      });
      const values = Array.from(sums.dataSync());
      sums.dispose();
      const count = examples[0]!.tgt.length + 1;
      return values.map((v) => v / count);
    } finally {
      disposeBatch(t);
    }
  }

  private candidate(h: Hypothesis, direction: Direction): Candidate {
    const text =
      direction === 'code2doc' && h.copied
        ? spacedCommentText(this.tokenizer, h.tokens, h.copied)
        : this.tokenizer.decode(h.tokens);
    return {
      text: cleanGeneratedText(text).trim(),
      score: h.score,
      logProb: h.logProb,
      tokens: h.tokens.map((id) => this.tokenPiece(id)),
      tokenLogProbs: h.tokenLogProbs,
      attention: h.attention,
      ...(h.copied ? { copied: h.copied } : {}),
      ...(h.attentionByLayerHead ? { attentionByLayerHead: h.attentionByLayerHead } : {}),
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
