/**
 * One training run at a time on the host, and which kind holds it: a fine-tune the user asked
 * for, or the workspace's learning run (src/host/learning.ts). `tryStart` claims the run
 * synchronously, before any slow setup (mining, asking the user), so a second start in quick
 * succession is refused at once instead of both passing the check; `end` releases it whatever
 * happened. A learning run gives way to a fine-tune the user asked for (`stopLearningRun`); a
 * fine-tune never does. No `vscode`.
 */
export type RunKind = 'fine-tune' | 'learning';

export class RunGuard {
  private holder: RunKind | undefined;
  private waiting: (() => void)[] = [];

  get running(): boolean {
    return this.holder !== undefined;
  }

  /** The kind of the run in progress, or undefined when none is. */
  get kind(): RunKind | undefined {
    return this.holder;
  }

  /** True when the caller may start (and now owns the run); false when one is in progress. */
  tryStart(kind: RunKind): boolean {
    if (this.holder) return false;
    this.holder = kind;
    return true;
  }

  end(): void {
    this.holder = undefined;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Resolves once no run is in progress (at once when none is). */
  whenIdle(): Promise<void> {
    return this.holder ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve();
  }

  /** Runs `body` as the one run, of kind `kind`, or returns `onBusy()` when another is in progress. */
  async run<T>(kind: RunKind, body: () => Promise<T>, onBusy: () => T): Promise<T> {
    if (!this.tryStart(kind)) return onBusy();
    try {
      return await body();
    } finally {
      this.end();
    }
  }
}

/** How often a stop is sent again to a learning run that has not ended. */
export const STOP_RETRY_MS = 1000;

/**
 * Stops the learning run that holds `guard` and resolves once it has ended (at once when none
 * holds it). `cancel` is sent again every `retryMs` until then: a stop sent before the run's job
 * reached the worker finds nothing to stop there. Whoever awaits this claims the guard in the same
 * turn it resolves in, before a timer or a worker message could start another run.
 */
export async function stopLearningRun(
  guard: RunGuard,
  cancel: () => Promise<void>,
  retryMs = STOP_RETRY_MS,
): Promise<void> {
  while (guard.kind === 'learning') {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await cancel();
    await Promise.race([guard.whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, retryMs)))]);
    clearTimeout(timer);
  }
}
