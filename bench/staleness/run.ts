/**
 * `npm run bench:staleness`: can the model tell that a doc comment's summary no longer describes
 * its function? The question behind a "summary may be stale" hint (issue: complete doc comments).
 *
 * Held-out projects of the corpus (`npm run corpus:build`): for a seeded sample of documented
 * functions, the true pair (code, its own summary) is "fresh" and the same code with the summary
 * of another documented function of the same file is "stale" (the test: a summary moved
 * to another function of the same file reads like a fitting comment: same vocabulary, other
 * meaning). Scores, higher =
 * fits better:
 *  - `model`: the code → comment direction's mean log-probability per token of the summary given
 *    the code (no neighbour, like the search re-ranker);
 *  - `model PMI`: the same minus the summary's mean log-probability given an empty function, so
 *    that a summary the model finds likely anywhere does not pass as fitting;
 *  - `bm25 overlap`: the Dice overlap of the code's and the summary's subtokens (no model);
 *  - `model PMI + overlap`: both, standardised on the validation split, summed.
 * A summary is flagged stale when its score is below a threshold chosen on validation projects: the
 * one with the most recall at a precision of at least 0.8 (a hint must rarely be wrong), or, when
 * no threshold reaches that, the best F1; precision and recall on the test projects are then
 * printed, scored once. The hint ships on by default only if its test precision reaches 0.8.
 * `--calibrate` writes the combined score's calibration into the model (`meta.staleSummary`),
 * which the extension's hint (`seq2seq.docComment.staleSummaryHint`) needs.
 * Flags: --corpus <dir>, --model <dir>, --pairs N per split (default 400), --seed N, --json <file>,
 * --calibrate.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { readCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { projectOf } from '../../src/retrieval/projectMemory';
import { seededRandom, shuffleInPlace } from '../../src/mining/random';
import { writeStaleSummaryMeta } from '../../src/modelFolder/format';
import { ModelRunner } from '../../src/inference/modelRunner';
import { fitScore, moments, pmiOf, summaryFits, type SummaryFit } from '../../src/inference/staleSummary';
import { REPO_ROOT as ROOT, MEDIA_MODEL_DIR } from '../../scripts/paths';

const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** One case: a function's code with a summary, and whether that summary is stale. */
export interface StaleCase {
  readonly code: string;
  readonly summary: string;
  readonly stale: boolean;
  readonly lang: string;
}

/**
 * `n` functions drawn with `seed` from files with at least two documented functions; each gives a
 * fresh case and a stale one (the summary of another function of its file, whose summary differs).
 */
export function staleCases(records: readonly CorpusRecord[], n: number, seed: number): StaleCase[] {
  const fileOf = (r: CorpusRecord): string => `${projectOf(r)}\u0000${r.path}`;
  const byFile = new Map<string, CorpusRecord[]>();
  for (const r of records) {
    const list = byFile.get(fileOf(r)) ?? [];
    list.push(r);
    byFile.set(fileOf(r), list);
  }
  const random = seededRandom(seed);
  const out: StaleCase[] = [];
  for (const r of shuffleInPlace(records.slice(), random)) {
    if (out.length >= 2 * n) break;
    const others = (byFile.get(fileOf(r)) ?? []).filter((o) => o.summary !== r.summary);
    if (others.length === 0) continue;
    const other = others[Math.floor(random() * others.length)]!;
    out.push({ code: r.code, summary: r.summary, stale: false, lang: r.lang });
    out.push({ code: r.code, summary: other.summary, stale: true, lang: r.lang });
  }
  return out;
}

/** Precision and recall of "stale" when every score below `threshold` is flagged. */
export function flagQuality(
  scores: readonly number[],
  cases: readonly Pick<StaleCase, 'stale'>[],
  threshold: number,
): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const flagged = s < threshold;
    if (flagged && cases[i]!.stale) tp++;
    else if (flagged) fp++;
    else if (cases[i]!.stale) fn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** Thresholds worth trying: every distinct score (flagging what lies below it), and flagging everything. */
const candidates = (scores: readonly number[]): number[] => [...[...new Set(scores)].sort((a, b) => a - b), Infinity];

/** The threshold with the best F1 for "stale" (ties: the lowest). */
export function bestThreshold(scores: readonly number[], cases: readonly Pick<StaleCase, 'stale'>[]): number {
  let best = { t: -Infinity, f1: -1 };
  for (const t of candidates(scores)) {
    const f1 = flagQuality(scores, cases, t).f1;
    if (f1 > best.f1) best = { t, f1 };
  }
  return best.t;
}

/**
 * The threshold with the most recall among those whose precision is at least `precision`, or
 * undefined when none reaches it.
 */
