/**
 * The fine-tuning guard: before a fine-tuned model is offered, it and the model it started from
 * write comments for the workspace's held-out functions (the test split, by file, that neither
 * trained on), decoded as the extension decodes, and are scored with chrF and smoothed BLEU-4.
 * The fine-tuned model is offered only when it is ahead by a margin: on both chrF and smoothed
 * BLEU-4 in at least 80 % of paired bootstrap resamples of those functions (Koehn 2004, the same
 * draws as quality.ts's `pairedBootstrap`), so a lead that one lucky test set gives is not enough.
 * Otherwise the user is told both numbers, both shares, and the base model stays active.
 *
 * Both models read their code → comment neighbours from the same workspace: every documented
 * function of the job (all three splits), the function's own file left out, as the extension's
 * workspace index gives them. Without it the base model would read its bundled (foreign) memory
 * while the fine-tuned one reads the workspace it saved as memory, and the guard would credit
 * training with what retrieval from the workspace gives either model.
 */
import { DECODING_DEFAULTS } from '../core/decoding';
import type { CorpusRecord } from '../mining/dataset';
import { ModelRunner } from '../inference/modelRunner';
import { sentenceBleu } from './bleu';
import { chrfFromStats, chrfStats, pairedBootstrapChrfStats, sumChrfStats, type ChrfStats } from './chrf';
import type { WorkspaceOf } from './predictions';
import { projectWorkspaceOf, projectWorkspaces } from './projectBenchmark';
import { interleaveLanguages, pairedBootstrapSentence } from './quality';
import { GUARD_MIN_FUNCTIONS } from './trainingDefaults';

export interface HeldOutScore {
  /** Corpus chrF, 0-100. */
  readonly chrf: number;
  /** Mean smoothed sentence BLEU-4 (CodeXGLUE), 0-100. */
  readonly sentenceBleu: number;
  readonly pairs: number;
}

export interface GuardResult {
  readonly base: HeldOutScore;
  readonly tuned: HeldOutScore;
  /** Offer the fine-tuned model. */
  readonly better: boolean;
  /** How often the fine-tuned model was ahead under resampling (absent: nothing to score). */
  readonly margin?: MarginShares;
  /** The model the run started from, as the message names it ("the bundled model"). */
  readonly baseName: string;
  /** What to tell the user, with both scores. */
  readonly message: string;
}

/** Held-out functions decoded per model at most (decoding is the slow part). */
export const GUARD_LIMIT = 200;

/** Share of resamples the fine-tuned model must lead on, on both metrics. */
export const GUARD_MARGIN = 0.8;
/** Paired bootstrap resamples the guard draws. */
export const GUARD_SAMPLES = 1000;

/** What one system scored on one function: the plain row the margin rule works on. */
export interface FunctionScore {
  /** chrF sufficient statistics (summed over functions for corpus chrF). */
  readonly chrf: ChrfStats;
  /** Smoothed sentence BLEU-4, 0-100. */
  readonly sentenceBleu: number;
}

/** One held-out function scored for both systems. */
export interface MarginRow {
  readonly base: FunctionScore;
  readonly tuned: FunctionScore;
}

export interface MarginShares {
  /** Share (0..1) of resamples on which the fine-tuned model's corpus chrF is strictly higher. */
  readonly chrf: number;
  /** The same for mean smoothed BLEU-4. */
  readonly sentenceBleu: number;
  readonly samples: number;
  /** The share both had to reach. */
  readonly required: number;
}

export interface MarginVerdict {
  readonly base: HeldOutScore;
  readonly tuned: HeldOutScore;
  readonly shares: MarginShares;
  /** Ahead on both metrics in at least `required` of the resamples. */
  readonly ahead: boolean;
}

export function functionScore(output: string, reference: string): FunctionScore {
  return { chrf: chrfStats(output, reference), sentenceBleu: 100 * sentenceBleu(output, reference) };
}

function scoreOf(rows: readonly FunctionScore[]): HeldOutScore {
  return {
    chrf: rows.length ? chrfFromStats(sumChrfStats(rows.map((r) => r.chrf))) : 0,
    sentenceBleu: rows.length ? rows.reduce((a, r) => a + r.sentenceBleu, 0) / rows.length : 0,
    pairs: rows.length,
  };
}

export function heldOutScore(outputs: readonly string[], references: readonly string[]): HeldOutScore {
  return scoreOf(outputs.map((o, i) => functionScore(o, references[i]!)));
}

/**
 * The margin rule, for fine-tunes and for choosing a model to ship: paired bootstrap (Koehn 2004)
 * over the functions, by chrf.ts's `pairedBootstrapChrfStats` and quality.ts's
 * `pairedBootstrapSentence` on the rows' scores (the same resamples as `pairedBootstrapChrf` and
 * `pairedBootstrap` draw for the same seed); a resample counts for a metric only when the
 * fine-tuned model is strictly higher (a tie, 0.0 vs 0.0 included, is no win). Ahead when both
 * shares reach `margin`, on at least GUARD_MIN_FUNCTIONS functions.
 */
