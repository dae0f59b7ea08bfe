/**
 * The dashboard's state reducer (browser side, shared with the host feed) and the chart columns
 * it feeds: events fold into a run record, a Stop ends the run with its checkpoint, samples show
 * what changed since the previous evaluation, long runs stay bounded, overlays join on one x axis.
 */
import * as assert from 'assert';

import { buildChartData, CHARTS, joinColumns } from '../../src/webviews/dashboard/chartSeries';
import { DEFAULT_PREFS, type DashboardEvent } from '../../src/webviews/dashboard/protocol';
import {
  applyEvents,
  initialState,
  progressFraction,
  reduce,
  runHeadline,
  sampleRows,
  summarize,
  verdictView,
} from '../../src/webviews/dashboard/runState';
import { checkingVerdict, guardVerdict } from '../../src/webviews/dashboard/verdict';
import { guardDecision, type GuardResult, type HeldOutScore } from '../../src/training/guard';
import { evalEvent, runInfo, stepEvent } from './dashboardFixtures';
import { scaled } from '../timeScale';

const LOSS = CHARTS.find((c) => c.id === 'loss-chart');
if (!LOSS) throw new Error('no loss chart');

describe('dashboard run state', () => {
  it('ignores events before a run starts, then folds steps, evals, checkpoint and a Stop', () => {
    assert.strictEqual(applyEvents(null, [stepEvent(1, 3)]), null);
    const events: DashboardEvent[] = [
      { type: 'runStarted', run: runInfo() },
      stepEvent(1, 4),
      stepEvent(2, 3.5),
      evalEvent(2, ['a', 'b'], 0.1),
      { type: 'status', status: 'stopping' },
      { type: 'checkpoint', step: 2, path: '/models/tiny/step-2' },
      { type: 'finished', reason: 'stopped', step: 2 },
    ];
    const rec = applyEvents(null, events);
    assert.ok(rec);
    assert.strictEqual(rec.metrics.length, 2);
    assert.strictEqual(rec.evals.length, 1);
    assert.strictEqual(rec.step, 2);
    assert.strictEqual(rec.epoch, 1);
    assert.strictEqual(rec.status, 'finished');
    assert.strictEqual(rec.endReason, 'stopped');
    assert.deepStrictEqual(rec.checkpoint, { step: 2, path: '/models/tiny/step-2' });
    assert.strictEqual(progressFraction(rec), 0.02);
  });

  it('does not mutate the previous record (batches copy once)', () => {
    const a = applyEvents(null, [{ type: 'runStarted', run: runInfo() }, stepEvent(1, 4)]);
    const b = applyEvents(a, [stepEvent(2, 3)]);
    assert.strictEqual(a?.metrics.length, 1);
    assert.strictEqual(b?.metrics.length, 2);
  });

  it('a new runStarted replaces the previous run; an error fails it', () => {
    const a = applyEvents(null, [{ type: 'runStarted', run: runInfo('a') }, stepEvent(1, 4)]);
    const b = applyEvents(a, [
      { type: 'runStarted', run: runInfo('b') },
      { type: 'error', message: 'out of memory' },
    ]);
    assert.strictEqual(b?.run.id, 'b');
    assert.strictEqual(b?.metrics.length, 0);
    assert.strictEqual(b?.status, 'failed');
    assert.strictEqual(b?.error, 'out of memory');
  });

  it('thins the older half of a long run to stay under the bound, keeping the newest points', () => {
    const events: DashboardEvent[] = [{ type: 'runStarted', run: runInfo() }];
    for (let s = 1; s <= 1000; s++) events.push(stepEvent(s, 1));
    const rec = applyEvents(null, events, 600);
    assert.ok(rec);
    assert.ok(rec.metrics.length <= 600, `${rec.metrics.length}`);
    assert.strictEqual(rec.metrics[rec.metrics.length - 1]?.step, 1000);
    assert.strictEqual(rec.metrics[0]?.step, 1);
    assert.strictEqual(rec.thinned, 1000 - rec.metrics.length);
    const steps = rec.metrics.map((p) => p.step);
    assert.deepStrictEqual(
      steps,
      [...steps].sort((x, y) => x - y),
    );
  });

  it('marks samples whose prediction changed since the previous evaluation', () => {
    const rec = applyEvents(null, [
      { type: 'runStarted', run: runInfo() },
      evalEvent(10, ['x', 'returns x 1'], 0.1),
      evalEvent(20, ['x', 'returns y'], 0.2),
    ]);
    const rows = sampleRows(rec?.evals ?? []);
    assert.deepStrictEqual(
      rows.map((r) => [r.id, r.changed, r.previous]),
      [
        ['s0', false, 'x'],
        ['s1', true, 'returns x 1'],
      ],
    );
    assert.deepStrictEqual(
      sampleRows(rec?.evals.slice(0, 1) ?? []).map((r) => r.changed),
      [false, false],
    );
    assert.deepStrictEqual(sampleRows([]), []);
  });

  it('reducer: snapshot null keeps the restored run; prefs clamp the smoothing weight', () => {
    const restored = applyEvents(null, [{ type: 'runStarted', run: runInfo() }, stepEvent(1, 4)]);
    let s = initialState({ live: restored, prefs: { xAxis: 'time' } });
    assert.strictEqual(s.prefs.xAxis, 'time');
    assert.strictEqual(s.prefs.smoothing, DEFAULT_PREFS.smoothing);
    s = reduce(s, { type: 'snapshot', record: null });
    assert.strictEqual(s.live, restored);
    s = reduce(s, { type: 'prefs', patch: { smoothing: 5 } });
    assert.strictEqual(s.prefs.smoothing, 0.99);
    s = reduce(s, { type: 'events', events: [stepEvent(2, 3)] });
    assert.strictEqual(s.live?.metrics.length, 2);
    s = reduce(s, { type: 'compare', record: restored });
    assert.strictEqual(s.prefs.compareId, 'run-1');
  });

  it('summarizes a run for the history list', () => {
    const rec = applyEvents(null, [
      { type: 'runStarted', run: runInfo() },
      stepEvent(1, 4),
      stepEvent(2, 3),
      evalEvent(2, ['a'], 0.3),
      evalEvent(3, ['a'], 0.2),
    ]);
    assert.ok(rec);
    const sum = summarize(rec);
    assert.strictEqual(sum.finalLoss, 3);
    assert.strictEqual(sum.bestBleu, 0.3);
    assert.strictEqual(sum.lastStep, 2);
  });
});

