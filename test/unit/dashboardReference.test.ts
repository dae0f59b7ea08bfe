/**
 * The base model's score as a reference line (fine-tuning): the trainer's starting evaluation
 * becomes a `reference` dashboard event, the reducer keeps it on the run, and the BLEU chart gets
 * flat columns at that score over its whole x range (no other chart does). Plain Node.
 */
import * as assert from 'assert';

import { toDashboardEvents } from '../../src/host/trainingAdapter';
import type { EvaluationEvent } from '../../src/training/events';
import { buildChartData, CHARTS } from '../../src/webviews/dashboard/chartSeries';
import { DEFAULT_PREFS, type DashboardEvent } from '../../src/webviews/dashboard/protocol';
import { applyEvents } from '../../src/webviews/dashboard/runState';
import { evalEvent, runInfo, stepEvent } from './dashboardFixtures';

const chart = (id: string) => {
  const c = CHARTS.find((x) => x.id === id);
  if (!c) throw new Error(`no ${id}`);
  return c;
};

function evaluation(step: number, reference: boolean): EvaluationEvent {
  return {
    type: 'evaluation',
    step,
    epoch: 0,
    loss: 3.2,
    perplexity: Math.exp(3.2),
    bleu: 12.5,
    sentenceBleu: 18.25,
    exactMatch: 1,
    decoded: 30,
    samples: [],
    byGroup: {},
    improved: true,
    evaluationsWithoutImprovement: 0,
    ...(reference ? { reference: true } : {}),
  };
}

describe('dashboard reference line (base model score)', () => {
  it('the starting evaluation gives a reference event before its eval point; later ones do not', () => {
    const first = toDashboardEvents(evaluation(0, true), 1000);
    assert.deepStrictEqual(first[0], {
      type: 'reference',
      reference: { label: 'base model', values: { bleu: 12.5, smoothedBleu: 18.25 } },
    });
    assert.strictEqual(first[1]?.type, 'eval');
    assert.deepStrictEqual(
      toDashboardEvents(evaluation(50, false), 1000).map((e) => e.type),
      ['eval'],
    );
  });

  it('the reducer keeps the reference; the BLEU chart draws it flat across every x, other charts do not', () => {
    const events: DashboardEvent[] = [
      { type: 'runStarted', run: runInfo() },
      ...toDashboardEvents(evaluation(0, true), runInfo().startedAt),
      stepEvent(1, 4),
      stepEvent(2, 3.5),
      evalEvent(2, ['a'], 14),
      evalEvent(4, ['a'], 16),
    ];
    const rec = applyEvents(null, events);
    assert.deepStrictEqual(rec?.reference?.values, { bleu: 12.5, smoothedBleu: 18.25 });
    const data = buildChartData(chart('bleu-chart'), rec, null, DEFAULT_PREFS);
    const refs = data.columns.filter((c) => c.role === 'reference');
    assert.deepStrictEqual(
      refs.map((c) => c.label),
      ['base model: BLEU', 'base model: smoothed BLEU'],
    );
    assert.deepStrictEqual(data.xs, [0, 2, 4]);
    assert.deepStrictEqual(refs[0]!.values, [12.5, 12.5, 12.5]);
    assert.deepStrictEqual(refs[1]!.values, [18.25, 18.25, 18.25]);
    const bleu = data.columns.find((c) => c.role === 'eval' && c.label === 'BLEU');
    assert.deepStrictEqual(bleu?.values, [12.5, 14, 16]);
    const loss = buildChartData(chart('loss-chart'), rec, null, DEFAULT_PREFS);
    assert.ok(loss.columns.every((c) => c.role !== 'reference'));
  });

  it('a run without a starting evaluation (training from scratch) has no reference line', () => {
    const rec = applyEvents(null, [{ type: 'runStarted', run: runInfo() }, evalEvent(2, ['a'], 14)]);
    assert.strictEqual(rec?.reference, undefined);
    const data = buildChartData(chart('bleu-chart'), rec, null, DEFAULT_PREFS);
    assert.ok(data.columns.every((c) => c.role !== 'reference'));
  });
});
