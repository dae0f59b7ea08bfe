/**
 * The data of one learning run: the workspace's mined pairs split into training, validation and
 * held-out (test) files, and the user's corrections added to the training split, each repeated by
 * its weight (src/learning/corrections.ts CORRECTION_WEIGHT), above the mined pair of the same
 * function. Pure.
 *
 * Held out by whole file: no function of a held-out file is trained on, its corrections included.
 * Functions of one file share names, helpers and wording; a model trained on some of them would be
 * judged on others it has half seen (the guard's neighbours leave a function's own file out for
 * the same reason, as the workspace index does). Which files:
 *
 * 1. those the fine-tune's split holds out (its seed and fractions), so that a workspace with
 *    enough documented functions holds out what Fine-tune on Workspace and Evaluate Model do;
 * 2. less every file that holds a correction: it goes to training, since a correction is the most
 *    valuable pair a run has (and a corrected function must not be scored after training on it);
 *    and less every file the current model learned in earlier learning runs (`learned`,
 *    src/learning/policy.ts `lineageTrainedFiles`): it goes to training and is never held out,
 *    since the guard judges the new model against the current one, which has trained on it;
 * 3. then, while the test split has fewer than GUARD_MIN_FUNCTIONS functions (the guard installs
 *    nothing on fewer, so the run would be time spent for nothing), more files from the training
 *    split, never a learned one: first those without a correction (the split's file order), and
 *    only when these are too few (a workspace documented mostly through the extension) files with
 *    corrections, the most recently corrected first on a tie. Within each, **as few functions as
 *    reach the minimum** (`fewestFunctionsToward`): a user documenting a file at a time has, after
 *    50 corrections, a few small files and the big one being written, and the next functions come
 *    from that one. Holding out the newest file whole (the rule before) left go-dlib's run 10 of 50
 *    functions to train on; the fewest that reach 10 leave it 35 (bench/learning/README.md).
 *    The validation split (the fine-tune's early stopping) is topped up the same way to
 *    LEARNING_VALID_FUNCTIONS, with no file of more than twice that while the split has one.
 *    Corrections held out are counted (`heldOutCorrections`), not dropped unsaid; a later run,
 *    once newer ones take their place, trains on them.
 *
 * A run starts only on splits that could let the guard pass: GUARD_MIN_FUNCTIONS held-out
 * functions, a validation file and something to train on; `tooFew` says why not otherwise. The
 * files a run trains on beyond `learned` (`trainedFiles`) are what its history entry keeps when its
 * model is installed.
 */
import type { CorpusRecord } from '../mining/dataset';
import { seededFileOrder, splitByFile, type SplitName, type Splits } from '../mining/dedupSplit';
import { FINE_TUNE_JOB_DEFAULTS, GUARD_MIN_FUNCTIONS, LEARNING_VALID_FUNCTIONS } from '../training/trainingDefaults';
import { correctionPairs, learnableCorrections, type Correction } from './corrections';

export interface LearningSplits extends Splits<CorpusRecord> {
  /** Training pairs that come from corrections (repeats counted). */
  readonly correctionPairs: number;
  /** Distinct corrections trained on. */
  readonly corrections: number;
  /** Distinct corrections in held-out files: the guard scores them; a later run trains on them. */
  readonly heldOutCorrections: number;
  /** Files the training split holds that `learned` does not (sorted): what this run adds to its model's lineage. */
  readonly trainedFiles: readonly string[];
  /** Why no run can start on these splits (too few documented functions), or undefined. */
  readonly tooFew?: string;
}

const SPLITS: readonly SplitName[] = ['train', 'valid', 'test'];

/**
 * `learned`: the files the current model learned in earlier learning runs (none after returning to
 * a model no learning run made).
 */
