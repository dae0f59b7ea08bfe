/**
 * Checkpoints a run can resume from: the model folder of src/core/checkpoint.ts plus
 * `optimizer.bin` / `optimizer.json` (the optimizer's slot variables from `getWeights()`, in the
 * model's variable order, in the TensorFlow.js weights format) and `trainState.json` (step,
 * epoch, position in the epoch, early-stopping and schedule state). Everything goes into one
 * atomic folder write, so a crash leaves the previous checkpoint whole.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import type { SaveHooks } from '../core/atomicFolder';
import { loadModel, recoverModelFolder, saveModel, type ModelMeta, type ModelMetaInput } from '../core/checkpoint';
import { OPTIMIZER_SPECS_FILE, TRAIN_STATE_FILE } from '../data/modelFolder';
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
    const state = JSON.parse(fs.readFileSync(path.join(dir, TRAIN_STATE_FILE), 'utf8')) as TrainState;
    const specFile = JSON.parse(fs.readFileSync(path.join(dir, OPTIMIZER_SPECS_FILE), 'utf8')) as OptimizerSpecs;
    const opt = optimizer(model);
    if (specFile.optimizer !== opt.getClassName()) {
      throw new Error(
        `the checkpoint's optimizer is ${specFile.optimizer} but this run uses ${opt.getClassName()}; resume with the same optimizer.`,
      );
    }
    const bytes = fs.readFileSync(path.join(dir, OPTIMIZER_WEIGHTS_FILE));
    const decoded = tf.io.decodeWeights(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      specFile.specs,
    );
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
