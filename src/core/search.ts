/**
 * Decoding: greedy and batched beam search over a {@link Seq2SeqModel}'s step interface.
 *
 * The source is encoded once; live beams run as one `[beams, ...]` batch per step and are
 * reordered with one gather per state tensor. Token choice (min length, no-repeat n-grams,
 * top-k; PAD and BOS are never produced) happens in JS on the step's log-probabilities, which is cheap next to the step.
 * Scores use the GNMT length penalty `lp(len) = ((5 + len) / 6) ^ alpha`, `score = logProb / lp`,
 * where len counts generated tokens including EOS, plus an optional reward per token (up to a limit). Search stops once no live beam can still
 * beat the n-th best finished hypothesis (exact bound, since log-probs only decrease).
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError } from './cancellation';

import { DECODING_DEFAULTS, type Decoding, type Stopping } from './decoding';
import type { DecoderMemory } from './decoderMemory';
import { hypothesisScore, lengthPenalty } from './lengthScore';
import { disposeDecodingTensors, selectRows, type DecodingTensors, type Seq2SeqModel } from './model';
import { BOS_ID, EOS_ID, PAD_ID } from './specialTokens';

/**
 * What one search runs with: the fields of a request's {@link Decoding} that search uses (an unset
 * reward is 0, an unset limit none: search knows no model's tuned values, and nothing of reuse),
 * plus the length bounds and cancellation only search has.
 */
export type SearchOptions = Required<
  Pick<Decoding, 'beamSize' | 'nBest' | 'maxLength' | 'lengthPenalty' | 'noRepeatNgramSize'>
> &
  Pick<Decoding, 'lengthReward' | 'lengthRewardLimit' | 'stopping'> & {
    /** Fewest output tokens before EOS may be chosen. */
    readonly minLength: number;
    /** If set, maxLength is also capped at ceil(ratio * source length). */
    readonly maxLengthRatio?: number;
    /** If set, minLength is raised to floor(ratio * source length). */
    readonly minLengthRatio?: number;
    /**
     * Asked before every decoding step; true ends the search with a {@link CancelledError}
     * (everything it allocated is freed).
     * The engine worker answers from shared memory, so a cancel reaches a search in progress.
     */
    readonly isCancelled?: () => boolean;
    /**
     * Comments the user wrote, mixed into each step's distribution where the beam's decoder state
     * is near one of theirs (decoderMemory.ts); models that report no state ignore it.
     */
    readonly memory?: DecoderMemory;
  };

/**
 * A search's defaults: {@link DECODING_DEFAULTS}, stopping at the current length, no minimum
 * length and no n-gram ban (a request gets its direction's ban from ModelRunner). The length
 * reward (Murray & Chiang 2018, "Correcting Length Bias in Neural Machine Translation"; bounded as
 * Huang et al. 2017, see lengthScore.ts) is off unless set.
 */
export const SEARCH_DEFAULTS: Readonly<SearchOptions> = Object.freeze({
  ...DECODING_DEFAULTS,
  stopping: 'current-length',
  minLength: 0,
  noRepeatNgramSize: 0,
});

export interface Hypothesis {
  /** Output ids without BOS/EOS. */
  tokens: number[];
  /** Length-penalised score used for ranking. */
  score: number;
  /** Total log-probability (EOS included when it ended with EOS). */
  logProb: number;
  /** log p of each generated token (EOS included when present). */
  tokenLogProbs: number[];
  /**
   * `[outStep][srcPos]` cross-attention (Transformer: last layer, head mean), one row per entry
   * of tokenLogProbs (the EOS step included); rows are [] for attention 'none'.
   */
  attention: number[][];
  /** `[layer][head][outStep][srcPos]` (Transformer only). */
  attentionByLayerHead?: number[][][][];
  /**
   * Per entry of tokenLogProbs, the share of the token's probability that came from copying it
   * from the source (0..1); only for models with a copy mechanism.
   */
  copied?: number[];
}

export { hypothesisScore, lengthPenalty };

