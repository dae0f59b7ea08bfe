/**
 * Learning-rate schedules: the rate for optimizer step `step` (1-based) from a base rate.
 *
 * - constant: `base`.
 * - noam: linear warmup then inverse square root (Vaswani et al.), normalised so the peak at
 *   `warmupSteps` equals `base`: `base * min(step / warmup, sqrt(warmup / step))`.
 * - cosine: linear warmup, then half a cosine from `base` down to `minRate` at `totalSteps`.
 * - plateau: `base` until the watched validation metric stops improving for `patience`
 *   evaluations, then multiplied by `factor` (never below `minRate`).
 * Schedules with memory (plateau) expose their state so a resumed run continues the same way.
 */

export type ScheduleConfig =
  | { readonly kind: 'constant' }
  | { readonly kind: 'noam'; readonly warmupSteps: number }
  | { readonly kind: 'cosine'; readonly warmupSteps: number; readonly totalSteps: number; readonly minRate?: number }
  | { readonly kind: 'plateau'; readonly factor?: number; readonly patience?: number; readonly minRate?: number };

export type ScheduleKind = ScheduleConfig['kind'];
export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'noam', 'cosine', 'plateau'];

/** Plain JSON that a checkpoint stores for the schedule. */
export interface ScheduleState {
  readonly rate?: number;
  readonly best?: number;
  readonly badEvaluations?: number;
}

export interface LrSchedule {
  /** Rate for optimizer step `step` (1-based). */
  rate(step: number): number;
  /** Reports a validation value where lower is better (loss); plateau may lower the rate. */
  observe(value: number): void;
  state(): ScheduleState;
  restore(state: ScheduleState): void;
}

function positive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`schedule: ${name} must be > 0, got ${v}`);
}

export function createSchedule(config: ScheduleConfig, baseRate: number): LrSchedule {
  positive('learning rate', baseRate);
  const stateless = (rate: (step: number) => number): LrSchedule => ({
    rate,
    observe: () => undefined,
    state: () => ({}),
    restore: () => undefined,
  });
  switch (config.kind) {
    case 'constant':
      return stateless(() => baseRate);
    case 'noam': {
      positive('warmupSteps', config.warmupSteps);
      const w = config.warmupSteps;
      return stateless((step) => {
        const s = Math.max(1, step);
        return baseRate * Math.min(s / w, Math.sqrt(w / s));
      });
    }
    case 'cosine': {
      positive('totalSteps', config.totalSteps);
      const w = Math.max(0, config.warmupSteps);
      const min = config.minRate ?? 0;
      return stateless((step) => {
        const s = Math.max(1, step);
        if (s <= w) return (baseRate * s) / w;
        const progress = Math.min(1, (s - w) / Math.max(1, config.totalSteps - w));
        return min + (baseRate - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
      });
    }
    case 'plateau':
      return new PlateauSchedule(baseRate, config.factor ?? 0.5, config.patience ?? 2, config.minRate ?? 0);
    default: {
      const bad: never = config;
      throw new Error(`unknown schedule ${JSON.stringify(bad)}`);
    }
  }
}

class PlateauSchedule implements LrSchedule {
  private current: number;
  private best = Infinity;
  private bad = 0;

  constructor(
    base: number,
    private readonly factor: number,
    private readonly patience: number,
    private readonly minRate: number,
  ) {
    if (!(factor > 0 && factor < 1)) throw new Error(`schedule: plateau factor must be in (0, 1), got ${factor}`);
    this.current = base;
  }

  rate(): number {
    return this.current;
  }

  observe(value: number): void {
    if (value < this.best) {
      this.best = value;
      this.bad = 0;
      return;
    }
    if (++this.bad > this.patience) {
      this.current = Math.max(this.minRate, this.current * this.factor);
      this.bad = 0;
    }
  }

  state(): ScheduleState {
    return {
      rate: this.current,
      ...(Number.isFinite(this.best) ? { best: this.best } : {}),
      badEvaluations: this.bad,
    };
  }

  restore(state: ScheduleState): void {
    if (state.rate !== undefined) this.current = state.rate;
    this.best = state.best ?? Infinity;
    this.bad = state.badEvaluations ?? 0;
  }
}