describe('dashboard chart series', () => {
  const live = applyEvents(null, [
    { type: 'runStarted', run: runInfo('live') },
    ...Array.from({ length: 50 }, (_, i) => stepEvent(i + 1, 5 - i * 0.05)),
    evalEvent(25, ['a'], 0.1),
  ]);

  it('draws a faint raw line behind the smoothed one, and valid loss as points', () => {
    const d = buildChartData(LOSS, live, null, DEFAULT_PREFS);
    assert.deepStrictEqual(
      d.columns.map((c) => c.role),
      ['raw', 'smoothed', 'eval'],
    );
    assert.strictEqual(d.livePoints, 50);
    assert.strictEqual(d.xs.length, 50);
    const evalCol = d.columns[2];
    assert.strictEqual(evalCol?.values.filter((v) => v !== null).length, 1);
    const off = buildChartData(LOSS, live, null, { ...DEFAULT_PREFS, smoothing: 0 });
    assert.deepStrictEqual(
      off.columns.map((c) => c.role),
      ['smoothed', 'eval'],
    );
  });

  it('decimates a long series to the point budget but reports every raw point', () => {
    const long = applyEvents(
      null,
      [
        { type: 'runStarted', run: runInfo() },
        ...Array.from({ length: 20_000 }, (_, i) => stepEvent(i + 1, Math.sin(i) + 3)),
      ],
      Infinity,
    );
    const t = Date.now();
    const d = buildChartData(LOSS, long, null, DEFAULT_PREFS, 800);
    const ms = Date.now() - t;
    assert.strictEqual(d.livePoints, 20_000);
    assert.ok(d.drawnPoints <= 800);
    assert.ok(d.xs.length <= 800);
    assert.ok(ms < scaled(1000), `${ms} ms`);
  });

  it('overlays a second run on the shared x axis (wall time from each run start)', () => {
    const other = applyEvents(null, [
      { type: 'runStarted', run: runInfo('old', 0) },
      stepEvent(10, 2, 0),
      stepEvent(60, 1, 0),
    ]);
    const d = buildChartData(LOSS, live, other, { ...DEFAULT_PREFS, xAxis: 'time' });
    assert.ok(d.columns.some((c) => c.run === 'compare'));
    assert.ok(d.xs.includes(60), 'the compare run extends the axis to 60 s');
    for (const c of d.columns) assert.strictEqual(c.values.length, d.xs.length);
  });

  it('joins tables on the union of x values with nulls for gaps', () => {
    const col = { label: 'a', run: 'live' as const, role: 'smoothed' as const, seriesIndex: 0, values: [] };
    const j = joinColumns([
      { xs: [1, 3], column: { ...col, values: [10, 30] } },
      { xs: [2, 3], column: { ...col, values: [20, 33] } },
    ]);
    assert.deepStrictEqual(j.xs, [1, 2, 3]);
    assert.deepStrictEqual(
      j.columns.map((c) => c.values),
      [
        [10, null, 30],
        [null, 20, 33],
      ],
    );
  });
});

