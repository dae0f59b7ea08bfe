/**
 * Minimum-risk fine-tuning (Shen et al. 2016, "Minimum Risk Training for Neural Machine
 * Translation"), an optional stage after maximum-likelihood training.
 *
 * For each source, a few candidates are drawn with beam search (n-best, no gradient). Their
 * sequence log-probabilities log p(y|x) are recomputed with gradient (teacher forcing, the k
 * candidates as one batch), sharpened and renormalised over the candidate set:
 * Q(y) = softmax_y(alpha * log p(y|x)). The loss is the expected risk sum_y Q(y) * (1 - sBLEU(y, ref))
 * with the CodeXGLUE smoothed sentence BLEU, averaged over sources. The reference itself can join
 * the candidates so the set always holds a zero-risk member.
 *
 * As a training objective (`training.objective: "mrt"`, {@link MrtSettings}) the trainer asks
 * {@link mrtBatchGradients} for each batch's gradients instead of the cross-entropy's; everything
 * else (optimizer, schedule, clipping, evaluation, checkpoints, events) is the same run.
 */
import * as tf from '@tensorflow/tfjs';

import { batchToTensors, disposeBatch, type Batch } from '../core/batch';
import { DECODING_LIMITS } from '../core/decoding';
import { maskedCrossEntropy } from '../core/loss';
import { tokenLogProbs } from '../core/loss';
import type { Seq2SeqModel } from '../core/model';
import { beamSearch } from '../core/search';
import { BOS_ID, EOS_ID, PAD_ID } from '../core/specialTokens';
import { sentenceBleu } from './bleu';
import { sentenceChrf } from './chrf';
import { countTargetTokens, type EvalExample } from './evaluation';
import type { ShareGradients } from './gradients';
import { applyGradients, clipByGlobalNorm, type GradientList } from './optimizers';

export interface MrtOptions {
  /** Candidates per source (beam size and n-best). Default 4. */
  readonly candidates?: number;
  /** Sharpness of Q. Default 1 (log-probs summed over tokens). */
  readonly alpha?: number;
  /** Add the reference to each candidate set. Default true. */
  readonly includeReference?: boolean;
  readonly maxLength?: number;
  readonly clipNorm?: number;
  /** The risk is 1 - this metric of a candidate against the reference. Default sentence BLEU. */
  readonly metric?: MrtMetric;
}

/** Sentence metrics a risk can be made of (both smoothed, 0..1 as risks use them). */
export type MrtMetric = 'sentence-bleu' | 'chrf';
export const MRT_METRICS: readonly MrtMetric[] = ['sentence-bleu', 'chrf'];

/** The config's `training.mrt` (with `training.objective: "mrt"`); every field optional. */
export interface MrtSettings {
  /** Candidates drawn per source with beam search. Default 4. */
  readonly candidates?: number;
  /** Sharpness alpha of Q(y) = softmax(alpha * log p(y|x)) over the candidates. Default 1. */
  readonly sharpness?: number;
  /** The reference joins each candidate set. Default true. */
  readonly includeReference?: boolean;
  /** Default 'sentence-bleu' (CodeXGLUE smoothed BLEU-4); 'chrf': sentence chrF. */
  readonly metric?: MrtMetric;
}

/** Training objectives: maximum likelihood (cross-entropy) or minimum risk. */
export type TrainingObjective = 'mle' | 'mrt';
export const TRAINING_OBJECTIVES: readonly TrainingObjective[] = ['mle', 'mrt'];

/** Most candidates per source: they are the n-best of one beam as wide, so the widest beam. */
export const MAX_MRT_CANDIDATES = DECODING_LIMITS.maxBeamSize;

/** Throws an error naming the `training.mrt` field that cannot work. */
export function checkMrtSettings(s: MrtSettings): void {
  const c = s.candidates;
  if (c !== undefined && !(Number.isInteger(c) && c >= 1 && c <= MAX_MRT_CANDIDATES))
    throw new Error(`training.mrt.candidates must be a whole number from 1 to ${MAX_MRT_CANDIDATES}, got ${c}`);
  const a = s.sharpness;
  if (a !== undefined && !(Number.isFinite(a) && a > 0))
    throw new Error(`training.mrt.sharpness must be a number above 0, got ${a}`);
  if (s.includeReference === false && c === 1)
    throw new Error('training.mrt: one candidate without the reference has nothing to compare; raise candidates');
  if (s.metric !== undefined && !MRT_METRICS.includes(s.metric))
    throw new Error(`training.mrt.metric must be ${MRT_METRICS.join(' or ')}, got ${JSON.stringify(s.metric)}`);
}

/** The candidate options of the config's settings. */
export function mrtOptions(s: MrtSettings = {}): MrtOptions {
  return {
    candidates: s.candidates ?? 4,
    alpha: s.sharpness ?? 1,
    includeReference: s.includeReference ?? true,
    metric: s.metric ?? 'sentence-bleu',
  };
}

/** A batch's rows as examples: the source row without padding, the target without EOS and padding. */
export function batchExamples(batch: Batch): EvalExample[] {
  return batch.src.map((src, i) => ({
    src: src.filter((id) => id !== PAD_ID),
    tgt: batch.tgtOut[i]!.filter((id) => id !== PAD_ID && id !== EOS_ID),
  }));
}

/**
 * The gradients of a batch's mean expected risk (model variable order; the caller owns them),
 * for the trainer in place of the cross-entropy's. `loss` is the mean expected risk; `nll` and
 * `correct` are the references' teacher-forced statistics (no dropout, no gradient), so the
 * progress line and the dashboard show the same quantities as in maximum-likelihood training.
 */
