/**
 * The fine-tuning guard: before a fine-tuned model is offered, it and the model it started from
 * write comments for the workspace's held-out functions (the test split, by file, that neither
 * trained on), decoded as the extension decodes, and are scored with chrF and smoothed BLEU-4.
 * The fine-tuned model is offered only when it is better: higher chrF and no lower smoothed
 * BLEU-4. Otherwise the user is told both numbers and the base model stays active.
 *
 * Both models read their code → comment neighbours from the same workspace: every documented
 * function of the job (all three splits), the function's own file left out, as the extension's
 * workspace index gives them. Without it the base model would read its bundled (foreign) memory
 * while the fine-tuned one reads the workspace it saved as memory, and the guard would credit
 * training with what retrieval from the workspace gives either model.
 */
import { DECODING_DEFAULTS } from '../core/decodingDefaults';
import type { CorpusRecord } from '../data/dataset';
import { ModelRunner } from '../inference/modelRunner';
import { averageSentenceBleu } from './bleu';
import { corpusChrf } from './chrf';
import type { WorkspaceOf } from './predictions';
import { projectWorkspaceOf, projectWorkspaces } from './projectBenchmark';
import { interleaveLanguages } from './quality';

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
  /** The model the run started from, as the message names it ("the bundled model"). */
  readonly baseName: string;
  /** What to tell the user, with both scores. */
  readonly message: string;
}

/** The extension's default decoding (package.json seq2seq.decoding.*). */
export const GUARD_DECODING = {
  beamSize: DECODING_DEFAULTS.beamSize,
  lengthPenalty: DECODING_DEFAULTS.lengthPenalty,
  maxLength: DECODING_DEFAULTS.maxLength,
} as const;
/** Held-out functions decoded per model at most (decoding is the slow part). */
export const GUARD_LIMIT = 200;

export function heldOutScore(outputs: readonly string[], references: readonly string[]): HeldOutScore {
  return {
    chrf: outputs.length ? corpusChrf(outputs, references) : 0,
    sentenceBleu: outputs.length ? 100 * averageSentenceBleu(outputs, references) : 0,
    pairs: outputs.length,
  };
}

/** "a vs b" with one decimal, more (up to three) when one would show different scores as equal. */
function versus(a: number, b: number): string {
  let digits = 1;
  while (digits < 3 && a !== b && a.toFixed(digits) === b.toFixed(digits)) digits++;
  return `${a.toFixed(digits)} vs ${b.toFixed(digits)}`;
}

/** The decision and its message; `baseName` names the base model ("the bundled model"). */
export function guardDecision(base: HeldOutScore, tuned: HeldOutScore, baseName: string): GuardResult {
  const scores =
    `chrF ${versus(tuned.chrf, base.chrf)}, smoothed BLEU-4 ${versus(tuned.sentenceBleu, base.sentenceBleu)} ` +
    `on ${tuned.pairs} held-out functions`;
  if (tuned.pairs === 0)
    return {
      base,
      tuned,
      better: false,
      baseName,
      message: `Fine-tuning could not be checked: the workspace left no held-out functions to score it on; kept ${baseName}.`,
    };
  const better = tuned.chrf > base.chrf && tuned.sentenceBleu >= base.sentenceBleu;
  return {
    base,
    tuned,
    better,
    baseName,
    message: better
      ? `The fine-tuned model beats ${baseName} on your held-out functions: ${scores}.`
      : `Fine-tuning did not beat ${baseName} on your held-out functions: ${scores} — kept ${baseName}.`,
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
          { direction: 'code2doc', text: r.code, language: r.lang, nBest: 1, ...GUARD_DECODING },
          workspaceOf?.(r),
        ).candidates[0]?.text ?? '',
    );
  } finally {
    runner.dispose();
  }
}

/**
 * Scores both models on (up to GUARD_LIMIT of) the held-out records, each reading its neighbours
 * from the workspace of `documented` (every pair of the job), and decides.
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
  const base = heldOutScore(await modelOutputs(baseDir, records, workspaceOf), refs);
  const tuned = heldOutScore(await modelOutputs(tunedDir, records, workspaceOf), refs);
  return guardDecision(base, tuned, baseName);
}