describe('dashboard fine-tuning verdict', () => {
  const trained: DashboardEvent[] = [
    { type: 'runStarted', run: runInfo() },
    stepEvent(1, 4),
    evalEvent(1, ['a'], 0.1),
    // The chart: the new model's validation BLEU above the base's reference line.
    { type: 'reference', reference: { label: 'base model', values: { bleu: 5 } } },
    { type: 'finished', reason: 'completed', step: 1 },
  ];
  const base = { chrf: 31.2, sentenceBleu: 9.4, pairs: 40 };
  const worse = { chrf: 29.8, sentenceBleu: 9.9, pairs: 40 };
  const better = { chrf: 33.5, sentenceBleu: 10.1, pairs: 40 };
  /** The guard's decision on these totals, with resampling shares that agree with them. */
  const decide = (b: HeldOutScore, t: HeldOutScore, baseName: string): GuardResult => {
    const ahead = t.pairs > 0 && t.chrf > b.chrf && t.sentenceBleu > b.sentenceBleu;
    const shares = { chrf: ahead ? 0.95 : 0.2, sentenceBleu: ahead ? 0.9 : 0.7, samples: 1000, required: 0.8 };
    return guardDecision({ base: b, tuned: t, shares, ahead }, baseName);
  };

  it('is not green while the guard checks, and says which model it compares with', () => {
    const rec = applyEvents(null, [...trained, { type: 'verdict', verdict: checkingVerdict('the bundled model') }]);
    assert.strictEqual(rec?.status, 'finished');
    const head = runHeadline(rec);
    assert.notStrictEqual(head.tone, 'good');
    assert.match(head.text, /comparing with the bundled model/);
    assert.strictEqual(verdictView(rec)?.tone, 'checking');
    assert.deepStrictEqual(verdictView(rec)?.rows, []);
  });

  it('a run whose model was not kept says so in the header, with both held-out scores', () => {
    const guard = decide(base, worse, 'the bundled model');
    const rec = applyEvents(null, [
      ...trained,
      { type: 'verdict', verdict: checkingVerdict('the bundled model') },
      { type: 'verdict', verdict: guardVerdict(guard) },
    ]);
    const head = runHeadline(rec);
    assert.strictEqual(head.tone, 'warning');
    assert.match(head.text, /kept the bundled model/);
    const view = verdictView(rec);
    assert.ok(view);
    assert.strictEqual(view.tone, 'warning');
    assert.match(view.title, /Kept the bundled model/);
    assert.match(view.message, /did not beat the bundled model/);
    assert.deepStrictEqual(
      view.rows.map((r) => [r.metric, r.base, r.fineTuned, r.fineTunedAhead]),
      [
        ['chrF', 31.2, 29.8, false],
        ['smoothed BLEU-4', 9.4, 9.9, true],
      ],
    );
    assert.match(view.note, /40 held-out functions/);
  });

  it('a kept fine-tuned model is green, and the verdict survives a later status and a reload from history', () => {
    const verdict = guardVerdict(decide(base, better, '"my-model"'));
    const rec = applyEvents(applyEvents(null, trained), [{ type: 'verdict', verdict }]);
    assert.deepStrictEqual(runHeadline(rec), { text: 'Finished: new model kept', tone: 'good' });
    assert.strictEqual(verdictView(rec)?.tone, 'good');
    // History replays the same events into a fresh record.
    assert.deepStrictEqual(applyEvents(null, [...trained, { type: 'verdict', verdict }])?.verdict, verdict);
    // The snapshot a reopened panel gets keeps it.
    const state = reduce(initialState(), { type: 'snapshot', record: rec });
    assert.strictEqual(state.live?.verdict, verdict);
  });

  it('a guard that fails leaves no "checking" behind, and runs without a guard read as before', () => {
    const failed = applyEvents(null, [
      ...trained,
      { type: 'verdict', verdict: checkingVerdict('the bundled model') },
      { type: 'error', message: 'the model folder is corrupt' },
    ]);
    assert.strictEqual(failed?.verdict, undefined);
    assert.strictEqual(runHeadline(failed).tone, 'bad');
    assert.deepStrictEqual(runHeadline(applyEvents(null, trained)), { text: 'Finished', tone: 'good' });
    assert.strictEqual(verdictView(applyEvents(null, trained)), null);
    assert.deepStrictEqual(runHeadline(null), { text: 'No run', tone: 'idle' });
  });

  it('nothing to check on: the base is kept, without score rows', () => {
    const none = guardVerdict(decide(base, { chrf: 0, sentenceBleu: 0, pairs: 0 }, 'the bundled model'));
    const view = verdictView(applyEvents(null, [...trained, { type: 'verdict', verdict: none }]));
    assert.deepStrictEqual(view?.rows, []);
    assert.match(view?.message ?? '', /could not be checked/);
  });
});
