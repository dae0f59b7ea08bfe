/**
 * The `seq2seq.decoding.*` settings are clamped to their declared ranges when read: VS Code does
 * not enforce a schema's minimum and maximum, so a settings.json could ask for a beam of 100,000
 * (which ran 25 s into 4 GB before failing) or give a string.
 */
import * as assert from 'assert';
import { fake, installFakeVscode } from './helpers/fakeVscode';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
const settings = require('../../src/host/settings') as typeof import('../../src/host/settings');
const { DECODING_DEFAULTS } = require('../../src/core/decoding') as typeof import('../../src/core/decoding');
/* eslint-enable @typescript-eslint/consistent-type-imports */

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
    assert.strictEqual(d.beamSize, 16);
    assert.strictEqual(d.nBest, 16);
    assert.strictEqual(d.maxOutputLength, 512);
    assert.strictEqual(d.lengthPenalty, 0);
    assert.strictEqual(d.lengthReward, 2);
  });

  it('a value of the wrong type falls back to the default; fractions of a beam round down', () => {
    set('beamSize', '8');
    set('nBest', 2.7);
    set('lengthReward', 'x');
    const d = settings.decodingSettings();
    assert.strictEqual(d.beamSize, DECODING_DEFAULTS.beamSize);
    assert.strictEqual(d.nBest, 2);
    assert.strictEqual(d.lengthReward, undefined);
  });

  it('unset: the defaults', () => {
    const d = settings.decodingSettings();
    assert.strictEqual(d.beamSize, DECODING_DEFAULTS.beamSize);
    assert.strictEqual(d.nBest, DECODING_DEFAULTS.nBest);
    assert.strictEqual(d.maxOutputLength, DECODING_DEFAULTS.maxLength);
    assert.strictEqual(d.lengthPenalty, DECODING_DEFAULTS.lengthPenalty);
    assert.strictEqual(d.lengthReward, undefined);
  });
});
