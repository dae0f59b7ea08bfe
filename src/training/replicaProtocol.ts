/**
 * The messages between the trainer (replica 0) and its gradient workers (replicas 1..N-1), declared
 * once for both sides. Weights and gradients never travel in messages: they live in
 * SharedArrayBuffers laid out as the model's variables one after another (flatWeights.ts); a
 * message only says which weights version to load and which share of the batch to work on.
 */
import type { Batch } from '../core/batch';
import type { BackendName } from '../core/backendSetting';
import type { ModelConfig } from '../core/config';
import type { ShareStats } from './gradients';
import { checkedLater, instanceOf, number, object, oneOf, type Check } from '../files/schema';

/** `workerData` of a gradient worker. */
export interface ReplicaInit {
  /** The trainer's backend; the worker refuses to run on another (its kernels would differ). */
  readonly backend: BackendName;
  readonly config: ModelConfig;
  /** Seed of the replica's model (its dropout masks); its weights come from `weights`. */
  readonly seed: number;
  readonly labelSmoothing: number;
  /** float32, the trainer's weights after its latest update. */
  readonly weights: SharedArrayBuffer;
  /** float32, this worker's gradients of its latest share. */
  readonly gradients: SharedArrayBuffer;
}

/** The check a gradient worker runs on its start data (the model config is checked when it is built). */
export const REPLICA_INIT: Check<ReplicaInit> = object({
  backend: oneOf('tensorflow', 'wasm', 'cpu'),
  config: checkedLater<ModelConfig>(),
  seed: number,
  labelSmoothing: number,
  weights: instanceOf(SharedArrayBuffer),
  gradients: instanceOf(SharedArrayBuffer),
});

/** Trainer -> worker. Every request first loads the weights when `version` is new to the worker. */
export type ReplicaRequest =
  | { readonly type: 'gradients'; readonly version: number; readonly batch: Batch }
  | { readonly type: 'checksum'; readonly version: number };

/** Worker -> trainer. */
export type ReplicaReply =
  | { readonly type: 'ready' }
  | ({ readonly type: 'gradients' } & ShareStats)
  | { readonly type: 'checksum'; readonly checksum: string }
  | { readonly type: 'error'; readonly message: string };
