/**
 * Attention panel view model, n-best re-ranking and heatmap export, on a fixed tiny hypothesis
 * set: the matrix sent to the webview is the model's weights (shape, row sums, label alignment),
 * bad shapes fail with messages, identifier pieces are joined, the slider re-ranks.
 */
import * as assert from 'assert';

import {
  AttentionViewError,
  buildAttentionView,
  EOS_LABEL,
  joinWordLabels,
  type AttentionViewInput,
  type HypothesisInput,
} from '../../src/webviews/attention/attentionView';
import { gnmtLengthPenalty, penalisedScore, rankHypotheses } from '../../src/webviews/attention/ranking';
import { colorAt } from '../../src/webviews/apps/attention/colorScale';
import { column, headMean, selectMatrix } from '../../src/webviews/apps/attention/matrix';
import { escapeXml, heatmapSvg } from '../../src/webviews/apps/attention/svgExport';

// Selected text `def parseHttp(x):` tokenised as the code-aware BPE would: specials at both ends.
const SOURCE = 'def parseHttp(x):';
const SOURCE_TOKENS = [
  { text: '<code2doc>', start: -1, end: -1 },
  { text: 'def', start: 0, end: 3, wordIndex: 0 },
  { text: 'parse', start: 4, end: 9, wordIndex: 1 },
  { text: 'Http', start: 9, end: 13, wordIndex: 1 },
  { text: '(', start: 13, end: 14, wordIndex: 2 },
  { text: 'x', start: 14, end: 15, wordIndex: 3 },
  { text: '):', start: 15, end: 17, wordIndex: 4 },
  { text: '</s>', start: -1, end: -1 },
];
const S = SOURCE_TOKENS.length;

/** A softmax-like row peaked at `at`. */
function row(at: number, n = S): number[] {
  const r = Array.from({ length: n }, (_, i) => (i === at ? 0.65 : 0.35 / (n - 1)));
  return r;
}

const HYP_A: HypothesisInput = {
  tokens: ['parse', 'http', 'header'],
  logProb: Math.log(0.9) + Math.log(0.8) + Math.log(0.2) + Math.log(0.95),
  tokenLogProbs: [Math.log(0.9), Math.log(0.8), Math.log(0.2), Math.log(0.95)],
  score: 0,
  attention: [row(2), row(3), row(3), row(7)],
};
const HYP_B: HypothesisInput = {
  tokens: ['parse'],
  logProb: Math.log(0.5) + Math.log(0.6),
  tokenLogProbs: [Math.log(0.5), Math.log(0.6)],
  score: 0,
  attention: [row(2), row(7)],
};

function input(
  hypotheses: HypothesisInput[] = [HYP_A, HYP_B],
  extra: Partial<AttentionViewInput> = {},
): AttentionViewInput {
  return {
    direction: 'code2doc',
    sourceText: SOURCE,
    sourceTokens: SOURCE_TOKENS,
    hypotheses,
    lengthPenalty: 0.6,
    ...extra,
  };
}

