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
  /**
   * Code → comment never repeats an n-gram of this many tokens (a summary that says a phrase
   * twice is a decoding failure); comment → code repeats n-grams legitimately, so 0 there.
   */
  noRepeatNgramSize: 3,
});

/**
 * The largest values a decoding request may ask for: the CLI's `--beam` and `--nbest` and the
 * extension's `seq2seq.decoding.*` settings are refused or clamped to these (a beam of 100,000
 * once ran 25 s into 4 GB before failing). package.json's setting ranges are the extension's
 * narrower ones (beam and n-best up to 16).
 */
export const DECODING_LIMITS = Object.freeze({
  /** Widest beam the CLI accepts. */
  maxBeamSize: 64,
  /** Widest beam and most candidates the extension's settings give (package.json's maximum). */
  maxSettingBeamSize: 16,
  /** Output tokens: package.json's range of seq2seq.decoding.maxOutputLength. */
  minOutputLength: 4,
  maxOutputLength: 512,
  /** GNMT alpha and length reward: package.json's ranges. */
  maxLengthPenalty: 2,
  maxLengthReward: 2,
});
