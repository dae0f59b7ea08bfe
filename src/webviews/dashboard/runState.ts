/**
 * The dashboard's state and its reducer, shared by the browser app (what it renders) and the host
 * (the live run it hands a panel opened mid-run). Pure: no DOM, no `vscode`, no Node.
 *
 * Events arrive in batches (the host coalesces them), so `applyEvents` copies the point arrays
 * once per batch, not once per event. Memory stays bounded on long runs: past `maxPoints` metric
 * points the older half is thinned to every other point (the history file keeps them all).
 */
import {
  DEFAULT_PREFS,
  type DashboardEvent,
  type DashboardPrefs,
  type EvalPoint,
  type HeldOutScores,
  type MetricPoint,
  type RunRecord,
  type RunStatus,
  type RunSummary,
  type Sample,
} from './protocol';

export const MAX_LIVE_POINTS = 20_000;

export interface DashboardState {
  readonly live: RunRecord | null;
  readonly compare: RunRecord | null;
  readonly runs: readonly RunSummary[];
  readonly prefs: DashboardPrefs;
  /** Last export's outcome, shown to the user. */
  readonly notice: string | null;
}

export type DashboardAction =
  | { readonly type: 'events'; readonly events: readonly DashboardEvent[] }
  | { readonly type: 'snapshot'; readonly record: RunRecord | null }
  | { readonly type: 'runs'; readonly runs: readonly RunSummary[] }
  | { readonly type: 'compare'; readonly record: RunRecord | null }
  | { readonly type: 'prefs'; readonly patch: Partial<DashboardPrefs> }
  | { readonly type: 'notice'; readonly text: string | null };

export function initialState(restored?: { prefs?: Partial<DashboardPrefs>; live?: RunRecord | null }): DashboardState {
  return {
    live: restored?.live ?? null,
    compare: null,
    runs: [],
    prefs: { ...DEFAULT_PREFS, ...(restored?.prefs ?? {}) },
    notice: null,
  };
}

export function reduce(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case 'events':
      return { ...state, live: applyEvents(state.live, action.events) };
    case 'snapshot':
      // A null snapshot (nothing running now) keeps what was restored from the webview state.
      return action.record ? { ...state, live: action.record } : state;
    case 'runs':
      return { ...state, runs: action.runs };
    case 'compare':
      return { ...state, compare: action.record, prefs: { ...state.prefs, compareId: action.record?.run.id ?? null } };
    case 'prefs':
      return {
        ...state,
        prefs: {
          ...state.prefs,
          ...action.patch,
          smoothing: clampSmoothing(action.patch.smoothing ?? state.prefs.smoothing),
        },
      };
    case 'notice':
      return { ...state, notice: action.text };
  }
}

export function clampSmoothing(w: number): number {
  return Number.isFinite(w) ? Math.min(0.99, Math.max(0, w)) : DEFAULT_PREFS.smoothing;
}