/** Resolved length limits for a source of `srcLen` tokens. */
export function lengthLimits(opts: SearchOptions, srcLen: number, modelMax: number): { min: number; max: number } {
  let max = Math.min(opts.maxLength, modelMax);
  if (opts.maxLengthRatio !== undefined) max = Math.min(max, Math.max(1, Math.ceil(opts.maxLengthRatio * srcLen)));
  let min = opts.minLength;
  if (opts.minLengthRatio !== undefined) min = Math.max(min, Math.floor(opts.minLengthRatio * srcLen));
  return { min: Math.min(min, max), max };
}

/** Tokens that would complete an n-gram already present in `tokens`. */
export function bannedTokens(tokens: readonly number[], n: number): Set<number> {
  const banned = new Set<number>();
  if (n <= 0 || tokens.length < n - 1) return banned;
  const prefix = tokens.slice(tokens.length - (n - 1)).join(',');
  for (let i = 0; i + n <= tokens.length; i++) {
    if (tokens.slice(i, i + n - 1).join(',') === prefix) banned.add(tokens[i + n - 1]!);
  }
  return banned;
}

interface Beam {
  tokens: number[];
  tokenLogProbs: number[];
  logProb: number;
  attention: number[][];
  byLayerHead: number[][][][] | null; // [step][layer][head][src]
  copied: number[] | null;
}

function toHypothesis(b: Beam, ended: boolean, alpha: number, reward: number, limit: number): Hypothesis {
  const h: Hypothesis = {
    tokens: b.tokens,
    score: hypothesisScore(b.logProb, b.tokens.length + (ended ? 1 : 0), alpha, reward, limit),
    logProb: b.logProb,
    tokenLogProbs: b.tokenLogProbs,
    attention: b.attention,
  };
  if (b.copied) h.copied = b.copied;
  if (b.byLayerHead) {
    const steps = b.byLayerHead;
    const L = steps[0]?.length ?? 0;
    const H = steps[0]?.[0]?.length ?? 0;
    h.attentionByLayerHead = Array.from({ length: L }, (_, l) =>
      Array.from({ length: H }, (_, hd) => steps.map((s) => s[l]![hd]!)),
    );
  }
  return h;
}

/** One beam's attention row at this step, and (Transformer) its `[layer][head][src]` rows. */
function stepAttention(
  att: Float32Array | null,
  alh: Float32Array | null,
  alhShape: readonly number[] | undefined,
  row: number,
  S: number,
): { stepAtt: number[]; stepAlh: number[][][] | null } {
  const stepAtt = att ? Array.from(att.subarray(row * S, (row + 1) * S)) : [];
  if (!alh || !alhShape) return { stepAtt, stepAlh: null };
  const [L, H, n] = alhShape as [number, number, number, number];
  const stepAlh: number[][][] = [];
  for (let l = 0; l < L; l++) {
    const heads: number[][] = [];
    for (let hd = 0; hd < H; hd++) {
      const off = ((l * H + hd) * n + row) * S;
      heads.push(Array.from(alh.subarray(off, off + S)));
    }
    stepAlh.push(heads);
  }
  return { stepAtt, stepAlh };
}

/** One decoding step read into JS (every tensor of the step disposed). */
interface StepReadout {
  /** `[beams * V]` log-probabilities. */
  readonly logProbs: Float32Array;
  /** `[beams * S]` cross-attention, or null for attention 'none'. */
  readonly att: Float32Array | null;
  /** `[layer, head, beams, S]` attention (Transformer), or null. */
  readonly alh: Float32Array | null;
  readonly alhShape: readonly number[] | undefined;
  /** `[beams * V]` log-probabilities of copying each token (copy mechanism), or null. */
  readonly copyLp: Float32Array | null;
}

/** The source row `[1, S]` encoded once, with a mask of ones. */
function encodeSource(model: Seq2SeqModel, srcIds: readonly number[]): DecodingTensors {
  const src = tf.tensor2d([[...srcIds]], [1, srcIds.length], 'int32');
  const srcMask = tf.ones([1, srcIds.length], 'float32') as tf.Tensor2D;
  const source = model.encode(src, srcMask);
  tf.dispose([src, srcMask]);
  return source;
}

