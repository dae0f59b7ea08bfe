/**
 * The quality benchmark behind `npm run bench:quality` and the default model's card: a model and
 * the two baselines of src/data/retrieval.ts decoded on the same held-out test split, then scored
 * per language by src/training/quality.ts.
 */
import { DECODING_DEFAULTS } from '../core/decodingDefaults';
import type { CorpusRecord } from '../data/dataset';
import { ModelRunner, type WorkspaceNeighbours } from '../inference/modelRunner';
import { bootstrapRows, scoreSystems, type BootstrapRow, type QualityRow } from './quality';
import { nameBaseline, retrievalBaseline } from '../data/retrieval';

export interface DecodeSettings {
  readonly beamSize: number;
  readonly lengthPenalty: number;
  readonly maxLength: number;
  /** Absent: the model's tuned value (meta.decoding.lengthReward), else 0. */
  readonly lengthReward?: number;
  /** Absent: the model's tuned value (meta.decoding.lengthRewardLimit), else none. */
  readonly lengthRewardLimit?: number;
  /** Absent: the model's tuned value (meta.decoding.reuseSimilarity); null: never reuse. */
  readonly reuseSimilarity?: number | null;
}

/** The benchmark row for the beam search's own output, beside 'model' (what the extension inserts). */
export const GENERATED_SYSTEM = 'model, generated only';

/** What the extension decodes with by default (package.json's seq2seq.decoding.*). */
export const EXTENSION_DECODING: DecodeSettings = {
  beamSize: DECODING_DEFAULTS.beamSize,
  lengthPenalty: DECODING_DEFAULTS.lengthPenalty,
  maxLength: DECODING_DEFAULTS.maxLength,
};

export interface ModelPredictions {
  /** What the extension would insert. */
  readonly outputs: string[];
  /** The beam search's own best, which differs where a similar function's summary was reused. */
  readonly generated: string[];
  /** How many outputs are reused summaries. */
  readonly reused: number;
}

/** Where a pair's neighbours come from: its project's workspace index, or (undefined) the model's memory. */
export type WorkspaceOf = (r: CorpusRecord) => WorkspaceNeighbours | undefined;

/**
 * The model's code→comment output for each test pair, through the same runner the extension
 * uses, each pair's neighbours read from `workspaceOf(pair)` when given.
 */
export function modelPredictions(
  runner: ModelRunner,
  test: readonly CorpusRecord[],
  decoding: DecodeSettings = EXTENSION_DECODING,
  onProgress?: (done: number) => void,
  workspaceOf?: WorkspaceOf,
): ModelPredictions {
  const outputs: string[] = [];
  const generated: string[] = [];
  let reused = 0;
  test.forEach((r, i) => {
    // Two candidates: when the first is a reused summary, the second is the beam's best.
    const t = runner.translate(
      { direction: 'code2doc', text: r.code, language: r.lang, nBest: 2, ...decoding },
      workspaceOf?.(r),
    );
    const [first, second] = t.candidates;
    outputs.push(first?.text ?? '');
    const from = first?.reusedFrom;
    if (from) reused++;
    generated.push((from && !from.alsoGenerated ? second?.text : first?.text) ?? '');
    onProgress?.(i + 1);
  });
  return { outputs, generated, reused };
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
  /** System 'model' is what the extension inserts; 'model, generated' the beam's own best (retrieval models with reuse only). */
  readonly rows: QualityRow[];
  /** The model's output per pair, in order. */
  readonly predictions: string[];
  /** Outputs that are a similar training function's summary, reused. */
  readonly reused: number;
  /** The model against each baseline under paired bootstrap resampling, per language. */
  readonly bootstrap: BootstrapRow[];
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
  let p: ModelPredictions;
  try {
    p = modelPredictions(runner, pairs, decoding, onProgress);
  } finally {
    runner.dispose();
  }
  const decodeSeconds = (Date.now() - started) / 1000;
  const baselines = baselinePredictions(train, pairs);
  const systems = { model: p.outputs, ...(p.reused > 0 ? { [GENERATED_SYSTEM]: p.generated } : {}), ...baselines };
  const rows = scoreSystems(pairs, systems);
  const bootstrap = bootstrapRows(pairs, systems, 'model', Object.keys(baselines));
  return { rows, predictions: p.outputs, reused: p.reused, bootstrap, decodeSeconds };
}
