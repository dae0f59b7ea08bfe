/**
 * The decoding defaults, one object for every caller: the extension's `seq2seq.decoding.*`
 * settings (package.json declares the same values; a unit test checks that they agree), the CLI's
 * `translate` and `document`, the fine-tuning guard and the benchmarks. Imports nothing, so the
 * extension host reads it without loading TensorFlow.js.
 */
export const DECODING_DEFAULTS = Object.freeze({
  /** Hypotheses kept per step; 1 is greedy. */
  beamSize: 4,
  /** Most output tokens (a model's own maxTgtLen caps it further). */
  maxLength: 64,
  /** GNMT length penalty alpha. */
  lengthPenalty: 0.6,
  /** Candidates the extension offers when it shows more than one. */
  nBest: 3,
});