/**
 * One step of the decoder for each beam's previous token: the new state (the old one is
 * disposed) and the step's outputs read into JS.
 */
function decodeStep(
  model: Seq2SeqModel,
  source: DecodingTensors,
  state: DecodingTensors,
  prev: readonly number[],
  memory?: DecoderMemory,
): { state: DecodingTensors; readout: StepReadout } {
  const prevT = tf.tensor1d([...prev], 'int32');
  const out = model.step(source, state, prevT);
  prevT.dispose();
  disposeDecodingTensors(state);
  let logProbs = out.logProbs.dataSync() as Float32Array;
  if (memory && memory.size > 0 && out.hidden) logProbs = memory.mix(out.hidden, logProbs, prev.length);
  const readout: StepReadout = {
    logProbs,
    att: out.attention ? (out.attention.dataSync() as Float32Array) : null,
    alh: out.attentionByLayerHead ? (out.attentionByLayerHead.dataSync() as Float32Array) : null,
    alhShape: out.attentionByLayerHead?.shape,
    copyLp: out.copyLogProbs ? (out.copyLogProbs.dataSync() as Float32Array) : null,
  };
  tf.dispose([
    out.logProbs,
    out.attention ?? [],
    out.attentionByLayerHead ?? [],
    out.copyLogProbs ?? [],
    out.hidden ?? [],
  ]);
  return { state: out.state, readout };
}

/**
 * Beam `b` (row `row` of the step) extended by `token`: its log-probability, this step's
 * attention rows and copy share. EOS is scored but not appended to the tokens.
 */
function extendBeam(b: Beam, r: StepReadout, row: number, token: number, S: number, V: number): Beam {
  const lp = r.logProbs[row * V + token]!;
  const { stepAtt, stepAlh } = stepAttention(r.att, r.alh, r.alhShape, row, S);
  return {
    tokens: token === EOS_ID ? b.tokens : [...b.tokens, token],
    tokenLogProbs: [...b.tokenLogProbs, lp],
    logProb: b.logProb + lp,
    attention: [...b.attention, stepAtt],
    byLayerHead: stepAlh ? [...(b.byLayerHead ?? []), stepAlh] : null,
    // p(copied | token) = p_copy(token) / p(token), both from this step's distribution.
    copied: r.copyLp ? [...(b.copied ?? []), Math.min(1, Math.exp(r.copyLp[row * V + token]! - lp))] : null,
  };
}

const EMPTY_BEAM: Beam = { tokens: [], tokenLogProbs: [], logProb: 0, attention: [], byLayerHead: null, copied: null };

/**
 * The model's own view of a given output (teacher forcing through the step interface, so the
 * numbers are exactly what search would report for it): log-probabilities with EOS, attention,
 * copy shares and the score under `options`' length penalty and reward. Used to put a
 * retrieved comment beside the beam's hypotheses on the same scale.
 */
export function scoreTokens(
  model: Seq2SeqModel,
  srcIds: number[],
  tokens: readonly number[],
  options: Partial<Pick<SearchOptions, 'lengthPenalty' | 'lengthReward' | 'lengthRewardLimit'>> = {},
): Hypothesis {
  const cfg = model.config;
  checkSource(srcIds, cfg.srcVocabSize, cfg.maxSrcLen);
  if (tokens.length > cfg.maxTgtLen) throw new Error(`at most ${cfg.maxTgtLen} output tokens can be scored`);
  if (tokens.some((t) => !Number.isInteger(t) || t < 0 || t >= cfg.tgtVocabSize))
    throw new Error('output token out of vocabulary');
  let beam = EMPTY_BEAM;
  const source = encodeSource(model, srcIds);
  let state = model.initialState(source);
  try {
    [...tokens, EOS_ID].forEach((token, t) => {
      const step = decodeStep(model, source, state, [t === 0 ? BOS_ID : tokens[t - 1]!]);
      state = step.state;
      beam = extendBeam(beam, step.readout, 0, token, srcIds.length, cfg.tgtVocabSize);
    });
  } finally {
    disposeDecodingTensors(state);
    disposeDecodingTensors(source);
  }
  const o = { ...SEARCH_DEFAULTS, ...options };
  return toHypothesis(beam, true, o.lengthPenalty, o.lengthReward ?? 0, o.lengthRewardLimit ?? Infinity);
}

