/**
 * EMA smoothing and LTTB decimation used by the dashboard charts.
 */
import * as assert from 'assert';

import { lttbIndices, pick } from '../../src/webviews/dashboard/decimate';
import { emaSmooth } from '../../src/webviews/dashboard/smoothing';
import { scaled } from '../timeScale';

describe('dashboard smoothing (EMA)', () => {
  it('weight 0 returns the raw values; a constant series stays constant (debiased)', () => {
    assert.deepStrictEqual(emaSmooth([3, 1, 2], 0), [3, 1, 2]);
    for (const v of emaSmooth([5, 5, 5, 5], 0.9)) assert.ok(Math.abs((v ?? 0) - 5) < 1e-12);
  });

  it('matches the debiased EMA by hand and passes gaps through', () => {
    const w = 0.5;
    const out = emaSmooth([2, NaN, 4, null], w);
    // after 2: last = 1, debias 0.5 -> 2; after 4: last = 0.5 + 2 = 2.5, debias 0.75 -> 3.333
    assert.strictEqual(out[0], 2);
    assert.strictEqual(out[1], null);
    assert.ok(Math.abs((out[2] ?? 0) - 10 / 3) < 1e-12);
    assert.strictEqual(out[3], null);
  });

  it('reduces the variance of a noisy series', () => {
    const raw = Array.from({ length: 500 }, (_, i) => (i % 2 ? 1 : -1));
    const sm = emaSmooth(raw, 0.9).slice(100) as number[];
    assert.ok(Math.max(...sm.map(Math.abs)) < 0.2);
  });
});

describe('dashboard decimation (LTTB)', () => {
  it('keeps everything when under the threshold', () => {
    assert.deepStrictEqual(lttbIndices([0, 1, 2], [1, 2, 3], 10), [0, 1, 2]);
  });

  it('returns exactly threshold ascending indices with both ends', () => {
    const n = 10_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((x) => Math.sin(x / 100));
    const idx = lttbIndices(xs, ys, 500);
    assert.strictEqual(idx.length, 500);
    assert.strictEqual(idx[0], 0);
    assert.strictEqual(idx[idx.length - 1], n - 1);
    for (let i = 1; i < idx.length; i++) assert.ok((idx[i] as number) > (idx[i - 1] as number));
  });

  it('keeps a lone spike that uniform striding would drop', () => {
    const n = 1000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((x) => (x === 537 ? 100 : 1));
    const idx = lttbIndices(xs, ys, 50);
    assert.ok(idx.includes(537));
    assert.ok(pick(ys, idx).includes(100));
  });

  it('copes with gaps (null) in the series', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const ys = xs.map((x) => (x % 7 === 0 ? null : x));
    const idx = lttbIndices(xs, ys, 20);
    assert.strictEqual(idx.length, 20);
  });

  it('decimates 1M points fast (bounded chart cost)', () => {
    const n = 1_000_000;
    const xs = new Float64Array(n).map((_, i) => i);
    const ys = new Float64Array(n).map((_, i) => Math.sin(i / 1000) + Math.random() * 0.1);
    const t = process.hrtime.bigint();
    const idx = lttbIndices(xs, ys, 1000);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(`      LTTB 1,000,000 -> 1000 points: ${ms.toFixed(1)} ms`);
    assert.strictEqual(idx.length, 1000);
    assert.ok(ms < scaled(2000), `${ms.toFixed(0)} ms`);
  });
});