export function learningSplits(
  mined: readonly CorpusRecord[],
  corrections: readonly Correction[],
  learned: ReadonlySet<string>,
  seed: number = FINE_TUNE_JOB_DEFAULTS.seed,
): LearningSplits {
  const split = splitByFile(mined, {
    seed,
    validFraction: FINE_TUNE_JOB_DEFAULTS.validFraction,
    testFraction: FINE_TUNE_JOB_DEFAULTS.testFraction,
  });
  const taught = learnableCorrections(corrections);
  // Each corrected file, with the time of its newest correction (ISO strings sort by time).
  const newest = new Map<string, string>();
  for (const c of taught) {
    const seen = newest.get(c.path);
    if (seen === undefined || c.decidedAt > seen) newest.set(c.path, c.decidedAt);
  }
  const where = new Map<string, SplitName>();
  const size = new Map<string, number>();
  for (const name of SPLITS)
    for (const r of split[name]) {
      where.set(r.path, newest.has(r.path) || learned.has(r.path) ? 'train' : name);
      size.set(r.path, (size.get(r.path) ?? 0) + 1);
    }
  const splitOrder = seededFileOrder(seed);
  const candidates = [...where.keys()]
    .filter((f) => where.get(f) === 'train' && !learned.has(f))
    .sort((a, b) => {
      const [ca, cb] = [newest.get(a), newest.get(b)];
      if (ca === undefined || cb === undefined) return ca === cb ? splitOrder(a, b) : ca === undefined ? -1 : 1;
      return ca > cb ? -1 : ca < cb ? 1 : splitOrder(a, b);
    });
  // Files without a correction first (split order), then corrected ones (newest first); inside each
  // class as few functions as reach `want`.
  const classes = [candidates.filter((f) => !newest.has(f)), candidates.filter((f) => newest.has(f))];
  // `most`: a file with more functions is not taken while the split has some (the validation
  // split's size is a wish; the held-out split's is what the guard needs).
  const topUp = (name: 'valid' | 'test', want: number, most = Infinity): void => {
    let n = 0;
    for (const [f, s] of where) if (s === name) n += size.get(f)!;
    for (const files of classes) {
      const rest = files.filter((f) => where.get(f) === 'train');
      while (n < want && rest.length > 0) {
        const fits = rest.filter((f) => size.get(f)! <= most);
        // None small enough: the smallest file, if the split has none yet.
        if (fits.length === 0 && n > 0) return;
        const f = fits.length > 0 ? fewestFunctionsToward(fits, want - n, size) : smallest(rest, size);
        rest.splice(rest.indexOf(f), 1);
        where.set(f, name);
        n += size.get(f)!;
      }
    }
  };
  topUp('test', GUARD_MIN_FUNCTIONS);
  topUp('valid', LEARNING_VALID_FUNCTIONS, 2 * LEARNING_VALID_FUNCTIONS);

  const heldOut = (file: string): boolean => where.get(file) === 'valid' || where.get(file) === 'test';
  const trained = taught.filter((c) => !heldOut(c.path));
  const pairs = correctionPairs(trained);
  const out: Splits<CorpusRecord> = { train: [], valid: [], test: [] };
  for (const r of mined) out[where.get(r.path)!].push(r);
  out.train.push(...pairs);
  const startable = out.test.length >= GUARD_MIN_FUNCTIONS && out.valid.length > 0 && out.train.length > 0;
  return {
    ...out,
    correctionPairs: pairs.length,
    corrections: trained.length,
    heldOutCorrections: taught.length - trained.length,
    trainedFiles: [...new Set(out.train.map((r) => r.path))].filter((f) => !learned.has(f)).sort(),
    ...(startable ? {} : { tooFew: tooFewText(mined, size, learned) }),
  };
}

/**
 * The next file to hold out, toward `need` more functions, so that the files held out reach it
 * with few functions to spare: while the files smaller than `need` can reach it together, the
 * largest of them; else the smallest file that reaches it alone (or, with none, the largest).
 * Ties go to the earlier file in `files`.
 */
function fewestFunctionsToward(files: readonly string[], need: number, size: ReadonlyMap<string, number>): string {
  let reach: string | undefined;
  let below: string | undefined;
  let belowSum = 0;
  for (const f of files) {
    const n = size.get(f)!;
    if (n >= need) {
      if (reach === undefined || n < size.get(reach)!) reach = f;
    } else {
      belowSum += n;
      if (below === undefined || n > size.get(below)!) below = f;
    }
  }
  return (belowSum >= need ? below : (reach ?? below))!;
}

/** The file with the fewest functions (the earlier on a tie). */
function smallest(files: readonly string[], size: ReadonlyMap<string, number>): string {
  return files.reduce((a, b) => (size.get(b)! < size.get(a)! ? b : a));
}

/** Why a run cannot start: `size` is the functions of each mined file. */
function tooFewText(
  mined: readonly CorpusRecord[],
  size: ReadonlyMap<string, number>,
  learned: ReadonlySet<string>,
): string {
  const learnedFiles = [...size.keys()].filter((f) => learned.has(f)).length;
  if (learnedFiles === 0)
    return (
      `too few documented functions to hold some out: the guard needs ${GUARD_MIN_FUNCTIONS} held-out ` +
      `functions in files of their own, besides a file to validate on and one to train on ` +
      `(${mined.length} functions in ${size.size} files)`
    );
  const judged = 'a new run is judged only on functions in files the current model has not learned';
  const need = `the guard needs ${GUARD_MIN_FUNCTIONS} of them, besides a file to validate on`;
  if (learnedFiles === size.size)
    return (
      `every documented file has already been learned: earlier learning runs trained the current model on all ` +
      `${size.size} files with documented functions, and ${judged} (${need}). Document or correct functions in other files`
    );
  const others = [...size].filter(([f]) => !learned.has(f));
  const functions = others.reduce((n, [, k]) => n + k, 0);
  return (
    `too few documented functions the current model has not learned yet: earlier learning runs trained it on ` +
    `${learnedFiles} of the ${size.size} files with documented functions, and ${judged} (${need}; the other files hold ` +
    `${functions} function${functions === 1 ? '' : 's'} in ${others.length} file${others.length === 1 ? '' : 's'}). ` +
    `Document or correct functions in files it has not learned yet`
  );
}