function checkSource(srcIds: readonly number[], vocab: number, maxLen: number): void {
  if (srcIds.length === 0) throw new Error('source is empty');
  if (srcIds.length > maxLen) {
    throw new Error(
      `source has ${srcIds.length} tokens but this model accepts at most ${maxLen} (maxSrcLen); shorten the input`,
    );
  }
  for (const id of srcIds) {
    if (!Number.isInteger(id) || id < 0 || id >= vocab)
      throw new Error(`source id ${id} is outside the vocabulary (0..${vocab - 1})`);
  }
}

/** Highest-scoring single output, one token at a time. */
export function greedyDecode(model: Seq2SeqModel, srcIds: number[], opts: Partial<SearchOptions> = {}): Hypothesis {
  return search(model, srcIds, { ...opts, beamSize: 1, nBest: 1, lengthPenalty: opts.lengthPenalty ?? 0 }, true)[0]!;
}

/**
 * Beam search; returns `nBest` hypotheses, best first.
 * @param srcIds the full source row `[directionToken, ...tokens, EOS]`
 */
export function beamSearch(model: Seq2SeqModel, srcIds: number[], options: Partial<SearchOptions> = {}): Hypothesis[] {
  return search(model, srcIds, options, false);
}

/** Search options with defaults filled in and checked. */
function searchOptions(options: Partial<SearchOptions>): SearchOptions & { reward: number; limit: number } {
  const opts: SearchOptions = { ...SEARCH_DEFAULTS, ...options };
  if (!(opts.beamSize >= 1) || !(opts.nBest >= 1)) throw new Error('beamSize and nBest must be >= 1');
  const reward = opts.lengthReward ?? 0;
  if (!Number.isFinite(reward) || reward < 0) throw new Error('lengthReward must be a number >= 0');
  const limit = opts.lengthRewardLimit ?? Infinity;
  if (!(limit >= 1)) throw new Error('lengthRewardLimit must be a number >= 1');
  return { ...opts, reward, limit };
}

interface Candidate {
  readonly beam: number;
  readonly token: number;
  readonly total: number;
}

/**
 * The best `want` (beam, token) pairs after the constraints (no PAD or BOS, no EOS before `min`
 * tokens, no repeated n-gram), best first, kept in a small sorted array: most of the beams * V
 * values fail the threshold test at once.
 */
function bestCandidates(
  beams: readonly Beam[],
  logProbs: Float32Array,
  V: number,
  want: number,
  eosAllowed: boolean,
  noRepeatNgramSize: number,
): Candidate[] {
  const cands: Candidate[] = [];
  beams.forEach((b, i) => {
    const banned = bannedTokens(b.tokens, noRepeatNgramSize);
    const row = i * V;
    for (let v = 0; v < V; v++) {
      const total = b.logProb + logProbs[row + v]!;
      if (cands.length === want && total <= cands[want - 1]!.total) continue;
      if (v === PAD_ID || v === BOS_ID || (v === EOS_ID && !eosAllowed) || banned.has(v)) continue;
      let at = cands.length;
      while (at > 0 && cands[at - 1]!.total < total) at--;
      cands.splice(at, 0, { beam: i, token: v, total });
      if (cands.length > want) cands.pop();
    }
  });
  return cands;
}

