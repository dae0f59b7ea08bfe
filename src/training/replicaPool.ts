/**
 * Data-parallel gradients: the trainer's model is replica 0 and `threads - 1` gradient workers
 * (gradientWorker.ts) hold the others. Each batch is split by rows; every replica computes the
 * gradients of its share at the same time (replica 0 on the trainer's thread) and the trainer
 * combines them weighted by target tokens, which gives the whole batch's gradient.
 *
 * Only the trainer applies the update (its optimizer, schedule and checkpoints are the only
 * ones); it then publishes the new weights into shared memory and every worker loads them
 * before its next share. This keeps the replicas bit-identical by construction, needs no
 * optimizer state in the workers (so checkpoints and resume are those of one thread), and costs
 * one copy of the weights per worker and step. `verify` proves it: it compares a checksum of
 * every replica's weights with the trainer's and throws when one differs.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';

import type { Batch } from '../core/batch';
import type { BackendName } from '../core/backendSetting';
import type { Seq2SeqModel } from '../core/model';
import { flatSize, readFlat, weightsChecksum, writeFlat } from './flatWeights';
import { batchGradients, splitBatch, type ShareGradients } from './gradients';
import type { ReplicaInit, ReplicaReply, ReplicaRequest } from './replicaProtocol';

/** The compiled worker beside this module (out/src/training, or dist/ in the bundles). */
const WORKER_SCRIPT = path.join(__dirname, 'gradientWorker.js');

/** Replicas' weights differ from the trainer's: the run must stop. */
export class ReplicaDriftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaDriftError';
  }
}

/** One gradient worker; one request at a time. */
class Replica {
  private pending: { resolve: (m: ReplicaReply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private closing = false;
  readonly ready: Promise<ReplicaReply>;

  constructor(
    readonly index: number,
    private readonly worker: Worker,
    readonly gradients: Float32Array,
  ) {
    this.ready = new Promise((resolve, reject) => (this.pending = { resolve, reject }));
    worker.on('message', (m: ReplicaReply) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (m.type === 'error') p.reject(new Error(`gradient worker ${index}: ${m.message}`));
      else p.resolve(m);
    });
    worker.on('error', (e) => this.fail(new Error(`gradient worker ${index} failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`gradient worker ${index} stopped unexpectedly (exit code ${code})`));
    });
  }

  request(m: ReplicaRequest): Promise<ReplicaReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error(`gradient worker ${this.index} is busy`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(m);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }
}

export interface ReplicaPoolOptions {
  /** Replicas in all, the trainer's included (at least 2 for a pool). */
  readonly threads: number;
  readonly labelSmoothing: number;
}

export class ReplicaPool {
  private version = 0;

  private constructor(
    private readonly model: Seq2SeqModel,
    private readonly replicas: readonly Replica[],
    private readonly weights: Float32Array,
    private readonly labelSmoothing: number,
  ) {}

  /** Starts `threads - 1` workers holding `model`'s current weights; resolves once all are ready. */
  static async start(model: Seq2SeqModel, options: ReplicaPoolOptions): Promise<ReplicaPool> {
    const size = flatSize(model.variables);
    const shared = new SharedArrayBuffer(size * 4);
    const weights = new Float32Array(shared);
    writeFlat(model.variables, weights);
    const replicas: Replica[] = [];
    for (let k = 1; k < options.threads; k++) {
      const gradients = new SharedArrayBuffer(size * 4);
      const init: ReplicaInit = {
        backend: tf.getBackend() as BackendName,
        config: model.config,
        // A different seed per replica: dropout masks must not repeat across the shares.
        seed: 7919 * k,
        labelSmoothing: options.labelSmoothing,
        weights: shared,
        gradients,
      };
      replicas.push(new Replica(k, new Worker(WORKER_SCRIPT, { workerData: init }), new Float32Array(gradients)));
    }
    try {
      await Promise.all(replicas.map((r) => r.ready));
    } catch (e) {
      await Promise.all(replicas.map((r) => r.close()));
      throw e;
    }
    return new ReplicaPool(model, replicas, weights, options.labelSmoothing);
  }

  /** Replicas in all, the trainer's included. */
  get threads(): number {
    return this.replicas.length + 1;
  }

  /** Gradients of each share of `batch` (the caller owns them), computed on every replica at once. */
  async gradients(batch: Batch): Promise<ShareGradients[]> {
    const shares = splitBatch(batch, this.threads);
    const replies = shares
      .slice(1)
      .map((b, i) => this.replicas[i]!.request({ type: 'gradients', version: this.version, batch: b }));
    let own: ShareGradients;
    try {
      own = batchGradients(this.model, shares[0]!, this.labelSmoothing);
    } catch (e) {
      await Promise.allSettled(replies);
      throw e;
    }
    const settled = await Promise.allSettled(replies);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      tf.dispose(own.grads);
      throw failed.reason;
    }
    const others = settled.map((r, i) => {
      const m = (r as PromiseFulfilledResult<ReplicaReply>).value;
      if (m.type !== 'gradients') throw new Error(`gradient worker ${i + 1} answered ${m.type} to gradients`);
      const { loss, nll, correct, tokens } = m;
      return { loss, nll, correct, tokens, grads: readFlat(this.replicas[i]!.gradients, this.model.variables) };
    });
    return [own, ...others];
  }

  /** Makes the trainer's current weights the ones every worker uses from its next request. */
  publish(): void {
    writeFlat(this.model.variables, this.weights);
    this.version++;
  }

  /** Throws a {@link ReplicaDriftError} unless every replica's weights equal the trainer's bit for bit. */
  async verify(step: number): Promise<void> {
    const mine = weightsChecksum(this.model.variables);
    const replies = await Promise.all(this.replicas.map((r) => r.request({ type: 'checksum', version: this.version })));
    replies.forEach((m, i) => {
      const theirs = m.type === 'checksum' ? m.checksum : `(${m.type})`;
      if (theirs !== mine)
        throw new ReplicaDriftError(
          `data-parallel training stopped at step ${step}: the weights of replica ${i + 1} differ from the trainer's ` +
            `(checksum ${theirs.slice(0, 12)} vs ${mine.slice(0, 12)}). The last checkpoint is intact; ` +
            'resume with one thread (threads 1) and report this.',
        );
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.close()));
  }
}
