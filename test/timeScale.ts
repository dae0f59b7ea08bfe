/**
 * One factor for every deadline in the tests, so that they hold on a busy machine.
 *
 * Tests wait for conditions, not for fixed times; where a deadline is unavoidable (how long to
 * wait before calling a condition failed, or a latency a test asserts) it is `scaled(ms)`: the
 * time a quiet machine needs, times this factor. `SEQ2SEQ_TEST_TIME_FACTOR` sets the factor (a
 * number >= 1); without it the factor is the 1-minute load average per CPU core, read when the
 * deadline is set, between 1 (an idle machine, or a platform without a load average) and 4.
 */
import * as os from 'os';

/** The highest factor the load average alone gives; the environment variable may go higher. */
const MAX_AUTOMATIC = 4;

/** The factor now: the environment's, or the load average per core clamped to 1..4. */
export function timeFactor(): number {
  const set = process.env.SEQ2SEQ_TEST_TIME_FACTOR;
  if (set !== undefined && set !== '') {
    const f = Number(set);
    if (!Number.isFinite(f) || f < 1) throw new Error(`SEQ2SEQ_TEST_TIME_FACTOR must be a number >= 1, got "${set}"`);
    return f;
  }
  const perCore = os.loadavg()[0]! / Math.max(1, os.cpus().length);
  return Math.min(MAX_AUTOMATIC, Math.max(1, perCore));
}

/** `ms` (what a quiet machine needs) times the factor, in whole milliseconds. */
export function scaled(ms: number): number {
  return Math.round(ms * timeFactor());
}

/** A line for logs: the factor and where it came from. */
export function describeTimeFactor(): string {
  const [load] = os.loadavg();
  const source = process.env.SEQ2SEQ_TEST_TIME_FACTOR
    ? 'SEQ2SEQ_TEST_TIME_FACTOR'
    : `load average ${load!.toFixed(2)} on ${os.cpus().length} cores`;
  return `deadlines x${timeFactor().toFixed(2)} (${source})`;
}
