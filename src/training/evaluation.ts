/**
 * Evaluation on held-out data: teacher-forced loss and perplexity over validation batches, and
 * decoded outputs (greedy, or beam search) scored with corpus BLEU-4, the CodeXGLUE smoothed
 * sentence BLEU-4 and exact match, overall and per group (language), with a few samples.
 * Texts for BLEU come from the caller's detokenizer, then bleuTokens() (see bleu.ts).
 */
import * as tf from '@tensorflow/tfjs';

import { batchToTensors, disposeBatch, type Batch } from '../core/batch';
import type { Seq2SeqModel } from '../core/model';
import { beamSearch, greedyDecode, type SearchOptions } from '../core/search';
import { CODE2DOC_ID, DOC2CODE_ID, EOS_ID, PAD_ID } from '../core/specialTokens';
import { averageSentenceBleu, corpusBleuText, exactMatch, sentenceBleu } from './bleu';
import type { EvaluationResult, Sample } from './events';

/** One held-out example: `src` = [direction, ...tokens, EOS]; `tgt` = target tokens only. */
export interface EvalExample {
  readonly src: readonly number[];
  readonly tgt: readonly number[];
  /** Breakdown key, e.g. the language. */
  readonly group?: string;
}

export interface EvaluationOptions {
  /** Most examples decoded for BLEU (decoding is the slow part). Default 200. */
  readonly limit?: number;
  /** 1 = greedy. Default 1. */
  readonly beamSize?: number;
  /** Default: the model's maxTgtLen. */
  readonly maxLength?: number;
  /** Beam scoring (beam search only; greedy takes the most likely token). Default: search.ts's defaults. */
  readonly scoring?: BeamScoring;
  /**
   * Candidates decoded per example for the n-best oracle (the best of them by sentence BLEU,
   * and whether any is exact); above 1 the beam is at least this wide. Default 1 (no oracle).
   */
  readonly nBest?: number;
  /** Samples reported. Default 3. */
  readonly samples?: number;
  /** Called between decoded examples; return true to stop early (results cover what was done). */
  readonly shouldStop?: () => boolean;
}

/** The beam search options an evaluation may set beyond beam size and length. */
export type BeamScoring = Partial<Pick<SearchOptions, 'lengthPenalty' | 'lengthReward' | 'noRepeatNgramSize'>>;

/** The best of each example's n-best candidates: how close a reranker could get. */
export interface NBestOracle {
  readonly nBest: number;
  /** % of examples with any candidate equal to the reference. */
  readonly exactMatch: number;
  /** Mean over examples of the best candidate's smoothed sentence BLEU-4, 0..100. */
  readonly sentenceBleu: number;
}

/** Token-weighted mean cross-entropy (no smoothing) over batches; dropout off. */
export function validationLoss(model: Seq2SeqModel, batches: readonly Batch[]): number {
  let sum = 0;
  let tokens = 0;
  for (const b of batches) {
    const t = batchToTensors(b);
    const n = countTargetTokens(b);
    const loss = tf.tidy(() =>
      tf.neg(tf.sum(tf.mul(model.targetLogProbs(t.src, t.srcMask, t.tgtIn, t.tgtOut), t.tgtMask))),
    );
    sum += loss.dataSync()[0]!;
    tokens += n;
    loss.dispose();
    disposeBatch(t);
  }
  return tokens > 0 ? sum / tokens : NaN;
}

export function countTargetTokens(b: Batch): number {
  let n = 0;
  for (const row of b.tgtOut) for (const id of row) if (id !== PAD_ID) n++;
  return n;
}

/** Strips the direction token and EOS from a source row. */
export function sourceBody(src: readonly number[]): number[] {
  const body = src.filter((id) => id !== PAD_ID);
  if (body[0] === CODE2DOC_ID || body[0] === DOC2CODE_ID) body.shift();
  if (body[body.length - 1] === EOS_ID) body.pop();
  return body;
}

/** The `nBest` best outputs, best first (greedy gives one when both sizes are 1). */
function decodeCandidates(
  model: Seq2SeqModel,
  src: readonly number[],
  beamSize: number,
  maxLength: number,
  scoring: BeamScoring,
  nBest: number,
): number[][] {
  const ids = src.slice();
  if (beamSize <= 1 && nBest <= 1) return [greedyDecode(model, ids, { maxLength }).tokens];
  return beamSearch(model, ids, { ...scoring, beamSize: Math.max(beamSize, nBest), nBest, maxLength }).map(
    (h) => h.tokens,
  );
}

export function evaluateModel(
  model: Seq2SeqModel,
  validBatches: readonly Batch[],
  examples: readonly EvalExample[],
  detokenize: (ids: readonly number[]) => string,
  options: EvaluationOptions = {},
): EvaluationResult & { readonly oracle?: NBestOracle } {
  const loss = validBatches.length > 0 ? validationLoss(model, validBatches) : NaN;
  const chosen = examples.slice(0, options.limit ?? 200);
  const beam = options.beamSize ?? 1;
  const maxLength = options.maxLength ?? model.config.maxTgtLen;
  const hyps: string[] = [];
  const refs: string[] = [];
  const groups: (string | undefined)[] = [];
  const samples: Sample[] = [];
  const nBest = Math.max(1, options.nBest ?? 1);
  let oracleExact = 0;
  let oracleBleu = 0;
  for (const ex of chosen) {
    if (options.shouldStop?.()) break;
    const candidates = decodeCandidates(model, ex.src, beam, maxLength, options.scoring ?? {}, nBest).map(detokenize);
    const prediction = candidates[0] ?? '';
    const reference = detokenize(ex.tgt);
    if (nBest > 1) {
      oracleExact += candidates.some((c) => exactMatch([c], [reference]) === 1) ? 1 : 0;
      oracleBleu += Math.max(0, ...candidates.map((c) => sentenceBleu(c, reference)));
    }
    hyps.push(prediction);
    refs.push(reference);
    groups.push(ex.group);
    if (samples.length < (options.samples ?? 3))
      samples.push({ source: detokenize(sourceBody(ex.src)), reference, prediction });
  }
  const byGroup: Record<string, { count: number; bleu: number; sentenceBleu: number; exactMatch: number }> = {};
  for (const g of new Set(groups.filter((x): x is string => x !== undefined))) {
    const idx = groups.map((x, i) => (x === g ? i : -1)).filter((i) => i >= 0);
    const h = idx.map((i) => hyps[i]!);
    const r = idx.map((i) => refs[i]!);
    byGroup[g] = {
      count: idx.length,
      bleu: 100 * corpusBleuText(h, r),
      sentenceBleu: 100 * averageSentenceBleu(h, r),
      exactMatch: 100 * exactMatch(h, r),
    };
  }
  return {
    loss,
    perplexity: Math.exp(loss),
    bleu: hyps.length ? 100 * corpusBleuText(hyps, refs) : 0,
    sentenceBleu: 100 * averageSentenceBleu(hyps, refs),
    exactMatch: 100 * exactMatch(hyps, refs),
    decoded: hyps.length,
    samples,
    byGroup,
    ...(nBest > 1
      ? {
          oracle: {
            nBest,
            exactMatch: (100 * oracleExact) / Math.max(1, hyps.length),
            sentenceBleu: (100 * oracleBleu) / Math.max(1, hyps.length),
          },
        }
      : {}),
  };
}