describe('attention view model', () => {
  it('sends the weights unchanged: rows = generated tokens (+ EOS), cols = source tokens', () => {
    const view = buildAttentionView(input());
    const a = view.hypotheses[0]!;
    assert.strictEqual(a.attention.length, 4);
    assert.ok(a.attention.every((r) => r.length === S));
    assert.deepStrictEqual(a.attention, HYP_A.attention);
    assert.deepStrictEqual(a.tokens, ['parse', 'http', 'header', EOS_LABEL]);
    a.rowSums.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-9, `row sum ${s}`));
    assert.strictEqual(view.hypotheses[1]!.attention.length, 2);
  });

  it('aligns labels with tokens: column i is source token i, row j is output token j', () => {
    const view = buildAttentionView(input());
    assert.deepStrictEqual(
      view.sourceTokens.map((t) => t.index),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepStrictEqual(
      view.sourceTokens.map((t) => t.text),
      SOURCE_TOKENS.map((t) => t.text),
    );
    // Row 1 ("http") peaks on column 3, whose label is "Http" and whose span is "Http" in the source.
    const a = view.hypotheses[0]!;
    const peak = a.attention[1]!.indexOf(Math.max(...a.attention[1]!));
    const tok = view.sourceTokens[peak]!;
    assert.strictEqual(a.tokens[1], 'http');
    assert.strictEqual(tok.text, 'Http');
    assert.strictEqual(SOURCE.slice(tok.start, tok.end), 'Http');
    assert.strictEqual(view.sourceTokens[0]!.special, true);
  });

  it('reports per-token probabilities and keeps no EOS label when the hypothesis did not end', () => {
    const unfinished: HypothesisInput = { ...HYP_B, tokenLogProbs: [Math.log(0.5)], attention: [row(2)] };
    const view = buildAttentionView(input([unfinished]));
    assert.deepStrictEqual(view.hypotheses[0]!.tokens, ['parse']);
    assert.ok(Math.abs(view.hypotheses[0]!.tokenProbs[0]! - 0.5) < 1e-12);
  });

  it('rejects wrong shapes with a message naming what is wrong', () => {
    assert.throws(
      () => buildAttentionView(input([{ ...HYP_A, attention: HYP_A.attention.slice(1) }])),
      (e: Error) => e instanceof AttentionViewError && /3 rows, expected 4/.test(e.message),
    );
    assert.throws(
      () => buildAttentionView(input([{ ...HYP_A, attention: [row(2), row(3, S - 1), row(3), row(7)] }])),
      /row 1 has 7 columns, expected 8/,
    );
    assert.throws(
      () => buildAttentionView(input([{ ...HYP_A, tokenLogProbs: [0] }])),
      /1 token log-probabilities for 3 tokens/,
    );
    assert.throws(
      () => buildAttentionView(input([{ ...HYP_A, attention: [row(2), [NaN, ...row(3).slice(1)], row(3), row(7)] }])),
      /finite/,
    );
    assert.throws(
      () => buildAttentionView(input([{ ...HYP_A, attention: [row(2).map((w) => w * 2), row(3), row(3), row(7)] }])),
      /sums to 2\.0000/,
    );
    assert.throws(() => buildAttentionView(input([])), /no output/);
    assert.throws(
      () => buildAttentionView(input(undefined, { sourceTokens: [{ text: 'x', start: 10, end: 40 }] })),
      /outside the selected text/,
    );
  });

  it("carries a copying model's copied shares, and rejects ones that do not line up", () => {
    const copied = [0.9, 0.7, 0.01, 0.2];
    const view = buildAttentionView(input([{ ...HYP_A, copied }, HYP_B]));
    assert.deepStrictEqual(view.hypotheses[0]!.copied, copied);
    assert.strictEqual(view.hypotheses[1]!.copied, undefined, 'no shares for a model without copying');
    assert.throws(() => buildAttentionView(input([{ ...HYP_A, copied: [0.5] }])), /1 copy shares for 4 steps/);
    assert.throws(() => buildAttentionView(input([{ ...HYP_A, copied: [0.5, 1.5, 0, 0] }])), /1\.5 is not in 0\.\.1/);
  });

  it('accepts a model without attention (empty matrix) and keeps the n-best data', () => {
    const view = buildAttentionView(input([{ ...HYP_A, attention: [] }]));
    assert.deepStrictEqual(view.hypotheses[0]!.attention, []);
    assert.strictEqual(view.hypotheses[0]!.tokens.length, 4);
  });

  it('checks and carries Transformer attention per layer and head', () => {
    const byLayerHead = [
      [
        [row(1), row(2), row(3), row(7)],
        [row(2), row(3), row(4), row(7)],
      ],
      [
        [row(2), row(3), row(3), row(7)],
        [row(2), row(3), row(3), row(0)],
      ],
    ];
    const view = buildAttentionView(input([{ ...HYP_A, attentionByLayerHead: byLayerHead }]));
    assert.strictEqual(view.layers, 2);
    assert.strictEqual(view.heads, 2);
    const h = view.hypotheses[0]!;
    assert.deepStrictEqual(h.byLayerHead, byLayerHead);
    assert.deepStrictEqual(selectMatrix(h, 1, 0), byLayerHead[1]![0]);
    assert.deepStrictEqual(selectMatrix(h, -1, -1), HYP_A.attention);
    const mean = selectMatrix(h, 0, -1);
    assert.ok(Math.abs(mean[0]![1]! - (row(1)[1]! + row(2)[1]!) / 2) < 1e-12);
    assert.deepStrictEqual(headMean([]), []);
    assert.deepStrictEqual(column(byLayerHead[0]![0]!, 7), [row(1)[7], row(2)[7], row(3)[7], row(7)[7]]);
    assert.throws(
      () => buildAttentionView(input([{ ...HYP_A, attentionByLayerHead: [[byLayerHead[0]![0]!.slice(1)]] }])),
      /layer 0, head 0: attention has 3 rows/,
    );
  });
});

describe('attention word labels', () => {
  it('joins the pieces of one identifier (by wordIndex) and labels them with the source slice', () => {
    const view = buildAttentionView(input());
    assert.deepStrictEqual(view.words, [{ first: 2, last: 3, text: 'parseHttp' }]);
  });

  it('joins touching identifier pieces when no wordIndex is given, never specials or punctuation', () => {
    const tokens = SOURCE_TOKENS.map(({ text, start, end }) => ({ text, start, end }));
    const view = buildAttentionView(input(undefined, { sourceTokens: tokens }));
    assert.deepStrictEqual(view.words, [{ first: 2, last: 3, text: 'parseHttp' }]);
    const snake = 'get_http_header';
    const pieces = [
      { index: 0, text: 'get_', start: 0, end: 4, wordIndex: null, special: false },
      { index: 1, text: 'http_', start: 4, end: 9, wordIndex: null, special: false },
      { index: 2, text: 'header', start: 9, end: 15, wordIndex: null, special: false },
    ];
    assert.deepStrictEqual(joinWordLabels(pieces, snake), [{ first: 0, last: 2, text: 'get_http_header' }]);
  });
});

