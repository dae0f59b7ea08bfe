/**
 * Checkpoints a run can resume from: the model folder of src/modelFolder/checkpoint.ts plus
 * `optimizer.bin` / `optimizer.json` (the optimizer's slot variables from `getWeights()`, in the
 * model's variable order, in the TensorFlow.js weights format) and `trainState.json` (step,
 * epoch, position in the epoch, early-stopping and schedule state). Everything goes into one
 * atomic folder write, so a crash leaves the previous checkpoint whole.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import type { SaveHooks } from '../modelFolder/atomicFolder';
import {
  MAX_WEIGHTS_BYTES,
  loadModel,
  nonFiniteWeight,
  recoverModelFolder,
  saveModel,
  type ModelMeta,
  type ModelMetaInput,
} from '../modelFolder/checkpoint';
import { openGuardedSync, readGuardedJsonSync, readGuardedSync, type GuardOptions } from '../files/guardedRead';
import { OPTIMIZER_SPECS_FILE, TRAIN_STATE_FILE } from '../modelFolder/format';
import type { Seq2SeqModel } from '../core/model';
import type { ScheduleState } from './schedules';

export const OPTIMIZER_WEIGHTS_FILE = 'optimizer.bin';

export interface TrainState {
  /** Optimizer steps taken. */
  readonly step: number;
  /** Epoch in progress (0-based). */
  readonly epoch: number;
  /** Micro-batches of that epoch already consumed. */
  readonly batchInEpoch: number;
  readonly bestMetric: number | null;
  readonly evaluationsWithoutImprovement: number;
  readonly schedule: ScheduleState;
  readonly elapsedMs: number;
  /**
   * The step at which this run's optimizer started with fresh moments in the middle of a schedule
   * (a continued run): the learning rate ramps up again from there ({@link TrainerOptions.rewarmSteps}).
   */
  readonly rewarmFrom?: number;
  /** The options the run started with, for the record (JSON). */
  readonly options?: unknown;
}

/** The state of a run that has not taken a step yet (`step` set only by tests of saved copies). */
export function initialTrainState(step = 0): TrainState {
  return {
    step,
    epoch: 0,
    batchInEpoch: 0,
    bestMetric: null,
    evaluationsWithoutImprovement: 0,
    schedule: {},
    elapsedMs: 0,
  };
}

interface OptimizerSpecs {
  readonly optimizer: string;
  readonly specs: tf.io.WeightsManifestEntry[];
  /**
   * Running products the optimizer keeps outside `getWeights()` (Adam's and Adamax's beta powers),
   * as float32 values. TensorFlow.js's `setWeights` recomputes them as `pow(beta, step + 1)`, which
   * differs in the last bits from the product kept while training, so a resumed run would drift
   * from an unbroken one; restoring the saved values makes resume exact.
   */
  readonly accumulators?: Record<string, number>;
}

/** Fields of tfjs optimizers that hold state `getWeights()` leaves out. */
const ACCUMULATOR_FIELDS = ['accBeta1', 'accBeta2'] as const;

function accumulatorsOf(optimizer: tf.Optimizer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field of ACCUMULATOR_FIELDS) {
    const v = (optimizer as unknown as Record<string, unknown>)[field];
    if (v instanceof tf.Variable) out[field] = v.dataSync()[0]!;
  }
  return out;
}

function restoreAccumulators(optimizer: tf.Optimizer, saved: Record<string, number> | undefined): void {
  for (const [field, value] of Object.entries(saved ?? {})) {
    const v = (optimizer as unknown as Record<string, unknown>)[field];
    if (v instanceof tf.Variable) tf.tidy(() => v.assign(tf.scalar(value)));
  }
}

