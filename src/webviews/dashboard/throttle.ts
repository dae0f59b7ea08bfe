/**
 * Host-side rate bound for the dashboard: a training loop may report hundreds of steps a second,
 * but the webview gets at most `maxPerSecond` messages (default 10), each a batch of the events
 * since the last one. Sends are spaced at least `1000 / maxPerSecond` ms apart (leading edge: an
 * idle throttle sends at once). A batch keeps at most `maxStepsPerBatch` step events (older ones
 * are thinned evenly; other events are never dropped), so one message stays small too.
 * The clock is injected so tests can run with a fake one. No `vscode`.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface ThrottleOptions<T> {
  readonly maxPerSecond?: number;
  readonly maxStepsPerBatch?: number;
  /** Events that may be thinned when a batch is too long (the rest are always kept). */
  readonly isThinnable?: (event: T) => boolean;
  readonly clock?: Clock;
}

export class EventThrottle<T> {
  private pending: T[] = [];
  private timer: unknown = undefined;
  private lastSent = -Infinity;
  private readonly interval: number;
  private readonly maxSteps: number;
  private readonly thinnable: (event: T) => boolean;
  private readonly clock: Clock;
  /** Counters for tests and diagnostics. */
  readonly stats = { received: 0, sent: 0, batches: 0, dropped: 0 };

  constructor(
    private readonly send: (events: T[]) => void,
    options: ThrottleOptions<T> = {},
  ) {
    this.interval = 1000 / (options.maxPerSecond ?? 10);
    this.maxSteps = options.maxStepsPerBatch ?? 1000;
    this.thinnable = options.isThinnable ?? (() => false);
    this.clock = options.clock ?? systemClock;
  }

  push(event: T): void {
    this.stats.received++;
    this.pending.push(event);
    this.schedule();
  }

  /** Drops what is pending (e.g. the webview went away; it gets a snapshot when back). */
  clear(): void {
    this.pending = [];
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.clear();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastSent + this.interval - this.clock.now());
    if (wait === 0) {
      this.flush();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.pending.length) return;
    const batch = this.thin(this.pending);
    this.pending = [];
    this.lastSent = this.clock.now();
    this.stats.batches++;
    this.stats.sent += batch.length;
    this.send(batch);
  }

  /** Keeps every k-th thinnable event (the newest always), so a batch has <= maxSteps of them. */
  private thin(events: T[]): T[] {
    const steps = events.reduce((n, e) => n + (this.thinnable(e) ? 1 : 0), 0);
    if (steps <= this.maxSteps) return events;
    const stride = Math.ceil(steps / this.maxSteps);
    let seen = 0;
    const out = events.filter((e) => {
      if (!this.thinnable(e)) return true;
      seen++;
      return (steps - seen) % stride === 0;
    });
    this.stats.dropped += events.length - out.length;
    return out;
  }
}