export function marginVerdict(
  rows: readonly MarginRow[],
  options: { readonly margin?: number; readonly samples?: number; readonly seed?: number } = {},
): MarginVerdict {
  const required = options.margin ?? GUARD_MARGIN;
  const samples = options.samples ?? GUARD_SAMPLES;
  const seed = options.seed ?? 1;
  const base = rows.map((r) => r.base);
  const tuned = rows.map((r) => r.tuned);
  const chrf = (s: readonly FunctionScore[]) => s.map((r) => r.chrf);
  const bleu = (s: readonly FunctionScore[]) => s.map((r) => r.sentenceBleu);
  const shares = {
    chrf: pairedBootstrapChrfStats(chrf(tuned), chrf(base), samples, seed),
    sentenceBleu: pairedBootstrapSentence(bleu(tuned), bleu(base), samples, seed),
    samples,
    required,
  };
  return {
    base: scoreOf(base),
    tuned: scoreOf(tuned),
    shares,
    ahead: rows.length >= GUARD_MIN_FUNCTIONS && shares.chrf >= required && shares.sentenceBleu >= required,
  };
}

/** The rows of both systems' outputs on the same references. */
export function marginRows(
  references: readonly string[],
  base: readonly string[],
  tuned: readonly string[],
): MarginRow[] {
  if (base.length !== references.length || tuned.length !== references.length)
    throw new Error('marginRows: each system needs one output per reference');
  return references.map((ref, i) => ({ base: functionScore(base[i]!, ref), tuned: functionScore(tuned[i]!, ref) }));
}

/** "a vs b" with one decimal, more (up to three) when one would show different scores as equal. */
function versus(a: number, b: number): string {
  let digits = 1;
  while (digits < 3 && a !== b && a.toFixed(digits) === b.toFixed(digits)) digits++;
  return `${a.toFixed(digits)} vs ${b.toFixed(digits)}`;
}

const percent = (share: number): string => `${Math.round(100 * share)}%`;

/** The decision and its message; `baseName` names the base model ("the bundled model"). */
export function guardDecision(verdict: MarginVerdict, baseName: string): GuardResult {
  const { base, tuned, shares } = verdict;
  if (tuned.pairs === 0)
    return {
      base,
      tuned,
      better: false,
      baseName,
      message: `Fine-tuning could not be checked: the workspace left no held-out functions to score it on; kept ${baseName}.`,
    };
  const scores =
    `chrF ${versus(tuned.chrf, base.chrf)}, smoothed BLEU-4 ${versus(tuned.sentenceBleu, base.sentenceBleu)} ` +
    `on ${tuned.pairs} held-out functions`;
  const lead =
    `ahead on chrF in ${percent(shares.chrf)} and on smoothed BLEU-4 in ${percent(shares.sentenceBleu)} ` +
    `of ${shares.samples} paired resamples`;
  const rule =
    `it must be ahead on both in at least ${percent(shares.required)}` +
    (tuned.pairs < GUARD_MIN_FUNCTIONS
      ? `, on at least ${GUARD_MIN_FUNCTIONS} held-out functions: this workspace left ${tuned.pairs}`
      : '');
  return {
    base,
    tuned,
    better: verdict.ahead,
    margin: shares,
    baseName,
    message: verdict.ahead
      ? `The fine-tuned model beats ${baseName} on your held-out functions: ${scores}; ${lead} (${rule}).`
      : `Fine-tuning did not beat ${baseName} on your held-out functions: ${scores}; ${lead} (${rule}) — kept ${baseName}.`,
  };
}

/**
 * The workspace of `records`: one index per project (a mined workspace has none: one index), each
 * record's own file left out of its neighbours.
 */
export function workspaceOfRecords(records: readonly CorpusRecord[]): WorkspaceOf {
  return projectWorkspaceOf(projectWorkspaces(records));
}

/**
 * What a model folder writes for each record's code (code→comment), as the extension decodes;
 * neighbours from `workspaceOf` when given (else the model's own memory).
 */
export async function modelOutputs(
  dir: string,
  records: readonly CorpusRecord[],
  workspaceOf?: WorkspaceOf,
): Promise<string[]> {
  const runner = await ModelRunner.load(dir);
  try {
    return records.map(
      (r) =>
        runner.translate(
          { direction: 'code2doc', text: r.code, language: r.lang, decoding: DECODING_DEFAULTS },
          workspaceOf?.(r),
        ).candidates[0]?.text ?? '',
    );
  } finally {
    runner.dispose();
  }
}

/**
 * Scores both models on (up to GUARD_LIMIT of) the held-out records, each reading its neighbours
 * from the workspace of `documented` (every pair of the job), and decides with the margin rule.
 */
export async function guardFineTune(
  baseDir: string,
  tunedDir: string,
  heldOut: readonly CorpusRecord[],
  documented: readonly CorpusRecord[],
  baseName: string,
  limit = GUARD_LIMIT,
): Promise<GuardResult> {
  const records = interleaveLanguages(heldOut).slice(0, limit);
  const refs = records.map((r) => r.summary);
  const workspaceOf = workspaceOfRecords(documented);
  const base = await modelOutputs(baseDir, records, workspaceOf);
  const tuned = await modelOutputs(tunedDir, records, workspaceOf);
  return guardDecision(marginVerdict(marginRows(refs, base, tuned)), baseName);
}
