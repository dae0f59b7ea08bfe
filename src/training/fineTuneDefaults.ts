/**
 * The fine-tuning defaults, in a module of their own that imports no engine code, so the
 * extension host can read them (Fine-tune on Workspace) without loading TensorFlow.js.
 */
import type { TrainerOptions } from './trainer';

/**
 * Fine-tuning a trained model on a small workspace (`initModel`): a rate an order of magnitude
 * below the from-scratch one with a short warm-up and inverse-square-root decay; the starting
 * model evaluated first and every 50 steps on the whole validation split's loss, which picks
 * `best/` and stops early (the starting weights stay `best/` when nothing beats them); L2-SP
 * toward the base weights; rehearsal of base pairs in every batch (FINE_TUNE_REHEARSAL_SHARE).
 * BLEU is still decoded on a few validation pairs for the dashboard's chart, but decides nothing.
 */
export const FINE_TUNE_TRAINING: Omit<TrainerOptions, 'outDir' | 'extraFiles' | 'meta'> = {
  optimizer: { name: 'adam', learningRate: 1e-4 },
  schedule: { kind: 'noam', warmupSteps: 30 },
  maxEpochs: 100,
  clipNorm: 1,
  labelSmoothing: 0.1,
  l2sp: 0.01,
  evaluateAtStart: true,
  evalEvery: 50,
  evalLimit: 30,
  patience: 4,
  stopMetric: 'loss',
};

export const FINE_TUNE_REHEARSAL_SHARE = 0.25;
