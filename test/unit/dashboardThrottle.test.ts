/**
 * The host-side rate bound: a training loop reporting far faster than the webview should take
 * still yields at most 10 messages a second (measured over every 1 s window with a fake clock),
 * nothing but step events is ever dropped, and the last event arrives promptly.
 */
import * as assert from 'assert';

import type { DashboardEvent } from '../../src/webviews/dashboard/protocol';
import { EventThrottle } from '../../src/webviews/dashboard/throttle';
import { FakeClock, stepEvent } from './dashboardFixtures';

function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while ((times[hi] as number) - (times[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('dashboard throttle', () => {
  it('bounds a 1000 steps/s loop to <= 10 messages/s and delivers every step', () => {
    const clock = new FakeClock();
    const sent: { at: number; events: DashboardEvent[] }[] = [];
    const t = new EventThrottle<DashboardEvent>((events) => sent.push({ at: clock.now(), events }), {
      clock,
      isThinnable: (e) => e.type === 'step',
    });
    for (let step = 1; step <= 10_000; step++) {
      t.push(stepEvent(step, 1));
      clock.advance(1); // 1 ms per step: 10 s of training
    }
    clock.advance(1000);
    const times = sent.map((s) => s.at);
    const peak = maxInAnyWindow(times, 1000);
    const rate = sent.length / 10;
    console.log(
      `      10,000 events in 10 s -> ${sent.length} messages (${rate.toFixed(1)}/s average, peak ${peak} in any 1 s window)`,
    );
    assert.ok(peak <= 10, `peak ${peak}`);
    const steps = sent.flatMap((s) => s.events).map((e) => (e.type === 'step' ? e.point.step : -1));
    assert.strictEqual(steps.length, 10_000);
    assert.deepStrictEqual(steps.slice(-3), [9998, 9999, 10_000]);
    assert.strictEqual(t.stats.received, 10_000);
  });

  it('sends an idle event at once and a burst tail within one interval', () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const t = new EventThrottle<DashboardEvent>(() => sent.push(clock.now()), { clock, maxPerSecond: 10 });
    t.push({ type: 'status', status: 'paused' });
    assert.deepStrictEqual(sent, [0]);
    t.push({ type: 'status', status: 'running' });
    t.push({ type: 'status', status: 'stopping' });
    assert.strictEqual(sent.length, 1);
    clock.advance(99);
    assert.strictEqual(sent.length, 1);
    clock.advance(1);
    assert.deepStrictEqual(sent, [0, 100]);
  });

  it('thins step events in an oversized batch but never drops other events', () => {
    const clock = new FakeClock();
    const batches: DashboardEvent[][] = [];
    const t = new EventThrottle<DashboardEvent>((e) => batches.push(e), {
      clock,
      maxStepsPerBatch: 100,
      isThinnable: (e) => e.type === 'step',
    });
    t.push({ type: 'status', status: 'running' }); // sent at once; the rest waits
    for (let s = 1; s <= 1000; s++) {
      t.push(stepEvent(s, 1));
      if (s === 500) t.push({ type: 'checkpoint', step: 500, path: '/ckpt' });
    }
    t.push({ type: 'finished', reason: 'stopped', step: 1000 });
    clock.advance(100);
    const batch = batches[1] ?? [];
    const steps = batch.filter((e) => e.type === 'step');
    assert.ok(steps.length <= 100, `${steps.length}`);
    assert.ok(batch.some((e) => e.type === 'checkpoint'));
    assert.strictEqual(batch[batch.length - 1]?.type, 'finished');
    const last = steps[steps.length - 1];
    assert.ok(last?.type === 'step' && last.point.step === 1000, 'the newest step is kept');
    assert.strictEqual(t.stats.dropped, 1000 - steps.length);
  });

  it('clear drops pending events and cancels the timer', () => {
    const clock = new FakeClock();
    const sent: DashboardEvent[][] = [];
    const t = new EventThrottle<DashboardEvent>((e) => sent.push(e), { clock });
    t.push(stepEvent(1, 1));
    t.push(stepEvent(2, 1));
    t.clear();
    clock.advance(1000);
    assert.strictEqual(sent.length, 1);
  });
});
