/**
 * package.json's `contributes.configuration` defaults are the code's defaults: what a user sees
 * in the Settings editor is what a handler falls back to when the setting is unset.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { DECODING_DEFAULTS } from '../../src/core/decodingDefaults';
import {
  FINE_TUNE_JOB_DEFAULTS,
  FINE_TUNE_REHEARSAL_SHARE,
  FINE_TUNE_TRAINING,
} from '../../src/training/trainingDefaults';

interface Manifest {
  contributes: {
    configuration:
      { properties: Record<string, { default?: unknown }> }[] | { properties: Record<string, { default?: unknown }> };
  };
}

function contributedDefaults(): Record<string, unknown> {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
  ) as Manifest;
  const groups = manifest.contributes.configuration;
  const properties = Object.assign(
    {},
    ...(Array.isArray(groups) ? groups : [groups]).map((g) => g.properties),
  ) as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v.default]));
}

describe('settings defaults', () => {
  const declared = contributedDefaults();
  const schedule = FINE_TUNE_TRAINING.schedule;

  it('seq2seq.decoding.* defaults are DECODING_DEFAULTS', () => {
    assert.strictEqual(declared['seq2seq.decoding.beamSize'], DECODING_DEFAULTS.beamSize);
    assert.strictEqual(declared['seq2seq.decoding.maxOutputLength'], DECODING_DEFAULTS.maxLength);
    assert.strictEqual(declared['seq2seq.decoding.lengthPenalty'], DECODING_DEFAULTS.lengthPenalty);
    assert.strictEqual(declared['seq2seq.decoding.nBest'], DECODING_DEFAULTS.nBest);
  });

  it('seq2seq.training.* defaults are the fine-tuning defaults', () => {
    const expected: Record<string, unknown> = {
      optimizer: FINE_TUNE_TRAINING.optimizer.name,
      learningRate: FINE_TUNE_TRAINING.optimizer.learningRate,
      lrSchedule: schedule?.kind,
      warmupSteps: schedule?.kind === 'noam' ? schedule.warmupSteps : undefined,
      batchSize: FINE_TUNE_JOB_DEFAULTS.batchSize,
      epochs: FINE_TUNE_TRAINING.maxEpochs,
      maxSteps: FINE_TUNE_JOB_DEFAULTS.maxSteps,
      labelSmoothing: FINE_TUNE_TRAINING.labelSmoothing,
      weightDecay: FINE_TUNE_JOB_DEFAULTS.weightDecay,
      clipNorm: FINE_TUNE_TRAINING.clipNorm,
      evalEvery: FINE_TUNE_TRAINING.evalEvery,
      patience: FINE_TUNE_TRAINING.patience,
      l2sp: FINE_TUNE_TRAINING.l2sp,
      rehearsalShare: FINE_TUNE_REHEARSAL_SHARE,
      seed: FINE_TUNE_JOB_DEFAULTS.seed,
      threads: FINE_TUNE_JOB_DEFAULTS.threads,
    };
    const training = Object.keys(declared).filter((k) => k.startsWith('seq2seq.training.'));
    assert.deepStrictEqual(
      training.map((k) => k.slice('seq2seq.training.'.length)).sort(),
      Object.keys(expected).sort(),
    );
    for (const [key, value] of Object.entries(expected))
      assert.strictEqual(declared[`seq2seq.training.${key}`], value, key);
  });
});