export function thresholdAtPrecision(
  scores: readonly number[],
  cases: readonly Pick<StaleCase, 'stale'>[],
  precision: number,
): number | undefined {
  let best: { t: number; recall: number } | undefined;
  for (const t of candidates(scores)) {
    const q = flagQuality(scores, cases, t);
    if (q.precision >= precision && q.recall > 0 && (!best || q.recall > best.recall)) best = { t, recall: q.recall };
  }
  return best?.t;
}

/** The score the extension's hint uses (src/inference/staleSummary.ts). */
const COMBINED = 'model PMI + overlap';

/** The precision a hint needs to ship on by default (the bar). */
export const SHIP_PRECISION = 0.8;

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <dir>', 'corpus split by project', path.join(ROOT, '.cache', 'corpus'))
    .option('--model <dir>', 'model folder', MEDIA_MODEL_DIR)
    .option('--pairs <n>', 'functions per split (each gives a fresh and a stale case)', '400')
    .option('--seed <n>', 'sampling seed', '23')
    .option('--json <file>', 'also write the results as JSON')
    .option(
      '--calibrate',
      "write the combined score's validation statistics, threshold and test precision / recall into the model (meta.staleSummary)",
      false,
    )
    .parse()
    .opts<{ corpus: string; model: string; pairs: string; seed: string; json?: string; calibrate: boolean }>();
  log((await selectBackend({ setting: 'auto' })).reason);
  const runner = await ModelRunner.load(opts.model);
  const splits: Record<'valid' | 'test', StaleCase[]> = { valid: [], test: [] };
  const scores: Record<string, Record<'valid' | 'test', number[]>> = {};
  const fitsOf: Record<'valid' | 'test', SummaryFit[]> = { valid: [], test: [] };
  for (const split of ['valid', 'test'] as const) {
    const file = path.join(opts.corpus, `${split}.jsonl`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus (npm run corpus:build).`);
    const cases = staleCases(await readCorpus(file), Number(opts.pairs), Number(opts.seed));
    splits[split] = cases;
    log(`${split}: ${cases.length} cases; scoring`);
    const fits = (fitsOf[split] = summaryFits(runner, cases));
    const add = (name: string, v: number[]): void => {
      (scores[name] ??= { valid: [], test: [] })[split] = v;
    };
    add(
      'model',
      fits.map((f) => f.logProb),
    );
    add('model PMI', fits.map(pmiOf));
    add(
      'bm25 overlap',
      fits.map((f) => f.overlap),
    );
  }
  runner.dispose();
  // Both signals at once: each standardised with the validation split's mean and deviation.
  const calibration = { pmi: moments(scores['model PMI']!.valid), overlap: moments(scores['bm25 overlap']!.valid) };
  const combined = (split: 'valid' | 'test'): number[] => fitsOf[split].map((f) => fitScore(f, calibration));
  scores[COMBINED] = { valid: combined('valid'), test: combined('test') };
  const lines = [
    `Stale-summary detection on held-out projects (${splits.test.length / 2} test functions, each fresh and stale; threshold chosen on ${splits.valid.length / 2} validation functions)`,
    '',
    '| score | threshold (chosen on valid for) | valid precision / recall | test precision | test recall | test F1 |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [name, s] of Object.entries(scores)) {
    const atPrecision = thresholdAtPrecision(s.valid, splits.valid, SHIP_PRECISION);
    const t = atPrecision ?? bestThreshold(s.valid, splits.valid);
    const v = flagQuality(s.valid, splits.valid, t);
    const q = flagQuality(s.test, splits.test, t);
    const how = atPrecision === undefined ? 'best F1' : `precision ≥ ${SHIP_PRECISION}`;
    rows.push({ name, threshold: t, chosenFor: how, valid: v, test: q });
    lines.push(
      `| ${name} | ${t.toFixed(3)} (${how}) | ${v.precision.toFixed(3)} / ${v.recall.toFixed(3)} | ${q.precision.toFixed(3)} | ${q.recall.toFixed(3)} | ${q.f1.toFixed(3)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (opts.calibrate) {
    const row = rows.find((r) => r.name === COMBINED) as {
      threshold: number;
      test: { precision: number; recall: number };
    };
    if (!Number.isFinite(row.threshold))
      throw new Error(`the "${COMBINED}" threshold chosen on validation flags every summary; nothing was written.`);
    const meta = { ...calibration, threshold: row.threshold, precision: row.test.precision, recall: row.test.recall };
    writeStaleSummaryMeta(opts.model, meta);
    log(`calibration of "${COMBINED}" written into ${path.join(opts.model, 'config.json')} (meta.staleSummary)`);
  }
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(rows, null, 2)}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    log(`bench:staleness failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
