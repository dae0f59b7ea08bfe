/**
 * The data of one learning run: the workspace's mined pairs split by file with the fine-tune's
 * seed and fractions (so every run, and Evaluate Model, holds out the same files), then every file
 * that holds a correction moved to the training split (a corrected function must not be scored as
 * held out: the model trained on its text), and the corrections' pairs added to the training split
 * each repeated by its weight (src/learning/corrections.ts CORRECTION_WEIGHT), above the mined
 * pair of the same function. When moving them would leave nothing to validate or score on (a
 * workspace whose only documented functions are the user's corrections), the held-out files stay
 * held out and only the corrections of training files are trained on. Pure.
 */
import type { CorpusRecord } from '../mining/dataset';
import { splitByFile, type Splits } from '../mining/dedupSplit';
import { FINE_TUNE_JOB_DEFAULTS } from '../training/trainingDefaults';
import { correctionPairs, learnableCount, type Correction } from './corrections';

export interface LearningSplits extends Splits<CorpusRecord> {
  /** Training pairs that come from corrections (repeats counted). */
  readonly correctionPairs: number;
  /** Distinct corrections trained on. */
  readonly corrections: number;
}

export function learningSplits(
  mined: readonly CorpusRecord[],
  corrections: readonly Correction[],
  seed: number = FINE_TUNE_JOB_DEFAULTS.seed,
): LearningSplits {
  const split = splitByFile(mined, {
    seed,
    validFraction: FINE_TUNE_JOB_DEFAULTS.validFraction,
    testFraction: FINE_TUNE_JOB_DEFAULTS.testFraction,
  });
  const pairs = correctionPairs(corrections);
  const corrected = new Set(pairs.map((p) => p.path));
  const valid = split.valid.filter((r) => !corrected.has(r.path));
  const test = split.test.filter((r) => !corrected.has(r.path));
  if (valid.length > 0 && test.length > 0) {
    const moved = [...split.valid, ...split.test].filter((r) => corrected.has(r.path));
    return {
      train: [...split.train, ...moved, ...pairs],
      valid,
      test,
      correctionPairs: pairs.length,
      corrections: learnableCount(corrections),
    };
  }
  const trainFiles = new Set(split.train.map((r) => r.path));
  const trained = corrections.filter((c) => trainFiles.has(c.path));
  const kept = correctionPairs(trained);
  return {
    train: [...split.train, ...kept],
    valid: split.valid,
    test: split.test,
    correctionPairs: kept.length,
    corrections: learnableCount(trained),
  };
}
