/**
 * package.json's `contributes.configuration` defaults are the code's defaults: what a user sees
 * in the Settings editor is what a handler falls back to when the setting is unset.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { DECODING_DEFAULTS } from '../../src/core/decodingDefaults';
import { LEARNING_DEFAULTS } from '../../src/learning/policy';
import {
  FINE_TUNE_JOB_DEFAULTS,
  FINE_TUNE_REHEARSAL_SHARE,
  FINE_TUNE_TRAINING,
} from '../../src/training/trainingDefaults';
import { OPTIMIZER_NAMES } from '../../src/training/optimizers';
import { SCHEDULE_KINDS } from '../../src/training/schedules';

interface Declared {
  default?: unknown;
  type?: unknown;
  enum?: unknown[];
  enumDescriptions?: string[];
  markdownEnumDescriptions?: string[];
  anyOf?: unknown;
  scope?: string;
  description?: string;
  markdownDescription?: string;
}

interface Section {
  title: string;
  properties: Record<string, Declared>;
}

interface Manifest {
  contributes: { configuration: Section[] | Section };
}

function sections(): Section[] {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
  ) as Manifest;
  const groups = manifest.contributes.configuration;
  return Array.isArray(groups) ? groups : [groups];
}

function contributedDefaults(): Record<string, unknown> {
  const properties = Object.assign({}, ...sections().map((g) => g.properties)) as Record<string, Declared>;
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

  it('seq2seq.training.optimizer and lrSchedule offer OPTIMIZER_NAMES and SCHEDULE_KINDS', () => {
    const properties = Object.assign({}, ...sections().map((g) => g.properties)) as Record<string, Declared>;
    assert.deepStrictEqual(properties['seq2seq.training.optimizer']?.enum, [...OPTIMIZER_NAMES]);
    assert.deepStrictEqual(properties['seq2seq.training.lrSchedule']?.enum, [...SCHEDULE_KINDS]);
  });
});

describe('learning settings defaults', () => {
  it('seq2seq.learning.* defaults are LEARNING_DEFAULTS', () => {
    const declared = contributedDefaults();
    const learning = Object.keys(declared).filter((k) => k.startsWith('seq2seq.learning.'));
    assert.deepStrictEqual(
      learning.map((k) => k.slice('seq2seq.learning.'.length)).sort(),
      Object.keys(LEARNING_DEFAULTS).sort(),
    );
    for (const [key, value] of Object.entries(LEARNING_DEFAULTS))
      assert.strictEqual(declared[`seq2seq.learning.${key}`], value, key);
  });
});

describe('settings a person reads', () => {
  const all = sections().flatMap((g) => Object.entries(g.properties).map(([key, v]) => ({ key, v, section: g.title })));

  it('Doc Comment: Format is a dropdown (a plain enum, each value described), settable per language', () => {
    const format = all.find((s) => s.key === 'seq2seq.docComment.format')!.v;
    // anyOf (or an object type) makes the Settings editor show only "Edit in settings.json".
    assert.strictEqual(format.anyOf, undefined);
    assert.strictEqual(format.type, 'string');
    assert.ok(Array.isArray(format.enum) && format.enum.includes('auto') && format.enum.includes('numpy'));
    assert.strictEqual((format.enumDescriptions ?? format.markdownEnumDescriptions)?.length, format.enum.length);
    assert.strictEqual(format.scope, 'language-overridable');
  });

  it('every setting has a description, and every choice one too', () => {
    for (const { key, v } of all) {
      assert.ok((v.description ?? v.markdownDescription ?? '').length > 20, `${key} has no description`);
      if (v.enum) assert.strictEqual((v.enumDescriptions ?? v.markdownEnumDescriptions)?.length, v.enum.length, key);
    }
  });

  it('descriptions avoid jargon and developer instructions', () => {
    const jargon = /GNMT|\balpha\b|L2-SP|npm (run|install)|rehearsal|data-parallel|replica|n-best|logits?\b/i;
    for (const { key, v } of all) {
      const text = [v.description, v.markdownDescription, ...(v.enumDescriptions ?? [])].join(' ');
      assert.doesNotMatch(text, jargon, key);
    }
  });

  it('training and decoding knobs are in the Advanced section, doc comment settings are not', () => {
    const sectionOf = (key: string): string => all.find((s) => s.key === key)!.section;
    for (const key of [
      'seq2seq.decoding.beamSize',
      'seq2seq.decoding.lengthPenalty',
      'seq2seq.decoding.lengthReward',
      'seq2seq.training.learningRate',
      'seq2seq.training.l2sp',
      'seq2seq.training.rehearsalShare',
      'seq2seq.backend',
    ])
      assert.match(sectionOf(key), /Advanced/, key);
    for (const s of all.filter((x) => x.key.startsWith('seq2seq.training.')))
      assert.match(s.section, /Advanced/, s.key);
    for (const s of all.filter((x) => /^seq2seq\.(docComment|codeLens)\./.test(x.key)))
      assert.doesNotMatch(s.section, /Advanced/, s.key);
  });
});