/** Saves model + optimizer + state into `dir` atomically. `extraFiles` e.g. the tokenizer. */
export async function saveTrainCheckpoint(
  dir: string,
  model: Seq2SeqModel,
  optimizer: tf.Optimizer,
  state: TrainState,
  meta: ModelMetaInput,
  extraFiles: Record<string, string | Uint8Array> = {},
  hooks?: SaveHooks,
): Promise<void> {
  const slots = await optimizer.getWeights();
  // Names become positional and stable (the tf variable names carry an instance prefix).
  const named: tf.NamedTensorMap = {};
  slots.forEach((s, i) => (named[`${String(i).padStart(5, '0')}`] = s.tensor));
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() makes a fresh scalar for the step count; the other slots are the optimizer's own.
  for (const s of slots) if (!(s.tensor instanceof tf.Variable)) s.tensor.dispose();
  const specFile: OptimizerSpecs = {
    optimizer: optimizer.getClassName(),
    specs,
    accumulators: accumulatorsOf(optimizer),
  };
  await saveModel(model, dir, meta, {
    extraFiles: {
      ...extraFiles,
      [OPTIMIZER_WEIGHTS_FILE]: new Uint8Array(data),
      [OPTIMIZER_SPECS_FILE]: JSON.stringify(specFile),
      [TRAIN_STATE_FILE]: JSON.stringify(state, null, 2),
    },
    ...(hooks ? { hooks } : {}),
  });
}

/** True when `dir` holds a resumable checkpoint (after putting back one a crashed save left aside). */
export function isTrainCheckpoint(dir: string): boolean {
  recoverModelFolder(dir);
  return fs.existsSync(path.join(dir, TRAIN_STATE_FILE)) && fs.existsSync(path.join(dir, OPTIMIZER_SPECS_FILE));
}

/** The most bytes trainState.json and optimizer.json may have (a few KiB when written here). */
export const MAX_TRAIN_STATE_BYTES = 4 * 1024 * 1024;
/** The most bytes optimizer.bin may have: up to three slots per weight (Adam's two moments, Adamax's...). */
export const MAX_OPTIMIZER_BYTES = 3 * MAX_WEIGHTS_BYTES;

/** A run folder's file, read as a plain file (no link, device or pipe) and named by its path. */
const runFileGuard = (dir: string, name: string, maxBytes: number): GuardOptions => ({
  maxBytes,
  noFollow: true,
  name: path.join(dir, name),
  advice: 'The checkpoint is damaged: resume from a copy of the run folder, or train again without --resume.',
});

const count = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The fields of trainState.json the trainer relies on, or the first one that is wrong. */
function trainStateProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'it does not hold an object';
  const s = v as Record<string, unknown>;
  for (const k of ['step', 'epoch', 'batchInEpoch', 'evaluationsWithoutImprovement'] as const)
    if (!count(s[k])) return `"${k}" is not a whole number`;
  if (!(typeof s.elapsedMs === 'number' && Number.isFinite(s.elapsedMs) && s.elapsedMs >= 0))
    return '"elapsedMs" is not a time';
  if (s.bestMetric !== null && !(typeof s.bestMetric === 'number' && Number.isFinite(s.bestMetric)))
    return '"bestMetric" is not a number';
  if (typeof s.schedule !== 'object' || s.schedule === null) return '"schedule" is not an object';
  return undefined;
}

/** Bytes a weights-format entry takes (float32 and int32: 4, bool: 1); undefined for others. */
function specBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const s of specs) {
    if (!Array.isArray(s?.shape) || s.quantization) return undefined;
    const size = s.shape.reduce((a, b) => a * b, 1);
    const width = s.dtype === 'float32' || s.dtype === 'int32' ? 4 : s.dtype === 'bool' ? 1 : undefined;
    if (width === undefined || !Number.isInteger(size) || size < 0) return undefined;
    total += size * width;
  }
  return total;
}

/**
 * What identifies a corpus file cheaply: its size and a hash of its first and last MiB. A run
 * records it; resuming on a file with another fingerprint is warned about.
 */
