/**
 * A model's code→comment outputs on corpus pairs, decoded through the runner the extension uses:
 * what `npm run bench:quality` (projectBenchmark.ts) and the choice of checkpoint and decoding
 * (modelSelection.ts) score with src/training/quality.ts.
 */
import { DECODING_DEFAULTS, type Decoding } from '../core/decoding';
import type { CorpusRecord } from '../mining/dataset';
import type { ModelRunner, WorkspaceNeighbours } from '../inference/modelRunner';

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
  decoding: Decoding = DECODING_DEFAULTS,
  onProgress?: (done: number) => void,
  workspaceOf?: WorkspaceOf,
): ModelPredictions {
  const outputs: string[] = [];
  const generated: string[] = [];
  let reused = 0;
  test.forEach((r, i) => {
    // Two candidates, whatever `decoding` says: when the first is a reused summary, the second is the beam's best.
    const t = runner.translate(
      { direction: 'code2doc', text: r.code, language: r.lang, decoding: { ...decoding, nBest: 2 } },
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
