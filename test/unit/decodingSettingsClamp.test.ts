/**
 * The `seq2seq.decoding.*` settings are clamped to their declared ranges when read: VS Code does
 * not enforce a schema's minimum and maximum, so a settings.json could ask for a beam of 100,000
 * (which ran 25 s into 4 GB before failing) or give a string. What they read as is the decoding
 * every editor request carries.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fake, installFakeVscode } from './helpers/fakeVscode';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
const settings = require('../../src/host/settings') as typeof import('../../src/host/settings');
const { DECODING_DEFAULTS } = require('../../src/core/decoding') as typeof import('../../src/core/decoding');
/* eslint-enable @typescript-eslint/consistent-type-imports */

/** package.json's default of `seq2seq.decoding.<key>`. */
function declaredDefault(key: string): unknown {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown }> }[] };
  };
  const groups = manifest.contributes.configuration;
  return groups.find((g) => `seq2seq.decoding.${key}` in g.properties)?.properties[`seq2seq.decoding.${key}`]?.default;
}

describe('decoding settings are clamped when read', () => {
  beforeEach(() => fake.reset());
  after(() => fake.reset());

  const set = (key: string, value: unknown): void => {
    fake.levels.push({ level: 'workspace', key: `seq2seq.decoding.${key}`, value });
  };

  it('a beam of 100000, an n-best of 1e9 and lengths out of range come back within the declared ranges', () => {
    set('beamSize', 100000);
    set('nBest', 1e9);
    set('maxOutputLength', 1e6);
    set('lengthPenalty', -3);
    set('lengthReward', 1e308);
    const d = settings.decodingSettings();
    assert.strictEqual(d.decoding.beamSize, 16);
    assert.strictEqual(d.candidates, 16);
    assert.strictEqual(d.decoding.maxLength, 512);
    assert.strictEqual(d.decoding.lengthPenalty, 0);
    assert.strictEqual(d.decoding.lengthReward, 2);
  });

  it('a value of the wrong type falls back to the default; fractions of a beam round down', () => {
    set('beamSize', '8');
    set('nBest', 2.7);
    set('lengthReward', 'x');
    const d = settings.decodingSettings();
    assert.strictEqual(d.decoding.beamSize, DECODING_DEFAULTS.beamSize);
    assert.strictEqual(d.candidates, 2);
    assert.ok(!('lengthReward' in d.decoding));
  });

  it("unset: the defaults, package.json's among them", () => {
    const d = settings.decodingSettings();
    assert.strictEqual(d.decoding.beamSize, DECODING_DEFAULTS.beamSize);
    assert.strictEqual(d.decoding.maxLength, DECODING_DEFAULTS.maxLength);
    assert.strictEqual(d.decoding.lengthPenalty, DECODING_DEFAULTS.lengthPenalty);
    assert.strictEqual(d.candidates, settings.DEFAULT_CANDIDATES);
    assert.strictEqual(declaredDefault('nBest'), settings.DEFAULT_CANDIDATES);
    assert.strictEqual(d.showCandidates, declaredDefault('showCandidates'));
  });
});

describe('the decoding an editor request carries', () => {
  beforeEach(() => fake.reset());
  after(() => fake.reset());

  const set = (key: string, value: unknown): void => {
    fake.levels.push({ level: 'workspace', key: `seq2seq.decoding.${key}`, value });
  };

  it("unset: DECODING_DEFAULTS exactly, so the model's tuned reward and reuse apply", () => {
    assert.deepStrictEqual(settings.requestDecoding(), DECODING_DEFAULTS);
    assert.deepStrictEqual(settings.requestDecoding(), { beamSize: 4, nBest: 1, maxLength: 64, lengthPenalty: 0.6 });
  });

  it('the settings as set: a reward, reuse off, and the candidates only when they are shown', () => {
    set('beamSize', 6);
    set('maxOutputLength', 40);
    set('lengthPenalty', 1);
    set('lengthReward', 0.5);
    set('reuseSimilarSummaries', false);
    set('nBest', 5);
    const expected = {
      beamSize: 6,
      nBest: 1,
      maxLength: 40,
      lengthPenalty: 1,
      lengthReward: 0.5,
      reuseSimilarity: null,
    };
    assert.deepStrictEqual(settings.requestDecoding(), expected);
    set('showCandidates', true);
    assert.deepStrictEqual(settings.requestDecoding(), { ...expected, nBest: 5 });
  });

  it("a command's own number of candidates wins over the settings'", () => {
    set('showCandidates', true);
    const s = settings.decodingSettings();
    assert.strictEqual(settings.requestDecoding(s).nBest, settings.DEFAULT_CANDIDATES);
    assert.strictEqual(settings.requestDecoding(s, 1).nBest, 1);
    assert.deepStrictEqual(settings.requestDecoding(s, 4), { ...DECODING_DEFAULTS, nBest: 4 });
  });
});
