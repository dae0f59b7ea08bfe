/**
 * The decoder memory (nearest-neighbour decoding over the user's comments) on tiny fixed-seed
 * Transformers: the states it stores are the ones search meets on the same path, so a memory of
 * one function's summary makes search write that summary for it; the distance gate keeps a memory
 * of unrelated text from changing anything; batching changes no entry.
 */
import * as assert from 'assert';

import { selectBackend } from '../../src/core/backend';
import { DecoderMemory, MEMORY_DEFAULTS } from '../../src/core/decoderMemory';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import { beamSearch, greedyDecode } from '../../src/core/search';

const EXAMPLES = [
  { src: [4, 7, 8, 9, 2], tgt: [11, 12, 13, 14] },
  { src: [5, 10, 11, 12, 6, 2], tgt: [9, 9, 15] },
  { src: [4, 13, 2], tgt: [7, 10, 8, 12, 5, 14] },
];

describe('decoder memory', function () {
  this.timeout(60_000);
  const models: Record<string, Seq2SeqModel> = {};
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    const base = { arch: 'transformer' as const, dModel: 16, heads: 2, ffDim: 32, encoderLayers: 1, decoderLayers: 2 };
    models.transformer = buildModel({ ...base, dropout: 0 }, 16, 16, 7);
    models['transformer + copy'] = buildModel({ ...base, dropout: 0, copy: true }, 16, 16, 8);
  });
  after(() => Object.values(models).forEach((m) => m.dispose()));

  for (const arch of ['transformer', 'transformer + copy']) {
    describe(arch, () => {
      it("makes search write a remembered function's summary for it, which the model alone does not", () => {
        const m = models[arch]!;
        const entries = DecoderMemory.entries(m, EXAMPLES)!;
        const memory = DecoderMemory.of(entries, m.config.dModel, {
          ...MEMORY_DEFAULTS,
          weight: 0.9,
          temperature: 0.01,
          maxDistance: 1e-3,
        });
        assert.strictEqual(
          memory.size,
          EXAMPLES.reduce((a, e) => a + e.tgt.length + 1, 0),
        );
        let differs = 0;
        for (const e of EXAMPLES) {
          const alone = greedyDecode(m, [...e.src], { maxLength: 10 });
          if (alone.tokens.join() !== e.tgt.join()) differs++;
          const remembered = greedyDecode(m, [...e.src], { maxLength: 10, memory });
          assert.deepStrictEqual(remembered.tokens, e.tgt);
          assert.ok(remembered.tokenLogProbs.length === e.tgt.length + 1, 'ends with EOS where the summary ends');
          const beam = beamSearch(m, [...e.src], { beamSize: 3, maxLength: 10, memory })[0]!;
          assert.deepStrictEqual(beam.tokens, e.tgt);
        }
        memory.dispose();
        assert.ok(differs > 0, 'the model alone already wrote every summary: the test would prove nothing');
      });

      it('changes nothing where no stored state is within maxDistance', () => {
        const m = models[arch]!;
        // Remember the first example only; decode the others, whose states are far from it.
        const memory = DecoderMemory.of(DecoderMemory.entries(m, EXAMPLES.slice(0, 1))!, m.config.dModel, {
          ...MEMORY_DEFAULTS,
          weight: 0.9,
          maxDistance: 1e-3,
        });
        for (const e of EXAMPLES.slice(1)) {
          const alone = beamSearch(m, [...e.src], { beamSize: 3, maxLength: 10 })[0]!;
          const withMemory = beamSearch(m, [...e.src], { beamSize: 3, maxLength: 10, memory })[0]!;
          assert.deepStrictEqual(withMemory.tokens, alone.tokens);
          assert.ok(Math.abs(withMemory.logProb - alone.logProb) < 1e-5);
        }
        memory.dispose();
      });

      it('stores the same entries whether examples are batched (padded) or not', () => {
        const m = models[arch]!;
        const batched = DecoderMemory.entries(m, EXAMPLES, 16)!;
        const single = DecoderMemory.entries(m, EXAMPLES, 1)!;
        batched.forEach((b, i) => {
          assert.deepStrictEqual(Array.from(b.values), Array.from(single[i]!.values));
          const worst = Math.max(...Array.from(b.keys, (k, j) => Math.abs(k - single[i]!.keys[j]!)));
          assert.ok(worst < 1e-4, `entry keys differ by ${worst}`);
        });
      });
    });
  }

  it("leaves out a remembered token that named something of its own function's code when this code lacks it", () => {
    const m = models.transformer!;
    // Target tokens 11 and 12 name things of the example's code, 13 and 14 do not.
    const [entries] = DecoderMemory.entries(m, [
      { src: [4, 11, 12, 2], tgt: [11, 12, 13, 14], fromCode: [true, true, false, false] },
    ])!;
    assert.deepStrictEqual(Array.from(entries!.fromCode), [1, 1, 0, 0, 0]);
    const dim = m.config.dModel;
    assert.strictEqual(DecoderMemory.of([entries!], dim).size, 5);
    // Code that names 12 but not 11: the entry for 11 goes, the rest stay.
    assert.strictEqual(DecoderMemory.of([entries!], dim, MEMORY_DEFAULTS, (t) => t === 12).size, 4);
    assert.strictEqual(DecoderMemory.of([entries!], dim, MEMORY_DEFAULTS, () => false).size, 3);
  });

  it('is not available for models that report no decoder state, and refuses bad options', () => {
    const gru = buildModel({ embeddingDim: 8, hiddenDim: 12, attention: 'luong-general', dropout: 0 }, 16, 16, 3);
    try {
      assert.strictEqual(DecoderMemory.entries(gru, EXAMPLES), undefined);
    } finally {
      gru.dispose();
    }
    assert.throws(() => DecoderMemory.of([], 16, { ...MEMORY_DEFAULTS, weight: 1.5 }), /weight/);
    assert.throws(() => DecoderMemory.of([], 16, { ...MEMORY_DEFAULTS, temperature: 0 }), /temperature/);
    assert.throws(
      () =>
        DecoderMemory.of(
          [{ keys: new Float32Array(10), values: Int32Array.from([1]), fromCode: new Uint8Array(1) }],
          16,
        ),
      /expected 16/,
    );
  });
});
