/**
 * Size limits of a model config: upper bounds per field, and a parameter estimate that matches
 * what buildModel allocates and refuses a model too big to hold before anything is allocated.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { CancelledError } from '../../src/core/cancellation';
import { ConfigurationError, resolveModelConfig, type ModelConfig } from '../../src/core/config';
import { buildModel } from '../../src/core/model';
import { estimateParameters, MAX_PARAMETERS } from '../../src/core/modelSize';
import { beamSearch } from '../../src/core/search';

describe('model size limits', () => {
  before(async () => tf.setBackend('cpu'));

  it('rejects absurd sizes per field, naming the field', () => {
    for (const [field, value] of [
      ['encoderLayers', 1_000_000],
      ['decoderLayers', 65],
      ['hiddenDim', 100_000],
      ['srcVocabSize', 10_000_000],
      ['maxSrcLen', 1e9],
    ] as const) {
      assert.throws(
        () => resolveModelConfig({ [field]: value } as Partial<ModelConfig>),
        (e: unknown) =>
          e instanceof ConfigurationError && e.field === field && /must be an integer from/.test(e.message),
        field,
      );
    }
  });

  const configs: Partial<ModelConfig>[] = [
    { embeddingDim: 6, hiddenDim: 8 },
    { cell: 'lstm', attention: 'bahdanau', embeddingDim: 6, hiddenDim: 8, encoderLayers: 2, decoderLayers: 2 },
    { attention: 'none', bidirectional: false, embeddingDim: 8, hiddenDim: 8, tieEmbeddings: true },
    { copy: true, embeddingDim: 6, hiddenDim: 10, decoderLayers: 2 },
    { arch: 'transformer', dModel: 8, heads: 2, ffDim: 16, encoderLayers: 2, decoderLayers: 1 },
    { arch: 'transformer', dModel: 8, heads: 2, ffDim: 16, tieEmbeddings: true },
    { arch: 'transformer', dModel: 8, heads: 2, ffDim: 16, decoderLayers: 2, copy: true },
    { arch: 'transformer', dModel: 8, heads: 2, ffDim: 16, tieEmbeddings: true, copy: true },
    { arch: 'cnn', embeddingDim: 6, hiddenDim: 8, encoderLayers: 2, decoderLayers: 3, kernelWidth: 4 },
    { arch: 'cnn', embeddingDim: 6, hiddenDim: 8, tieEmbeddings: true, copy: true },
  ];
  for (const partial of configs) {
    it(`estimates the parameters buildModel allocates (${JSON.stringify(partial)})`, () => {
      const model = buildModel(partial, 30, 30, 1);
      const actual = model.variables.reduce((n, v) => n + v.size, 0);
      const config = model.config;
      model.dispose();
      assert.strictEqual(estimateParameters(config), actual);
    });
  }

  it('refuses a model over the limit before allocating anything', () => {
    const before = tf.memory().numBytes;
    assert.throws(
      () =>
        buildModel({ arch: 'transformer', dModel: 4096, heads: 8, ffDim: 16_384, encoderLayers: 12 }, 32_000, 32_000),
      (e: unknown) => e instanceof ConfigurationError && /million parameters/.test(e.message),
    );
    assert.strictEqual(tf.memory().numBytes, before);
    assert.ok(MAX_PARAMETERS >= 10 * 5_000_000, 'the default model fits many times over');
  });

  it('beam search checks for cancellation before every step and frees what it allocated', () => {
    const model = buildModel({ embeddingDim: 6, hiddenDim: 8, maxTgtLen: 20 }, 30, 30, 1);
    const before = tf.memory().numTensors;
    let asked = 0;
    assert.throws(
      () =>
        beamSearch(model, [4, 7, 8, 2], { maxLength: 20, minLength: 20, beamSize: 3, isCancelled: () => ++asked > 5 }),
      CancelledError,
    );
    assert.strictEqual(asked, 6, 'asked once per step until it said yes');
    assert.strictEqual(tf.memory().numTensors, before);
    model.dispose();
  });
});
