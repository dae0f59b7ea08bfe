/**
 * Shared fixtures for the dashboard tests: a run's events as the training adapter would push them,
 * and a fake clock for the throttle.
 */
import type { DashboardEvent, RunInfo, Sample } from '../../src/webviews/dashboard/protocol';
import type { Clock } from '../../src/webviews/dashboard/throttle';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export function runInfo(id = 'run-1', startedAt = T0): RunInfo {
  return {
    id,
    startedAt,
    backend: 'wasm',
    modelSize: 1_234_567,
    hyperparameters: { optimizer: 'adam', learningRate: 5e-4, batchSize: 16 },
    totalSteps: 100,
    totalEpochs: 2,
    name: 'tiny',
  };
}

export function stepEvent(step: number, loss: number, startedAt = T0): DashboardEvent {
  return {
    type: 'step',
    epoch: step < 50 ? 1 : 2,
    elapsedMs: step * 1000,
    etaMs: (100 - step) * 1000,
    point: {
      step,
      wallTime: startedAt + step * 1000,
      values: { loss, perplexity: Math.exp(loss), learningRate: 5e-4, gradNorm: 1.5, tokensPerSecond: 700 },
    },
  };
}

export function evalEvent(step: number, predictions: readonly string[], bleu: number): DashboardEvent {
  const samples: Sample[] = predictions.map((prediction, i) => ({
    id: `s${i}`,
    source: `def f${i}(x): return x`,
    reference: `returns x ${i}`,
    prediction,
  }));
  return {
    type: 'eval',
    point: {
      step,
      wallTime: T0 + step * 1000,
      values: { validLoss: 2, validPerplexity: Math.exp(2), bleu, exactMatch: 0.1 },
      samples,
    },
  };
}

/** A deterministic clock: `advance` runs due timers in time order. */
export class FakeClock implements Clock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }
}
