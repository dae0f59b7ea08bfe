/**
 * How a model decodes: the one `Decoding` type that every request carries (the extension's
 * `seq2seq.decoding.*` settings, the CLI's flags, the fine-tuning guard and the benchmarks), its
 * defaults and the limits a request is held to. Imports nothing but a type, so the extension host
 * reads it without loading TensorFlow.js.
 */
import type { Direction } from './specialTokens';

export interface Decoding {
  /** Hypotheses kept per step; 1 is greedy. */
  readonly beamSize: number;
  /** Candidates returned, best first (the beam holds at most beamSize of them). */
  readonly nBest: number;
  /** Most output tokens, EOS excluded (the model's maxTgtLen, its capacity, caps it further). */
  readonly maxLength: number;
  /** GNMT length penalty alpha; 0 ranks by total log-probability. */
  readonly lengthPenalty: number;
  /**
   * Score bonus per output token (beam search's word reward); absent: the value the model was
   * tuned with (`meta.decoding.lengthReward`), else 0.
   */
  readonly lengthReward?: number;
  /**
   * Tokens past this many earn no reward (Infinity: no limit); absent: the model's
   * `meta.decoding.lengthRewardLimit`, else none.
   */
  readonly lengthRewardLimit?: number;
  /**
   * Code → comment with a retrieval model: when the most similar documented function's code
   * overlaps the input's by at least this much (Dice of code subtokens, 0..1), its summary is
   * the first candidate. Absent: the model's `meta.decoding.reuseSimilarity`; null: never.
   */
  readonly reuseSimilarity?: number | null;
  /** Forbid repeating any n-gram of this many tokens (0: off); absent: {@link noRepeatDefault}. */
  readonly noRepeatNgramSize?: number;
  /** When beam search may stop before its length limit (see {@link Stopping}); absent: `current-length`. */
  readonly stopping?: Stopping;
}

/**
 * `exact`: once no live beam can beat the finished ones under any continuation (what an
 * exhaustive beam returns). `current-length`: once no live beam would beat them if it ended at
 * its current length (with the reward it could still earn); much sooner under a GNMT length
 * penalty, whose bound at the length limit is loose (search.ts). Search's default: on 424 validation
 * functions the bundled model wrote the same comment for every one either way, 28 % faster.
 */
export type Stopping = 'exact' | 'current-length';

/** The decoding settings a model tunes on its validation pairs and keeps in its config.json (`meta.decoding`). */
export type TunedDecoding = Pick<Decoding, 'lengthReward' | 'lengthRewardLimit' | 'reuseSimilarity'>;

/**
 * What every caller decodes with unless it says otherwise: one candidate. package.json's
 * seq2seq.decoding.* declare the same beam, length and penalty (a unit test checks); its nBest is
 * how many candidates the extension offers when it shows more than one (host/settings.ts).
 */
export const DECODING_DEFAULTS: Decoding = Object.freeze({
  beamSize: 4,
  nBest: 1,
  maxLength: 64,
  lengthPenalty: 0.6,
});

/**
 * The no-repeat n-gram size of a request that sets none: code → comment never repeats an n-gram
 * of 3 tokens (a summary that says a phrase twice is a decoding failure); comment → code repeats
 * n-grams legitimately, so 0 there.
 */
export function noRepeatDefault(direction: Direction): number {
  return direction === 'code2doc' ? 3 : 0;
}

/**
 * The largest values a decoding request may ask for: the CLI's `--beam`, `--nbest`,
 * `--length-penalty` and `--no-repeat-ngram` and the extension's `seq2seq.decoding.*` settings
 * are refused or clamped to these (a beam of 100,000
 * once ran 25 s into 4 GB before failing). package.json's setting ranges are the extension's
 * narrower ones (beam and n-best up to 16).
 */
export const DECODING_LIMITS = Object.freeze({
  /** Widest beam the CLI accepts. */
  maxBeamSize: 64,
  /** Largest GNMT alpha the CLI accepts (the setting's range, maxLengthPenalty, is narrower). */
  maxCliLengthPenalty: 10,
  /** Longest forbidden n-gram the CLI accepts. */
  maxNoRepeatNgramSize: 16,
  /** Widest beam and most candidates the extension's settings give (package.json's maximum). */
  maxSettingBeamSize: 16,
  /** Output tokens: package.json's range of seq2seq.decoding.maxOutputLength. */
  minSettingLength: 4,
  maxSettingLength: 512,
  /** GNMT alpha and length reward: package.json's ranges. */
  maxLengthPenalty: 2,
  maxLengthReward: 2,
  /**
   * The ranges a model's tuned values must lie in (a tuned length reward is below 2 (at 100 every
   * output already runs to its length limit), a reward limit a few dozen tokens): beyond them
   * every score would be infinite or meaningless.
   */
  tuned: Object.freeze({
    lengthReward: Object.freeze({ min: 0, max: 100 }),
    lengthRewardLimit: Object.freeze({ min: 1, max: 4096 }),
  }),
});
