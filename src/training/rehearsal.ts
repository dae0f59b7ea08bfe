/**
 * Rehearsal for fine-tuning: each training batch mixes a share of pairs from the base model's own
 * corpus with the workspace's pairs, so the gradient keeps reminding the model of what it knew
 * (experience replay against catastrophic forgetting). A model can ship a sample of its training
 * pairs beside its weights as `rehearsal.jsonl` (ordinary corpus records); `memory.json` holds
 * summaries and identifier pieces but not the code, so it cannot serve as a source.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { Batch } from '../core/batch';
import { collate, readCorpus, type CorpusRecord, type Example } from '../mining/dataset';
import { REHEARSAL_FILE } from '../modelFolder/format';
import { seededRandom, shuffleInPlace } from '../mining/random';

/** The base-corpus sample shipped beside a model, or none. */
export async function readRehearsalSample(modelDir: string): Promise<CorpusRecord[]> {
  const file = path.join(modelDir, REHEARSAL_FILE);
  return fs.existsSync(file) ? readCorpus(file) : [];
}

export interface MixOptions {
  readonly batchSize: number;
  readonly seed: number;
  /** Share of each batch taken from `rehearsal`, in [0, 1). 0: workspace pairs only. */
  readonly share: number;
}

/** Rehearsal examples per batch for a batch size and share (at least one when the share is positive). */
export function rehearsalPerBatch(batchSize: number, share: number): number {
  if (!(share >= 0 && share < 1)) throw new Error(`rehearsal share must be in [0, 1), got ${share}`);
  if (share === 0) return 0;
  return Math.min(batchSize - 1, Math.max(1, Math.round(batchSize * share)));
}

/**
 * Seeded batches covering every workspace example once, each of them topped up with rehearsal
 * examples drawn in a shuffled cycle (so an epoch of a small workspace sees a fresh slice of the
 * base sample). Without rehearsal examples or with share 0 the batches are workspace-only.
 */
export function mixedBatches(workspace: readonly Example[], rehearsal: readonly Example[], o: MixOptions): Batch[] {
  const k = rehearsal.length > 0 ? rehearsalPerBatch(o.batchSize, o.share) : 0;
  const random = seededRandom(o.seed);
  const own = shuffleInPlace(workspace.slice(), random);
  const replay = shuffleInPlace(rehearsal.slice(), random);
  const per = o.batchSize - k;
  const batches: Batch[] = [];
  let next = (o.seed * 131) % Math.max(1, replay.length);
  for (let i = 0; i < own.length; i += per) {
    const batch = own.slice(i, i + per);
    for (let j = 0; j < k; j++) {
      batch.push(replay[next]!);
      next = (next + 1) % replay.length;
    }
    batches.push(collate(batch));
  }
  return batches;
}
