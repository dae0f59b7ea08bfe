/**
 * The fine-tuning settings `npm run bench:finetune` compares: the defaults (src/training/job.ts
 * FINE_TUNE_TRAINING with rehearsal), each protection alone, none, a higher learning rate, and
 * the from-scratch settings fine-tuning used before (the problem being fixed).
 */
import type { TrainConfigFile } from '../../src/training/trainConfigFile';
import { DEFAULT_TRAINING, FINE_TUNE_TRAINING } from '../../src/training/trainingDefaults';

export interface Variant {
  readonly config: TrainConfigFile;
}

export const VARIANTS: Readonly<Record<string, Variant>> = {
  defaults: { config: {} },
  'no-protection': { config: { rehearsalShare: 0, training: { l2sp: 0 } } },
  'rehearsal-only': { config: { training: { l2sp: 0 } } },
  'l2sp-only': { config: { rehearsalShare: 0 } },
  /** The defaults with a 3x higher peak learning rate (the same warm-up and decay). */
  'lr-3e-4': { config: { training: { optimizer: { ...FINE_TUNE_TRAINING.optimizer, learningRate: 3e-4 } } } },
  'from-scratch-settings': {
    config: { rehearsalShare: 0, training: { ...DEFAULT_TRAINING, l2sp: 0, evaluateAtStart: false, evalEvery: 200 } },
  },
};
