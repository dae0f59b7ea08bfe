/**
 * The training step of `bench:engine` on wasm, taken the way the trainer takes it: the gradients
 * of every share of the batch (one per worker, src/training/replicaPool.ts, the first on this
 * thread), their token-weighted mean, clipping, the Adam update and the publication of the
 * weights to the workers. With one worker there is no pool and no publication. Each phase is
 * timed so that a shortfall in scaling can be traced.
 */
import * as tf from '@tensorflow/tfjs';

import type { Batch } from '../../src/core/batch';
import type { Seq2SeqModel } from '../../src/core/model';
import { batchGradients, splitBatch } from '../../src/training/gradients';
import { GradientAccumulator, applyGradients, clipByGlobalNorm } from '../../src/training/optimizers';
import { ReplicaPool } from '../../src/training/replicaPool';

const LABEL_SMOOTHING = 0.1;

/** Milliseconds per phase of one step. */
export interface StepPhases {
  /** Every share's gradients, waiting for the slowest replica. */
  gradientsMs: number;
  /** Mean, clipping, optimizer update and publishing the weights. */
  updateMs: number;
}

export class DataParallelStep {
  private constructor(
    private readonly model: Seq2SeqModel,
    private readonly optimizer: tf.Optimizer,
    private readonly pool: ReplicaPool | null,
  ) {}

  static async start(model: Seq2SeqModel, workers: number): Promise<DataParallelStep> {
    const pool =
      workers > 1 ? await ReplicaPool.start(model, { threads: workers, labelSmoothing: LABEL_SMOOTHING }) : null;
    return new DataParallelStep(model, tf.train.adam(1e-3), pool);
  }

  async step(batch: Batch): Promise<StepPhases> {
    const t0 = performance.now();
    const shares = this.pool ? await this.pool.gradients(batch) : [batchGradients(this.model, batch, LABEL_SMOOTHING)];
    const t1 = performance.now();
    const acc = new GradientAccumulator();
    for (const s of shares) acc.add(s.grads, s.tokens);
    applyGradients(this.optimizer, this.model.variables, clipByGlobalNorm(acc.take(), 1).grads);
    this.pool?.publish();
    // Wait for the update's kernels so that the phase holds their time.
    this.model.variables[0]!.dataSync();
    return { gradientsMs: t1 - t0, updateMs: performance.now() - t1 };
  }

  /** Milliseconds of the first share's gradients computed alone on this thread (the ideal step's work). */
  shareAloneMs(batch: Batch, workers: number): number {
    const share = splitBatch(batch, workers)[0]!;
    const t0 = performance.now();
    tf.dispose(batchGradients(this.model, share, LABEL_SMOOTHING).grads);
    return performance.now() - t0;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.optimizer.dispose();
  }
}