/** `greedy` stops at the first EOS instead of looking for better finished hypotheses. */
function search(model: Seq2SeqModel, srcIds: number[], options: Partial<SearchOptions>, greedy: boolean): Hypothesis[] {
  const opts = searchOptions(options);
  const k = Math.max(opts.beamSize, opts.nBest);
  const cfg = model.config;
  checkSource(srcIds, cfg.srcVocabSize, cfg.maxSrcLen);
  const { min, max } = lengthLimits(opts, srcIds.length, cfg.maxTgtLen);
  const { lengthPenalty: alpha, reward, limit } = opts;
  const V = cfg.tgtVocabSize;
  const S = srcIds.length;

  const source1 = encodeSource(model, srcIds);
  const tiled = new Map<number, DecodingTensors>();
  const sourceFor = (n: number): DecodingTensors => {
    let s = tiled.get(n);
    if (!s) {
      const rows = tf.zeros([n], 'int32') as tf.Tensor1D;
      s = selectRows(source1, rows);
      rows.dispose();
      tiled.set(n, s);
    }
    return s;
  };

  let beams: Beam[] = [EMPTY_BEAM];
  let state = model.initialState(source1);
  const finished: Hypothesis[] = [];
  try {
    for (let t = 0; t < max && beams.length > 0; t++) {
      if (opts.isCancelled?.()) throw new CancelledError();
      const prev = beams.map((b) => (b.tokens.length ? b.tokens[b.tokens.length - 1]! : BOS_ID));
      const step = decodeStep(model, sourceFor(beams.length), state, prev, opts.memory);
      state = step.state;
      const cands = bestCandidates(beams, step.readout.logProbs, V, 2 * k, t >= min, opts.noRepeatNgramSize);

      const next: Beam[] = [];
      const rows: number[] = [];
      for (const c of cands) {
        if (next.length >= k) break;
        const extended = extendBeam(beams[c.beam]!, step.readout, c.beam, c.token, S, V);
        if (c.token === EOS_ID) {
          finished.push(toHypothesis(extended, true, alpha, reward, limit));
          if (greedy) break;
        } else {
          next.push(extended);
          rows.push(c.beam);
        }
      }
      if (greedy && finished.length > 0) break;
      // Reaching the length limit ends the live beams as they are.
      if (t === max - 1) for (const b of next) finished.push(toHypothesis(b, false, alpha, reward, limit));
      beams = t === max - 1 ? [] : next;
      if (beams.length > 0) {
        const idx = tf.tensor1d(rows, 'int32');
        const reordered = selectRows(state, idx);
        idx.dispose();
        disposeDecodingTensors(state);
        state = reordered;
      }
      if (finished.length >= opts.nBest && beams.length > 0 && cannotImprove(finished, beams, opts, max)) break;
    }
  } finally {
    disposeDecodingTensors(state);
    disposeDecodingTensors(source1);
    for (const s of tiled.values()) disposeDecodingTensors(s);
  }
  finished.sort((a, c) => c.score - a.score);
  return finished.slice(0, opts.nBest);
}

/**
 * True when no live beam is expected to beat the n-th best finished hypothesis (sorts `finished`).
 * Log-probabilities only fall, and every token up to the limit may still earn the reward; so
 * - `exact`: a live beam scores at most its current log-probability under the longest length's
 *   penalty, plus the reward for every token it may still add (min(len, limit) only grows with
 *   len). Search then returns what an exhaustive beam would.
 * - `current-length`: the same, but under the penalty of the beam's current length, as if it
 *   ended now (the stopping rule of Hugging Face's beam search without early stopping): a longer
 *   output's larger penalty can only pay off through tokens that cost almost nothing, so the
 *   search stops as soon as the live beams can no longer win unless they do that.
 */
function cannotImprove(
  finished: Hypothesis[],
  beams: readonly Beam[],
  opts: { nBest: number; lengthPenalty: number; reward: number; limit: number; stopping?: Stopping },
  max: number,
): boolean {
  finished.sort((a, c) => c.score - a.score);
  const nth = finished[opts.nBest - 1]!.score;
  const bestLive = Math.max(...beams.map((b) => b.logProb));
  if (opts.stopping === 'current-length') {
    // Live beams all have the same length in a step.
    const penalty = lengthPenalty(beams[0]!.tokens.length + 1, opts.lengthPenalty);
    return bestLive / penalty + opts.reward * Math.min(max + 1, opts.limit) <= nth;
  }
  return hypothesisScore(bestLive, max + 1, opts.lengthPenalty, opts.reward, opts.limit) <= nth;
}