/** Folds a batch of events into a run record; events before any `runStarted` are ignored. */
export function applyEvents(
  record: RunRecord | null,
  events: readonly DashboardEvent[],
  maxPoints = MAX_LIVE_POINTS,
): RunRecord | null {
  let rec = record;
  let metrics: MetricPoint[] | null = null;
  let evals: EvalPoint[] | null = null;
  const flush = (r: RunRecord): RunRecord => {
    const out = { ...r, ...(metrics ? { metrics } : {}), ...(evals ? { evals } : {}) };
    metrics = null;
    evals = null;
    return out;
  };
  for (const e of events) {
    if (e.type === 'runStarted') {
      rec = { run: e.run, metrics: [], evals: [], status: 'running', step: 0, epoch: 0, elapsedMs: 0, etaMs: null };
      metrics = null;
      evals = null;
      continue;
    }
    if (!rec) continue;
    switch (e.type) {
      case 'step':
        metrics ??= rec.metrics.slice();
        metrics.push(e.point);
        rec = { ...rec, step: e.point.step, epoch: e.epoch, elapsedMs: e.elapsedMs, etaMs: e.etaMs };
        break;
      case 'eval':
        evals ??= rec.evals.slice();
        evals.push(e.point);
        break;
      case 'reference':
        rec = { ...rec, reference: e.reference };
        break;
      case 'status':
        rec = { ...rec, status: e.status, ...(e.status === 'failed' && e.message ? { error: e.message } : {}) };
        break;
      case 'checkpoint':
        rec = { ...rec, checkpoint: { step: e.step, path: e.path } };
        break;
      case 'finished':
        rec = {
          ...rec,
          status: 'finished',
          endReason: e.reason,
          step: Math.max(rec.step, e.step),
          etaMs: 0,
          ...(e.checkpointPath ? { checkpoint: { step: e.step, path: e.checkpointPath } } : {}),
        };
        break;
      case 'verdict':
        rec = { ...rec, verdict: e.verdict };
        break;
      case 'error': {
        // A guard that failed decided nothing: drop its "checking".
        const { verdict, ...rest } = rec;
        rec = { ...rest, ...(verdict?.state === 'decided' ? { verdict } : {}), status: 'failed', error: e.message };
        break;
      }
    }
  }
  if (!rec) return null;
  rec = flush(rec);
  return rec.metrics.length > maxPoints ? thin(rec, maxPoints) : rec;
}

/** Keeps every other point of the older half until the record fits; the newest points stay whole. */
function thin(rec: RunRecord, maxPoints: number): RunRecord {
  let pts = rec.metrics;
  while (pts.length > maxPoints) {
    const half = Math.floor(pts.length / 2);
    pts = [...pts.slice(0, half).filter((_, i) => i % 2 === 0), ...pts.slice(half)];
  }
  return { ...rec, metrics: pts, thinned: (rec.thinned ?? 0) + rec.metrics.length - pts.length };
}

/** A sample with what changed since the previous evaluation. */
export interface SampleRow extends Sample {
  /** The prediction at the previous evaluation, when there was one. */
  readonly previous: string | null;
  readonly changed: boolean;
  /** Exact match with the reference (after trimming). */
  readonly correct: boolean;
}

export function sampleRows(evals: readonly EvalPoint[]): SampleRow[] {
  const last = evals[evals.length - 1];
  if (!last) return [];
  const before = new Map((evals[evals.length - 2]?.samples ?? []).map((s) => [s.id, s.prediction]));
  return last.samples.map((s) => {
    const previous = before.get(s.id) ?? null;
    return {
      ...s,
      previous,
      changed: previous !== null && previous !== s.prediction,
      correct: s.prediction.trim() === s.reference.trim(),
    };
  });
}

/** Fraction of the run done, in [0, 1]. */
export function progressFraction(rec: RunRecord): number {
  if (rec.status === 'finished' && rec.endReason === 'completed') return 1;
  return rec.run.totalSteps > 0 ? Math.min(1, rec.step / rec.run.totalSteps) : 0;
}

export function isActive(status: RunStatus): boolean {
  return status === 'running' || status === 'paused' || status === 'stopping';
}

/** One line for the history list. */
export function summarize(rec: RunRecord): RunSummary {
  const lastLoss = [...rec.metrics].reverse().find((p) => Number.isFinite(p.values['loss']))?.values['loss'];
  const bleus = rec.evals
    .map((e) => e.values['bleu'])
    .filter((b): b is number => typeof b === 'number' && Number.isFinite(b));
  return {
    id: rec.run.id,
    ...(rec.run.name ? { name: rec.run.name } : {}),
    startedAt: rec.run.startedAt,
    backend: rec.run.backend,
    modelSize: rec.run.modelSize,
    totalSteps: rec.run.totalSteps,
    lastStep: rec.step,
    status: rec.status,
    ...(lastLoss !== undefined ? { finalLoss: lastLoss } : {}),
    ...(bleus.length ? { bestBleu: Math.max(...bleus) } : {}),
  };
}

