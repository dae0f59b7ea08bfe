/**
 * A model's code→comment outputs on corpus pairs, decoded through the runner the extension uses:
 * what `npm run bench:quality` (projectBenchmark.ts) and the choice of checkpoint and decoding
 * (modelSelection.ts) score with src/training/quality.ts.
 */
import { DECODING_DEFAULTS } from '../core/decoding';
import type { CorpusRecord } from '../data/dataset';
import type { ModelRunner, WorkspaceNeighbours } from '../inference/modelRunner';

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