export function corpusFingerprint(file: string): string | undefined {
  const part = 1024 * 1024;
  let opened: { fd: number; size: number };
  try {
    opened = openGuardedSync(file, { maxBytes: Number.MAX_SAFE_INTEGER });
  } catch {
    return undefined;
  }
  const { fd, size } = opened;
  try {
    const hash = crypto.createHash('sha256');
    for (const start of size > 2 * part ? [0, size - part] : [0]) {
      const buffer = Buffer.alloc(Math.min(size, size > 2 * part ? part : size));
      const n = fs.readSync(fd, buffer, 0, buffer.length, start);
      hash.update(buffer.subarray(0, n));
    }
    return `${size}:${hash.digest('hex').slice(0, 16)}`;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Loads a checkpoint written by {@link saveTrainCheckpoint}; restores `optimizer` in place. */
export async function loadTrainCheckpoint(
  dir: string,
  optimizer: (model: Seq2SeqModel) => tf.Optimizer,
): Promise<{ model: Seq2SeqModel; meta: ModelMeta; optimizer: tf.Optimizer; state: TrainState }> {
  if (!isTrainCheckpoint(dir)) {
    throw new Error(
      `${dir} is not a resumable checkpoint (no ${TRAIN_STATE_FILE}); train without --resume or point at a run's "last" folder.`,
    );
  }
  const { model, meta } = await loadModel(dir);
  try {
    const stateFile = path.join(dir, TRAIN_STATE_FILE);
    const state = readGuardedJsonSync(
      stateFile,
      runFileGuard(dir, TRAIN_STATE_FILE, MAX_TRAIN_STATE_BYTES),
    ) as TrainState;
    const stateProblem = trainStateProblem(state);
    if (stateProblem)
      throw new Error(
        `${stateFile} is not a valid training state (${stateProblem}); the checkpoint is damaged. Train again without --resume.`,
      );
    const specsFile = path.join(dir, OPTIMIZER_SPECS_FILE);
    const specFile = readGuardedJsonSync(
      specsFile,
      runFileGuard(dir, OPTIMIZER_SPECS_FILE, MAX_TRAIN_STATE_BYTES),
    ) as OptimizerSpecs;
    const expected = Array.isArray(specFile?.specs) ? specBytes(specFile.specs) : undefined;
    if (typeof specFile?.optimizer !== 'string' || expected === undefined)
      throw new Error(
        `${specsFile} does not describe an optimizer state; the checkpoint is damaged. Train again without --resume.`,
      );
    const opt = optimizer(model);
    if (specFile.optimizer !== opt.getClassName()) {
      throw new Error(
        `the checkpoint's optimizer is ${specFile.optimizer} but this run uses ${opt.getClassName()}; resume with the same optimizer.`,
      );
    }
    const binFile = path.join(dir, OPTIMIZER_WEIGHTS_FILE);
    if (expected > MAX_OPTIMIZER_BYTES)
      throw new Error(`${specsFile} describes more optimizer state than this engine holds; the checkpoint is damaged.`);
    // The size the specs give is the limit: a longer file is refused unread, a shorter one named.
    const bytes = readGuardedSync(binFile, runFileGuard(dir, OPTIMIZER_WEIGHTS_FILE, expected));
    if (bytes.length !== expected)
      throw new Error(
        `${binFile} has ${bytes.length} bytes, expected ${expected} (truncated); the checkpoint is damaged. Train again without --resume.`,
      );
    const decoded = tf.io.decodeWeights(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      specFile.specs,
    );
    const bad = nonFiniteWeight(decoded);
    if (bad !== undefined) {
      tf.dispose(Object.values(decoded));
      throw new Error(
        `${binFile} holds NaN or infinite values (slot ${bad}): the run had diverged when it was saved. ` +
          'Resume from an earlier copy of the run folder, or train again (with a lower learning rate) without --resume.',
      );
    }
    const names = Object.keys(decoded).sort();
    // setWeights takes ownership of copies (it wraps each in a variable); free the decoded ones after.
    await opt.setWeights(names.map((n) => ({ name: n, tensor: decoded[n]! })));
    tf.dispose(Object.values(decoded));
    restoreAccumulators(opt, specFile.accumulators);
    return { model, meta, optimizer: opt, state };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
