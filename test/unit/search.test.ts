/**
 * Greedy and beam search on tiny fixed-seed models: beam 1 equals greedy, wider beams never
 * score below greedy, n-best lists are sorted by the GNMT-penalised score, length limits and
 * no-repeat n-grams hold, reported log-probabilities agree with teacher-forced rescoring, and
 * nothing leaks.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { tokenLogProbs } from '../../src/core/loss';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import {
  bannedTokens,
  beamSearch,
  greedyDecode,
  lengthPenalty,
  scoreTokens,
  type Hypothesis,
} from '../../src/core/search';
import { BOS_ID, EOS_ID } from '../../src/core/specialTokens';

const SOURCES = [
  [4, 7, 8, 9, 2],
  [4, 10, 11, 2],
  [5, 6, 12, 13, 14, 9, 2],
  [5, 8, 2],
];

/** Teacher-forced log p of each hypothesis token (EOS included when it ended with EOS). */
function rescore(model: Seq2SeqModel, src: number[], h: Hypothesis): number[] {
  const ended = h.tokenLogProbs.length > h.tokens.length;
  const out = ended ? [...h.tokens, EOS_ID] : h.tokens;
  return tf.tidy(() => {
    const s = tf.tensor2d([src], undefined, 'int32');
    const logits = model.logits(
      s,
      tf.ones([1, src.length]) as tf.Tensor2D,
      tf.tensor2d([[BOS_ID, ...out.slice(0, -1)]], undefined, 'int32'),
      false,
    );
    return Array.from(tokenLogProbs(logits, tf.tensor2d([out], undefined, 'int32')).dataSync());
  });
}