export function mrtBatchGradients(
  model: Seq2SeqModel,
  batch: Batch,
  detokenize: (ids: readonly number[]) => string,
  options: MrtOptions,
): ShareGradients {
  const alpha = options.alpha ?? 1;
  const sets = batchExamples(batch).map((e) => candidateSet(model, e, detokenize, options));
  const { value, grads } = tf.variableGrads(() => {
    const risks = sets.map((s) => expectedRiskTensor(model, s, alpha, true));
    return tf.div(tf.addN(risks), risks.length) as tf.Scalar;
  }, model.variables as tf.Variable[]);
  const loss = value.dataSync()[0]!;
  value.dispose();
  const t = batchToTensors(batch);
  const stats = tf.tidy(() => {
    const logits = model.logits(t.src, t.srcMask, t.tgtIn, false);
    const nll = maskedCrossEntropy(logits, t.tgtOut, t.tgtMask, 0);
    const correct = tf.sum(tf.mul(tf.equal(tf.argMax(logits, 2), t.tgtOut).toFloat(), t.tgtMask));
    return tf.stack([nll, correct]);
  });
  const [nll, correct] = stats.dataSync();
  stats.dispose();
  disposeBatch(t);
  const list = model.variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  return { grads: list, loss, nll: nll!, correct: correct!, tokens: countTargetTokens(batch) };
}

/** A source with its candidates (target ids) and their risks (1 - sentence BLEU). */
export interface CandidateSet {
  readonly src: readonly number[];
  readonly candidates: readonly (readonly number[])[];
  readonly risks: readonly number[];
}

/** Draws candidates with beam search and scores their risk against the reference. */
export function candidateSet(
  model: Seq2SeqModel,
  example: EvalExample,
  detokenize: (ids: readonly number[]) => string,
  options: MrtOptions = {},
): CandidateSet {
  const k = options.candidates ?? 4;
  const hyps = beamSearch(model, example.src.slice(), {
    beamSize: k,
    nBest: k,
    maxLength: options.maxLength ?? model.config.maxTgtLen - 1,
    lengthPenalty: 0,
  });
  const seen = new Set<string>();
  const candidates: number[][] = [];
  for (const c of [
    ...hyps.map((h) => h.tokens),
    ...((options.includeReference ?? true) ? [example.tgt.slice()] : []),
  ]) {
    const key = c.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push(c);
  }
  const ref = detokenize(example.tgt);
  const score =
    options.metric === 'chrf'
      ? (c: string): number => sentenceChrf(c, ref) / 100
      : (c: string): number => sentenceBleu(c, ref);
  return { src: example.src, candidates, risks: candidates.map((c) => 1 - score(detokenize(c))) };
}

function candidateBatch(set: CandidateSet): Batch {
  const T = Math.max(...set.candidates.map((c) => c.length)) + 1;
  const pad = (r: readonly number[], n: number): number[] => [...r, ...new Array<number>(n - r.length).fill(PAD_ID)];
  return {
    src: set.candidates.map(() => set.src.slice()),
    tgtIn: set.candidates.map((c) => pad([BOS_ID, ...c], T)),
    tgtOut: set.candidates.map((c) => pad([...c, EOS_ID], T)),
  };
}

/** Expected risk of one candidate set as a differentiable scalar. */
export function expectedRiskTensor(
  model: Seq2SeqModel,
  set: CandidateSet,
  alpha: number,
  training: boolean,
): tf.Scalar {
  const t = batchToTensors(candidateBatch(set));
  try {
    return tf.tidy(() => {
      const lp = tokenLogProbs(model.logits(t.src, t.srcMask, t.tgtIn, training), t.tgtOut); // [k, T]
      const seq = tf.sum(tf.mul(lp, t.tgtMask), 1); // [k]
      const q = tf.softmax(tf.mul(seq, alpha)); // [k]
      return tf.sum(tf.mul(q, tf.tensor1d(set.risks as number[]))) as tf.Scalar;
    });
  } finally {
    disposeBatch(t);
  }
}

/** Mean expected risk over candidate sets (no gradient). */
export function expectedRisk(model: Seq2SeqModel, sets: readonly CandidateSet[], alpha = 1): number {
  let sum = 0;
  for (const s of sets) {
    const r = expectedRiskTensor(model, s, alpha, false);
    sum += r.dataSync()[0]!;
    r.dispose();
  }
  return sets.length ? sum / sets.length : 0;
}

/**
 * One minimum-risk update on a group of examples: fresh candidates, mean expected risk,
 * gradient clipping, optimizer step. Returns the mean expected risk before the update.
 */
export function mrtStep(
  model: Seq2SeqModel,
  optimizer: tf.Optimizer,
  examples: readonly EvalExample[],
  detokenize: (ids: readonly number[]) => string,
  options: MrtOptions = {},
): number {
  const alpha = options.alpha ?? 1;
  const sets = examples.map((e) => candidateSet(model, e, detokenize, options));
  const { value, grads } = tf.variableGrads(() => {
    const risks = sets.map((s) => expectedRiskTensor(model, s, alpha, true));
    return tf.div(tf.addN(risks), risks.length) as tf.Scalar;
  }, model.variables as tf.Variable[]);
  const risk = value.dataSync()[0]!;
  value.dispose();
  const list: GradientList = model.variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  const clipped = clipByGlobalNorm(list, options.clipNorm ?? 1);
  applyGradients(optimizer, model.variables, clipped.grads);
  return risk;
}
