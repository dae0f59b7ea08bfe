/**
 * package.json's `contributes.configuration` defaults are the code's defaults: what a user sees
 * in the Settings editor is what a handler falls back to when the setting is unset. Every setting
 * is in src/host/settingDefaults.ts's SETTING_DEFAULTS, and each dropdown offers the choices the
 * readers accept.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { BACKEND_SETTINGS } from '../../src/core/backendSetting';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { LANGUAGE_FORMATS, resolveSections } from '../../src/docComments/formats';
import {
  CODE_LENS_FUNCTIONS,
  PARAMETER_DESCRIPTION_SOURCES,
  PYTHON_INIT_ARGUMENTS,
  SETTING_DEFAULTS,
} from '../../src/host/settingDefaults';
import { LEARNING_MODES } from '../../src/learning/policy';
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

  it('seq2seq.decoding.* defaults are DECODING_DEFAULTS', () => {
    assert.strictEqual(declared['seq2seq.decoding.beamSize'], DECODING_DEFAULTS.beamSize);
    assert.strictEqual(declared['seq2seq.decoding.maxOutputLength'], DECODING_DEFAULTS.maxLength);
    assert.strictEqual(declared['seq2seq.decoding.lengthPenalty'], DECODING_DEFAULTS.lengthPenalty);
  });
});

describe('every setting', () => {
  const properties = Object.assign({}, ...sections().map((g) => g.properties)) as Record<string, Declared>;

  it('package.json declares exactly the settings of SETTING_DEFAULTS, each with its default', () => {
    const declared = contributedDefaults();
    assert.deepStrictEqual(Object.keys(declared).sort(), Object.keys(SETTING_DEFAULTS).sort());
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) assert.deepStrictEqual(declared[key], value, key);
  });

  it("each dropdown offers the choices the code checks against, in the code's order", () => {
    const choices: Record<string, readonly string[]> = {
      'seq2seq.backend': BACKEND_SETTINGS,
      'seq2seq.training.optimizer': OPTIMIZER_NAMES,
      'seq2seq.training.lrSchedule': SCHEDULE_KINDS,
      'seq2seq.learning.mode': LEARNING_MODES,
      'seq2seq.docComment.parameterDescriptions': PARAMETER_DESCRIPTION_SOURCES,
      'seq2seq.docComment.pythonInitArguments': PYTHON_INIT_ARGUMENTS,
      'seq2seq.codeLens.functions': CODE_LENS_FUNCTIONS,
    };
    for (const [key, values] of Object.entries(choices))
      assert.deepStrictEqual(properties[key]?.enum, [...values], key);
    // The format: `auto` and every format some language accepts.
    const formats = new Set(Object.values(LANGUAGE_FORMATS).flat());
    assert.deepStrictEqual([...properties['seq2seq.docComment.format']!.enum!].sort(), ['auto', ...formats].sort());
    // The sections: each choice resolves to itself.
    const sectionChoices = properties['seq2seq.docComment.sections']!.enum!;
    for (const v of sectionChoices) assert.strictEqual(resolveSections(v), v);
    const checked = [...Object.keys(choices), 'seq2seq.docComment.format', 'seq2seq.docComment.sections'];
    const dropdowns = Object.keys(properties).filter((k) => properties[k]!.enum);
    assert.deepStrictEqual(dropdowns.sort(), checked.sort());
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
