/**
 * Parameter descriptions written by a model: a code → comment model trained on one pair per
 * documented parameter (`npm run train:params`), reading the parameter's name and the function's
 * code (`paramSourceText`). Its answer comes with a confidence, the mean probability of its tokens;
 * below the threshold chosen on validation projects (`meta.minConfidence`) the doc comment keeps
 * a placeholder instead.
 */
import { DECODING_DEFAULTS, type Decoding } from '../core/decoding';
import { paramSourceText, type ParamDescription } from '../retrieval/paramDescriptions';
import type { ModelRunner } from './modelRunner';

export interface ModelDescription {
  readonly text: string;
  /** Mean probability of the answer's tokens (0..1). */
  readonly confidence: number;
}

/** Beam search as the benchmark scored it: the defaults, with shorter answers and no reuse. */
const PARAM_DECODING: Decoding = Object.freeze({ ...DECODING_DEFAULTS, maxLength: 32, reuseSimilarity: null });

/** The model's description for a source made by `paramSourceText`. */
export function describeParam(runner: ModelRunner, source: string): ModelDescription {
  const best = runner.translate({ direction: 'code2doc', text: source, decoding: PARAM_DECODING }).candidates[0];
  if (!best || best.tokenLogProbs.length === 0) return { text: '', confidence: 0 };
  const mean = best.tokenLogProbs.reduce((a, b) => a + b, 0) / best.tokenLogProbs.length;
  return { text: best.text.trim(), confidence: Math.exp(mean) };
}

/**
 * The model's descriptions for `names` of the function `code`, those at least as sure as the
 * model's threshold (`meta.minConfidence`, chosen on validation projects); the rest are left out
 * and their doc comment lines keep placeholders. The text gate judges the words of those it gives
 * (src/docComments/textGate.ts `paramDescriptionProblem`).
 */
export function describeParams(
  runner: ModelRunner,
  code: string,
  names: readonly string[],
): Record<string, ParamDescription> {
  const min = runner.meta.minConfidence ?? 0;
  const out: Record<string, ParamDescription> = {};
  for (const name of names) {
    const d = describeParam(runner, paramSourceText(name, code));
    if (d.text && d.confidence >= min) out[name] = { text: d.text, source: 'model', confidence: d.confidence };
  }
  return out;
}
