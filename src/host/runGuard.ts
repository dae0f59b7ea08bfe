/**
 * One fine-tuning run at a time on the host. `tryStart` claims the run synchronously, before any
 * slow setup (mining, asking the user), so a second start in quick succession is refused at
 * once instead of both passing the check; `end` releases it whatever happened. No `vscode`.
 */
export class RunGuard {
  private active = false;

  get running(): boolean {
    return this.active;
  }

  /** True when the caller may start (and now owns the run); false when one is in progress. */
  tryStart(): boolean {
    if (this.active) return false;
    this.active = true;
    return true;
  }

  end(): void {
    this.active = false;
  }

  /** Runs `body` as the one run, or returns `onBusy()` when another is in progress. */
  async run<T>(body: () => Promise<T>, onBusy: () => T): Promise<T> {
    if (!this.tryStart()) return onBusy();
    try {
      return await body();
    } finally {
      this.end();
    }
  }
}