describe('attention n-best re-ranking', () => {
  it('uses the GNMT length penalty ((5 + len) / 6) ^ alpha', () => {
    assert.strictEqual(gnmtLengthPenalty(7, 0), 1);
    assert.ok(Math.abs(gnmtLengthPenalty(7, 1) - 2) < 1e-12);
    assert.ok(Math.abs(penalisedScore(-4, 7, 1) + 2) < 1e-12);
  });

  it('re-ranks live: alpha 0 prefers the short, likely output; a high alpha the longer one', () => {
    const view = buildAttentionView(input());
    // A: logProb ≈ -1.99 over 4 steps; B: ≈ -1.20 over 2 steps.
    assert.deepStrictEqual(
      rankHypotheses(view.hypotheses, 0).map((r) => r.index),
      [1, 0],
    );
    assert.deepStrictEqual(
      rankHypotheses(view.hypotheses, 2).map((r) => r.index),
      [0, 1],
    );
    const r = rankHypotheses(view.hypotheses, 0.6);
    assert.ok(Math.abs(r.find((x) => x.index === 0)!.score - HYP_A.logProb / Math.pow(9 / 6, 0.6)) < 1e-12);
    // A length reward (the engine's, carried by the view) also lifts the longer output: 0.5 per token.
    assert.strictEqual(view.lengthReward, 0);
    assert.strictEqual(buildAttentionView({ ...input(), lengthReward: 0.5 }).lengthReward, 0.5);
    assert.deepStrictEqual(
      rankHypotheses(view.hypotheses, 0, 0.5).map((r) => r.index),
      [0, 1],
    );
    // ... unless the reward stops after 2 tokens (A: -1.99 + 1, B: -1.20 + 1).
    const bounded = buildAttentionView({ ...input(), lengthReward: 0.5, lengthRewardLimit: 2 });
    assert.strictEqual(bounded.lengthRewardLimit, 2);
    assert.strictEqual(view.lengthRewardLimit, undefined);
    assert.deepStrictEqual(
      rankHypotheses(bounded.hypotheses, 0, 0.5, 2).map((r) => r.index),
      [1, 0],
    );
  });

  it('keeps a reused summary first whatever the slider says, and labels where it came from', () => {
    const from = { path: 'lib/http.py', similarity: 0.9 };
    const view = buildAttentionView({ ...input(), hypotheses: [HYP_A, { ...HYP_B, reusedFrom: from }] });
    assert.deepStrictEqual(view.hypotheses[1]!.reusedFrom, from);
    assert.strictEqual(view.hypotheses[0]!.reusedFrom, undefined);
    // Alpha 2 ranks A first on score alone (previous test); the reused B stays on top.
    for (const alpha of [0, 2])
      assert.deepStrictEqual(
        rankHypotheses(view.hypotheses, alpha).map((r) => r.index),
        [1, 0],
      );
  });

  it('keeps the engine order on ties', () => {
    const same = [
      { index: 0, logProb: -1, length: 3 },
      { index: 1, logProb: -1, length: 3 },
    ];
    assert.deepStrictEqual(
      rankHypotheses(same, 0.6).map((r) => r.index),
      [0, 1],
    );
  });
});

describe('attention heatmap export', () => {
  it('writes one coloured cell per weight with aligned, escaped labels', () => {
    const svg = heatmapSvg({
      title: 'a<b',
      rowLabels: ['parse', '</s>'],
      colLabels: ['<code2doc>', 'parse', 'Http'],
      matrix: [
        [0.1, 0.8, 0.1],
        [0.5, 0.25, 0.25],
      ],
    });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.strictEqual((svg.match(/class="cell"/g) ?? []).length, 6);
    assert.ok(svg.includes('<title>a&lt;b</title>'));
    assert.ok(svg.includes('&lt;/s&gt; → &lt;code2doc&gt;: 0.500'));
    assert.ok(svg.includes('data-weight="0.8000"'));
    const top = colorAt(1);
    assert.ok(
      svg.includes(`fill="rgb(${top[0]}, ${top[1]}, ${top[2]})" data-weight="0.8000"`),
      'the largest weight gets the top colour',
    );
    assert.ok(!/<script/i.test(svg));
    assert.strictEqual(escapeXml(`"'&`), '&quot;&apos;&amp;');
    assert.throws(
      () => heatmapSvg({ title: '', rowLabels: ['a'], colLabels: ['x', 'y'], matrix: [[1]] }),
      /row 0 has 1 columns, expected 2/,
    );
  });
});
