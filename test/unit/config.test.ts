/** ModelConfig resolution: defaults, vocabulary sizes, and errors that name the bad field. */
import * as assert from 'assert';

import { ConfigurationError, DEFAULT_MODEL_CONFIG, resolveModelConfig } from '../../src/core/config';

describe('config', () => {
  it('fills defaults and takes the vocabulary sizes from the arguments', () => {
    const c = resolveModelConfig({ hiddenDim: 64 }, 100, 200);
    assert.strictEqual(c.hiddenDim, 64);
    assert.strictEqual(c.cell, DEFAULT_MODEL_CONFIG.cell);
    assert.strictEqual(c.srcVocabSize, 100);
    assert.strictEqual(c.tgtVocabSize, 200);
    assert.ok(Object.isFrozen(DEFAULT_MODEL_CONFIG));
  });

  it('names the field in errors, including unknown keys and wrong types', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ arch: 'lstm' }, 'arch'],
      [{ attention: 'dot' }, 'attention'],
      [{ encoderLayers: 1.5 }, 'encoderLayers'],
      [{ bidirectional: 'yes' }, 'bidirectional'],
      [{ dropout: -0.1 }, 'dropout'],
      [{ arch: 'transformer', dModel: 7, heads: 7 }, 'dModel'],
      [{ arch: 'transformer', ffDim: 0 }, 'ffDim'],
      [{ maxTgtLen: 1 }, 'maxTgtLen'],
      [{ beamSize: 4 }, 'beamSize'],
    ];
    for (const [partial, field] of bad) {
      assert.throws(
        () => resolveModelConfig(partial as never, 10, 10),
        (e: unknown) => e instanceof ConfigurationError && e.field === field && e.message.includes(field),
        field,
      );
    }
  });

  it('accepts rnn-only oddities on a transformer and transformer-only ones on an rnn', () => {
    assert.doesNotThrow(() =>
      resolveModelConfig({ arch: 'transformer', attention: 'luong-dot', bidirectional: true }, 10, 10),
    );
    assert.doesNotThrow(() => resolveModelConfig({ arch: 'rnn', dModel: 7, heads: 3 }, 10, 10));
  });

  it('accepts copy for both architectures; only the rnn needs attention, both need one vocabulary', () => {
    assert.doesNotThrow(() => resolveModelConfig({ arch: 'transformer', copy: true }, 10, 10));
    // The Transformer always has cross-attention: the rnn-only attention field does not matter.
    assert.doesNotThrow(() => resolveModelConfig({ arch: 'transformer', copy: true, attention: 'none' }, 10, 10));
    assert.doesNotThrow(() => resolveModelConfig({ arch: 'rnn', copy: true }, 10, 10));
    const refused: [Record<string, unknown>, number, RegExp][] = [
      [{ arch: 'rnn', copy: true, attention: 'none' }, 10, /attention/],
      [{ arch: 'rnn', copy: true }, 11, /one vocabulary/],
      [{ arch: 'transformer', copy: true }, 11, /one vocabulary/],
    ];
    for (const [partial, tgtVocab, message] of refused) {
      assert.throws(
        () => resolveModelConfig(partial as never, 10, tgtVocab),
        (e: unknown) => e instanceof ConfigurationError && e.field === 'copy' && message.test(e.message),
        JSON.stringify(partial),
      );
    }
  });
});
