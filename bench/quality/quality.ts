/**
 * The quality benchmark behind `npm run bench:quality` and the default model's card: a model and
 * the two baselines of baselines.ts scored on the same held-out test split, per language, with
 * corpus BLEU-4, smoothed sentence BLEU-4 and exact match (src/training/bleu.ts: lower-cased,
 * `[\w]+|[^\s\w]` tokens; references are the full first-sentence summaries).
 */
import type { CorpusRecord } from '../../src/data/dataset';
import { ModelRunner } from '../../src/inference/modelRunner';
import { averageSentenceBleu, corpusBleuText, exactMatch } from '../../src/training/bleu';
import { nameBaseline, retrievalBaseline } from '../../src/data/retrieval';

export interface QualityRow {
  readonly language: string;
  readonly system: string;
  readonly count: number;
  /** Corpus BLEU-4, 0-100. */
  readonly bleu: number;
  /** Mean smoothed sentence BLEU-4, 0-100. */
  readonly sentenceBleu: number;
  /** Exact match after lower-casing and tokenizing, 0-100. */
  readonly exactMatch: number;
}

export interface DecodeSettings {
  readonly beamSize: number;
  readonly lengthPenalty: number;
  readonly maxLength: number;
}

/** What the extension decodes with by default (package.json's seq2seq.decoding.*). */
export const EXTENSION_DECODING: DecodeSettings = { beamSize: 4, lengthPenalty: 0.6, maxLength: 64 };

/** The model's code→comment output for each test pair, through the same runner the extension uses. */
export function modelPredictions(
  runner: ModelRunner,
  test: readonly CorpusRecord[],
  decoding: DecodeSettings = EXTENSION_DECODING,
  onProgress?: (done: number) => void,
): string[] {
  return test.map((r, i) => {
    const t = runner.translate({ direction: 'code2doc', text: r.code, language: r.lang, nBest: 1, ...decoding });
    onProgress?.(i + 1);
    return t.candidates[0]?.text ?? '';
  });
}

/** The baselines' outputs for each test pair. */
export function baselinePredictions(
  train: readonly CorpusRecord[],
  test: readonly CorpusRecord[],
): Record<'bm25' | 'name', string[]> {
  return {
    bm25: retrievalBaseline(
      train,
      test.map((r) => r.code),
    ),
    name: test.map((r) => nameBaseline(r.name)),
  };
}

/** Scores each system per language and over all languages ('all'). */
export function scoreSystems(
  test: readonly CorpusRecord[],
  systems: Readonly<Record<string, readonly string[]>>,
): QualityRow[] {
  const languages = [...new Set(test.map((r) => r.lang))].sort();
  const rows: QualityRow[] = [];
  for (const language of [...languages, 'all']) {
    const idx = test.map((r, i) => (language === 'all' || r.lang === language ? i : -1)).filter((i) => i >= 0);
    const refs = idx.map((i) => test[i]!.summary);
    for (const [system, outputs] of Object.entries(systems)) {
      if (outputs.length !== test.length)
        throw new Error(`${system} has ${outputs.length} outputs for ${test.length} pairs`);
      const hyps = idx.map((i) => outputs[i]!);
      rows.push({
        language,
        system,
        count: idx.length,
        bleu: 100 * corpusBleuText(hyps, refs),
        sentenceBleu: 100 * averageSentenceBleu(hyps, refs),
        exactMatch: 100 * exactMatch(hyps, refs),
      });
    }
  }
  return rows;
}

/** A Markdown table of the rows. */
export function qualityTable(rows: readonly QualityRow[]): string {
  const lines = [
    '| language | system | pairs | corpus BLEU-4 | smoothed BLEU-4 | exact match % |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.language} | ${r.system} | ${r.count} | ${r.bleu.toFixed(2)} | ${r.sentenceBleu.toFixed(2)} | ${r.exactMatch.toFixed(1)} |`,
    );
  return lines.join('\n');
}

/** Languages where `system` does not beat every other system on both BLEUs (empty: it wins everywhere). */
export function languagesNotWon(rows: readonly QualityRow[], system: string): string[] {
  const out: string[] = [];
  for (const language of new Set(rows.map((r) => r.language))) {
    const mine = rows.find((r) => r.language === language && r.system === system);
    const others = rows.filter((r) => r.language === language && r.system !== system);
    if (!mine || others.some((o) => o.bleu >= mine.bleu || o.sentenceBleu >= mine.sentenceBleu)) out.push(language);
  }
  return out;
}

export interface BenchmarkResult {
  readonly rows: QualityRow[];
  /** The model's output per pair, in order. */
  readonly predictions: string[];
  readonly decodeSeconds: number;
}

/** The model (loaded from `modelDir`) and both baselines on `pairs`, the baselines' memory being `train`. */
export async function benchmarkModel(
  modelDir: string,
  train: readonly CorpusRecord[],
  pairs: readonly CorpusRecord[],
  decoding: DecodeSettings = EXTENSION_DECODING,
  onProgress?: (done: number) => void,
): Promise<BenchmarkResult> {
  const runner = await ModelRunner.load(modelDir, 'default');
  const started = Date.now();
  let predictions: string[];
  try {
    predictions = modelPredictions(runner, pairs, decoding, onProgress);
  } finally {
    runner.dispose();
  }
  const decodeSeconds = (Date.now() - started) / 1000;
  const rows = scoreSystems(pairs, { model: predictions, ...baselinePredictions(train, pairs) });
  return { rows, predictions, decodeSeconds };
}