describe('search', function () {
  this.timeout(60_000);
  const models: Record<string, Seq2SeqModel> = {};
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    models.gru = buildModel({ embeddingDim: 8, hiddenDim: 12, attention: 'luong-general', dropout: 0 }, 16, 16, 3);
    models['gru + copy'] = buildModel(
      { embeddingDim: 8, hiddenDim: 12, attention: 'luong-general', dropout: 0, copy: true },
      16,
      16,
      5,
    );
    models.transformer = buildModel(
      { arch: 'transformer', dModel: 8, heads: 2, ffDim: 16, encoderLayers: 1, decoderLayers: 2, dropout: 0 },
      16,
      16,
      4,
    );
    models['transformer + copy'] = buildModel(
      {
        arch: 'transformer',
        dModel: 8,
        heads: 2,
        ffDim: 16,
        encoderLayers: 1,
        decoderLayers: 2,
        dropout: 0,
        copy: true,
      },
      16,
      16,
      4,
    );
    // Random weights rarely pick EOS; raise its bias so hypotheses end at different lengths.
    for (const [arch, boost] of [
      ['gru', 0],
      ['transformer', 1.5],
      ['transformer + copy', 1.5],
    ] as const) {
      const m = models[arch]!;
      const bias = m.weights.find((w) => w.name === 'decoder/output/b')!.variable;
      tf.tidy(() => bias.assign(tf.add(bias, tf.oneHot(EOS_ID, 16).toFloat().mul(boost))));
    }
  });
  after(() => Object.values(models).forEach((m) => m.dispose()));

  for (const arch of ['gru', 'gru + copy', 'transformer', 'transformer + copy']) {
    describe(arch, () => {
      it('beam 1 equals greedy, and greedy log-probs match teacher-forced rescoring', () => {
        const m = models[arch]!;
        for (const src of SOURCES) {
          const g = greedyDecode(m, src, { maxLength: 8 });
          const [b] = beamSearch(m, src, { beamSize: 1, maxLength: 8, lengthPenalty: 0 });
          assert.deepStrictEqual(b!.tokens, g.tokens);
          assert.ok(Math.abs(b!.logProb - g.logProb) < 1e-5);
          const ref = rescore(m, src, g);
          g.tokenLogProbs.forEach((lp, i) =>
            assert.ok(Math.abs(lp - ref[i]!) < 1e-4, `token ${i}: ${lp} vs ${ref[i]}`),
          );
          assert.ok(Math.abs(g.logProb - g.tokenLogProbs.reduce((a, c) => a + c, 0)) < 1e-4);
        }
      });

      it('beam 4 scores at least as high as greedy; the n-best list is sorted and distinct', () => {
        const m = models[arch]!;
        let strictlyBetter = 0;
        for (const src of SOURCES) {
          const g = greedyDecode(m, src, { maxLength: 8 });
          const hyps = beamSearch(m, src, { beamSize: 4, nBest: 4, maxLength: 8, lengthPenalty: 0 });
          assert.strictEqual(hyps.length, 4);
          assert.ok(hyps[0]!.logProb >= g.logProb - 1e-5, `beam ${hyps[0]!.logProb} < greedy ${g.logProb}`);
          if (hyps[0]!.logProb > g.logProb + 1e-5) strictlyBetter++;
          for (let i = 1; i < hyps.length; i++) assert.ok(hyps[i - 1]!.score >= hyps[i]!.score);
          assert.strictEqual(new Set(hyps.map((h) => h.tokens.join(','))).size, hyps.length);
        }
        console.log(`        beam beat greedy on ${strictlyBetter}/${SOURCES.length} sources`);
      });

      it('ranks by the GNMT length penalty and the length reward: score = logProb / ((5 + len) / 6)^alpha + reward * len', () => {
        const m = models[arch]!;
        const len = (h: Hypothesis) => h.tokenLogProbs.length;
        const settings = [
          { lengthPenalty: 2, lengthReward: 0 },
          { lengthPenalty: 0, lengthReward: 5 },
        ];
        for (const { lengthPenalty: alpha, lengthReward: reward } of settings) {
          let longerWins = 0;
          for (const src of SOURCES) {
            const plain = beamSearch(m, src, { beamSize: 6, nBest: 6, maxLength: 10, lengthPenalty: 0 });
            const favoured = beamSearch(m, src, {
              beamSize: 6,
              nBest: 6,
              maxLength: 10,
              lengthPenalty: alpha,
              lengthReward: reward,
            });
            for (const h of favoured) {
              const expected = h.logProb / lengthPenalty(len(h), alpha) + reward * len(h);
              assert.ok(Math.abs(h.score - expected) < 1e-6, `score ${h.score}, expected ${expected}`);
            }
            for (let i = 1; i < favoured.length; i++) assert.ok(favoured[i - 1]!.score >= favoured[i]!.score);
            assert.ok(len(favoured[0]!) >= len(plain[0]!), 'favouring length picked a shorter best');
            if (len(favoured[0]!) > len(plain[0]!)) longerWins++;
          }
          // The setting must actually change the winner somewhere, or this test would prove nothing.
          assert.ok(longerWins > 0, `alpha ${alpha}, reward ${reward} never made a longer hypothesis win`);
        }
        assert.throws(() => beamSearch(m, SOURCES[0]!, { lengthReward: -1 }), /lengthReward/);
      });

      it('bounds the reward: tokens past lengthRewardLimit earn nothing, so a large reward no longer runs to the length limit', () => {
        const m = models[arch]!;
        const len = (h: Hypothesis) => h.tokenLogProbs.length;
        let shorter = 0;
        for (const src of SOURCES) {
          const opts = { beamSize: 4, nBest: 4, maxLength: 10, lengthPenalty: 0, lengthReward: 5 };
          const unbounded = beamSearch(m, src, opts);
          const bounded = beamSearch(m, src, { ...opts, lengthRewardLimit: 2 });
          for (const h of bounded) {
            const expected = h.logProb + 5 * Math.min(len(h), 2);
            assert.ok(Math.abs(h.score - expected) < 1e-6, `score ${h.score}, expected ${expected}`);
          }
          // 5 nats a token: unbounded, the best is as long as the search allows.
          assert.strictEqual(len(unbounded[0]!), 10);
          if (len(bounded[0]!) < len(unbounded[0]!)) shorter++;
        }
        assert.ok(shorter > 0, 'the limit never changed the winner');
        assert.throws(() => beamSearch(m, SOURCES[0]!, { lengthRewardLimit: 0 }), /lengthRewardLimit/);
      });

      it('the current-length stopping rule stops no later than the exact bound, and the exact bound never ends with a worse hypothesis', () => {
        const m = models[arch]!;
        const counted = (stopping: 'exact' | 'current-length', src: number[]) => {
          const step = m.step.bind(m);
          let steps = 0;
          m.step = (...a: Parameters<Seq2SeqModel['step']>) => {
            steps++;
            return step(...a);
          };
          try {
            const opts = { beamSize: 3, nBest: 1, maxLength: 12, lengthPenalty: 0.6, lengthReward: 0.3, stopping };
            return { h: beamSearch(m, src, opts)[0]!, steps };
          } finally {
            m.step = step;
          }
        };
        let sooner = 0;
        for (const src of SOURCES) {
          const exact = counted('exact', src);
          const early = counted('current-length', src);
          assert.ok(early.steps <= exact.steps, `${early.steps} steps against exact's ${exact.steps}`);
          // Both search the same beams step for step; the exact one only searches longer.
          assert.ok(exact.h.score >= early.h.score - 1e-9, `exact ${exact.h.score} below ${early.h.score}`);
          if (early.steps < exact.steps) sooner++;
        }
        assert.ok(sooner > 0, 'the current-length rule never stopped sooner');
      });

      it('scores a given output as search would: scoreTokens agrees with the beam on its own hypotheses', () => {
        const m = models[arch]!;
        let compared = 0;
        const tensors = tf.memory().numTensors;
        for (const src of SOURCES) {
          const opts = { lengthPenalty: 0.6, lengthReward: 0.4, lengthRewardLimit: 3 };
          for (const h of beamSearch(m, src, { ...opts, beamSize: 3, nBest: 3, maxLength: 6 })) {
            if (h.tokenLogProbs.length === h.tokens.length) continue; // cut at the length limit, no EOS
            const s = scoreTokens(m, src, h.tokens, opts);
            compared++;
            assert.deepStrictEqual(s.tokens, h.tokens);
            assert.ok(Math.abs(s.logProb - h.logProb) < 1e-4, `${s.logProb} vs ${h.logProb}`);
            assert.ok(Math.abs(s.score - h.score) < 1e-4, `${s.score} vs ${h.score}`);
            s.tokenLogProbs.forEach((lp, i) => assert.ok(Math.abs(lp - h.tokenLogProbs[i]!) < 1e-4));
            s.attention.forEach((row, i) => row.forEach((a, j) => assert.ok(Math.abs(a - h.attention[i]![j]!) < 1e-4)));
            assert.strictEqual(s.copied?.length, h.copied?.length);
            assert.strictEqual(s.attentionByLayerHead?.length, h.attentionByLayerHead?.length);
          }
          // Any output, not only the beam's: its log-probabilities match teacher-forced rescoring.
          const forced = scoreTokens(m, src, [3, 4, 3]);
          rescore(m, src, forced).forEach((lp, i) => assert.ok(Math.abs(lp - forced.tokenLogProbs[i]!) < 1e-4));
        }
        assert.ok(compared > 0, 'no hypothesis ended with EOS');
        assert.strictEqual(tf.memory().numTensors, tensors, 'scoreTokens leaked tensors');
        assert.throws(() => scoreTokens(m, SOURCES[0]!, [99]), /vocabulary/);
      });

      it('respects min/max length (absolute and ratio) and no-repeat n-grams', () => {
        const m = models[arch]!;
        for (const src of SOURCES) {
          for (const h of beamSearch(m, src, { beamSize: 3, nBest: 3, minLength: 3, maxLength: 5 })) {
            assert.ok(h.tokens.length >= 3 && h.tokens.length <= 5, `length ${h.tokens.length}`);
          }
          for (const h of beamSearch(m, src, {
            beamSize: 3,
            nBest: 2,
            maxLength: 50,
            maxLengthRatio: 1,
            minLengthRatio: 0.5,
          })) {
            assert.ok(
              h.tokens.length <= src.length && h.tokens.length >= Math.floor(src.length / 2),
              `ratio length ${h.tokens.length}`,
            );
          }
          for (const h of beamSearch(m, src, {
            beamSize: 3,
            nBest: 3,
            minLength: 6,
            maxLength: 8,
            noRepeatNgramSize: 2,
          })) {
            const grams = h.tokens.slice(1).map((t, i) => `${h.tokens[i]},${t}`);
            assert.strictEqual(new Set(grams).size, grams.length, `repeated bigram in ${h.tokens}`);
          }
        }
      });

      it('returns attention rows that sum to 1, one per output step, and leaks nothing', () => {
        const m = models[arch]!;
        const before = tf.memory().numTensors;
        const hyps = beamSearch(m, SOURCES[0]!, { beamSize: 3, nBest: 2, maxLength: 6 });
        greedyDecode(m, SOURCES[1]!, { maxLength: 6 });
        assert.strictEqual(tf.memory().numTensors, before);
        for (const h of hyps) {
          assert.strictEqual(h.attention.length, h.tokenLogProbs.length);
          for (const row of h.attention) {
            assert.strictEqual(row.length, SOURCES[0]!.length);
            assert.ok(Math.abs(row.reduce((a, c) => a + c, 0) - 1) < 1e-4);
          }
          if (arch.startsWith('transformer')) {
            const a = h.attentionByLayerHead!;
            assert.deepStrictEqual(
              [a.length, a[0]!.length, a[0]![0]!.length, a[0]![0]![0]!.length],
              [2, 2, h.attention.length, 5],
            );
            // The reported row is the last layer's head mean.
            const mean = a[1]![0]![0]!.map((x, s) => (x + a[1]![1]![0]![s]!) / 2);
            mean.forEach((x, s) => assert.ok(Math.abs(x - h.attention[0]![s]!) < 1e-5));
          } else assert.strictEqual(h.attentionByLayerHead, undefined);
          if (arch.endsWith('+ copy')) {
            // The copied share: 0..1, and next to nothing for a token the source does not hold.
            assert.strictEqual(h.copied!.length, h.tokenLogProbs.length);
            const produced = [...h.tokens, EOS_ID];
            h.copied!.forEach((c, i) => {
              assert.ok(c >= 0 && c <= 1, `copied share ${c}`);
              if (!SOURCES[0]!.includes(produced[i]!)) assert.ok(c < 1e-6, `token ${produced[i]} copied ${c}`);
            });
            assert.ok(
              h.copied!.some((c) => c > 0.01),
              'an untrained gate copies some of the tokens that are in the source',
            );
          } else assert.strictEqual(h.copied, undefined);
        }
      });
    });
  }

  it('bans exactly the tokens that would repeat an n-gram', () => {
    assert.deepStrictEqual([...bannedTokens([7, 8, 9, 7], 2)], [8]);
    assert.deepStrictEqual([...bannedTokens([7, 8, 7, 9, 7], 2)].sort(), [8, 9]);
    assert.deepStrictEqual([...bannedTokens([7, 8, 9, 7, 8], 3)], [9]);
    assert.deepStrictEqual([...bannedTokens([7, 8], 3)], []);
    assert.deepStrictEqual([...bannedTokens([7, 7], 1)].sort(), [7]);
  });

  it('rejects ids outside the source vocabulary with a clear error', () => {
    assert.throws(() => greedyDecode(models.gru!, [4, 99, 2]), /outside the vocabulary/);
  });
});
