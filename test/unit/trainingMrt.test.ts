/** Minimum-risk training lowers the expected risk (1 - sentence BLEU) on a toy task. */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { buildModel } from '../../src/core/model';
import { CODE2DOC_ID, EOS_ID } from '../../src/core/specialTokens';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import type { EvalExample } from '../../src/training/evaluation';
import { candidateSet, expectedRisk, mrtStep } from '../../src/training/mrt';

const FIRST = 6;
const detok = (ids: readonly number[]): string => ids.map((i) => `w${i}`).join(' ');

describe('training/mrt', function () {
  this.timeout(120000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    prepareTrainingBackend();
  });

  it('lowers the expected risk (fresh candidates each step, as it trains) without leaking tensors', () => {
    const model = buildModel(
      { embeddingDim: 16, hiddenDim: 16, dropout: 0, maxSrcLen: 12, maxTgtLen: 8 },
      FIRST + 6,
      FIRST + 6,
      11,
    );
    const examples: EvalExample[] = [
      [6, 7, 8],
      [9, 10, 11],
      [7, 9],
      [8, 10, 6, 11],
    ].map((seq) => ({ src: [CODE2DOC_ID, ...seq, EOS_ID], tgt: seq }));
    const sets = examples.map((e) => candidateSet(model, e, detok, { candidates: 3 }));
    assert.ok(
      sets.every((s) => s.candidates.length >= 2 && s.risks.some((r) => r === 0)),
      'each set holds the reference',
    );
    const before = expectedRisk(model, sets);
    const optimizer = tf.train.adam(0.02);
    const risks = [mrtStep(model, optimizer, examples, detok, { candidates: 3 })];
    assert.ok(Math.abs(risks[0]! - before) < 1e-4, `first step risk ${risks[0]} equals the measured ${before}`);
    const afterOne = tf.memory().numTensors;
    for (let i = 0; i < 14; i++) risks.push(mrtStep(model, optimizer, examples, detok, { candidates: 3 }));
    assert.strictEqual(tf.memory().numTensors, afterOne, 'MRT steps leak tensors');
    const late = risks.slice(-3).reduce((a, b) => a + b, 0) / 3;
    assert.ok(late < 0.5 * risks[0]!, `expected risk ${risks.map((r) => r.toFixed(3)).join(' ')}`);
    optimizer.dispose();
    model.dispose();
  });
});
