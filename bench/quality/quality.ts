/**
 * The quality benchmark behind `npm run bench:quality` and the default model's card: a model and
 * the two baselines of src/data/retrieval.ts decoded on the same held-out test split, then scored
 * per language by src/training/quality.ts.
 */
import type { CorpusRecord } from '../../src/data/dataset';
import { ModelRunner } from '../../src/inference/modelRunner';
import { scoreSystems, type QualityRow } from '../../src/training/quality';
import { nameBaseline, retrievalBaseline } from '../../src/data/retrieval';

export interface DecodeSettings {
  readonly beamSize: number;
  readonly lengthPenalty: number;
  readonly maxLength: number;
  /** Absent: the model's tuned value (meta.decoding.lengthReward), else 0. */
  readonly lengthReward?: number;
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
