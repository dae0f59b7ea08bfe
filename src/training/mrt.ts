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
 */
import * as tf from '@tensorflow/tfjs';

import { batchToTensors, disposeBatch, type Batch } from '../core/batch';
import { tokenLogProbs } from '../core/loss';
import type { Seq2SeqModel } from '../core/model';
import { beamSearch } from '../core/search';
import { BOS_ID, EOS_ID, PAD_ID } from '../core/specialTokens';
import { sentenceBleu } from './bleu';
import type { EvalExample } from './evaluation';
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
  return { src: example.src, candidates, risks: candidates.map((c) => 1 - sentenceBleu(detokenize(c), ref)) };
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
