/**
 * The extension host's event-loop delay over a stretch of time (Node's perf_hooks histogram, a
 * timer every 10 ms measuring how late it fires): how responsive the editor's extensions stayed
 * while something ran, e.g. a fine-tune whose training lives in worker threads.
 */
import { monitorEventLoopDelay } from 'perf_hooks';

export interface EventLoopDelay {
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Timer samples taken. */
  readonly samples: number;
}

/** Starts measuring; `stop()` ends it and returns the percentiles of the delay past each `resolutionMs` tick. */
export function measureEventLoopDelay(resolutionMs = 10): { stop(): EventLoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    stop(): EventLoopDelay {
      histogram.disable();
      // The histogram holds the time between timer firings: the delay is what exceeds the interval.
      const ms = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - resolutionMs) : 0);
      const samples = histogram.count;
      return samples === 0
        ? { p50: 0, p99: 0, max: 0, samples }
        : { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples };
    },
  };
}

/** One log line for a measurement. */
export function eventLoopDelayText(what: string, d: EventLoopDelay): string {
  return `${what}: extension host event-loop delay p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms (${d.samples} samples)`;
}
