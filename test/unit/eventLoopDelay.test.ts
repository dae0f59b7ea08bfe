import * as assert from 'assert';

import { eventLoopDelayText, measureEventLoopDelay } from '../../src/host/eventLoopDelay';
import { scaled } from '../timeScale';

describe('extension host event-loop delay', () => {
  it('sees a blocked event loop in its maximum and percentiles', async () => {
    const m = measureEventLoopDelay(5);
    await new Promise((r) => setTimeout(r, 60));
    const until = Date.now() + 120;
    while (Date.now() < until); // block the loop for 120 ms
    await new Promise((r) => setTimeout(r, 30));
    const d = m.stop();
    assert.ok(d.samples > 0);
    assert.ok(d.max >= 80, `max ${d.max} ms after a 120 ms block`);
    assert.ok(d.p50 <= d.p99 && d.p99 <= d.max);
    // An idle loop: the timer fires on time, so the delay past its interval is small (on a busy
    // machine the process also waits for a core).
    const idle = measureEventLoopDelay(10);
    await new Promise((r) => setTimeout(r, 200));
    const p50 = idle.stop().p50;
    assert.ok(p50 < scaled(5), `an idle loop has next to no delay: p50 ${p50} ms`);
    assert.match(
      eventLoopDelayText('fine-tune', d),
      /^fine-tune: extension host event-loop delay p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms \(\d+ samples\)$/,
    );
  });
});