/** The run status badge: its text and the colour it takes. */
export interface RunHeadline {
  readonly text: string;
  /** `warning`: the run finished but its model was not kept. */
  readonly tone: 'idle' | 'active' | 'paused' | 'good' | 'warning' | 'bad';
}

const STATUS_TEXT: Record<RunStatus, string> = {
  running: 'Running',
  paused: 'Paused',
  stopping: 'Stopping…',
  finished: 'Finished',
  failed: 'Failed',
};

/**
 * What the badge says. A fine-tune is only a success once the guard kept its model: while the guard
 * checks, and when it keeps the base model, "Finished" is not shown as green.
 */
export function runHeadline(rec: RunRecord | null): RunHeadline {
  if (!rec) return { text: 'No run', tone: 'idle' };
  if (rec.status !== 'finished')
    return {
      text: STATUS_TEXT[rec.status],
      tone: rec.status === 'failed' ? 'bad' : rec.status === 'running' ? 'active' : 'paused',
    };
  const ended =
    rec.endReason === 'stopped'
      ? 'Stopped'
      : rec.endReason === 'earlyStopped'
        ? 'Finished (early stopping)'
        : rec.endReason === 'timeBudget'
          ? 'Finished (time budget spent)'
          : 'Finished';
  const v = rec.verdict;
  if (!v) return { text: ended, tone: 'good' };
  if (v.state === 'checking') return { text: `${ended}: comparing with ${v.baseName}…`, tone: 'paused' };
  return v.kept === 'fineTuned'
    ? { text: `${ended}: new model kept`, tone: 'good' }
    : { text: `${ended}: kept ${v.baseName}`, tone: 'warning' };
}

/** The verdict card: both models' held-out scores side by side, and what was decided. */
export interface VerdictView {
  readonly tone: 'checking' | 'good' | 'warning';
  readonly title: string;
  readonly message: string;
  /** One row per metric; empty while checking or when there was nothing to check on. */
  readonly rows: readonly {
    readonly metric: string;
    readonly base: number;
    readonly fineTuned: number;
    /** The fine-tuned model scored higher on this metric. */
    readonly fineTunedAhead: boolean;
  }[];
  readonly baseLabel: string;
  /** How these scores differ from the chart's (where they come from). */
  readonly note: string;
}

const VERDICT_METRICS: readonly { readonly key: keyof HeldOutScores; readonly label: string }[] = [
  { key: 'chrf', label: 'chrF' },
  { key: 'sentenceBleu', label: 'smoothed BLEU-4' },
];

export function verdictView(rec: RunRecord | null): VerdictView | null {
  const v = rec?.verdict;
  if (!v) return null;
  const baseLabel = v.baseName.replace(/^the /, '');
  if (v.state === 'checking')
    return {
      tone: 'checking',
      title: `Comparing the new model with ${v.baseName}…`,
      message: `Both models are writing comments for functions of your workspace that neither trained on; the new model is kept only if it does better.`,
      rows: [],
      baseLabel,
      note: '',
    };
  const kept = v.kept === 'fineTuned';
  return {
    tone: kept ? 'good' : 'warning',
    title: kept ? `The new model beats ${v.baseName}` : `Kept ${v.baseName}: the new model was not better`,
    message: v.message,
    rows:
      v.heldOutFunctions > 0
        ? VERDICT_METRICS.map(({ key, label }) => ({
            metric: label,
            base: v.base[key],
            fineTuned: v.fineTuned[key],
            fineTunedAhead: v.fineTuned[key] > v.base[key],
          }))
        : [],
    baseLabel,
    note:
      `Scores on ${v.heldOutFunctions} held-out functions neither model trained on, decoded as the editor decodes: ` +
      `this decides which model is kept. The BLEU chart below is the validation split during training.`,
  };
}
