/**
 * What each dashboard chart draws, as plain columns: for the live run (and an overlaid past run)
 * each training metric becomes a faint raw line plus its EMA-smoothed line, each evaluation
 * metric a line with points; long series are decimated (LTTB on the raw values, the same indices
 * for the smoothed twin) and every run's columns are joined on one shared x axis (uPlot's
 * aligned-data shape: `xs` `[n]`, each column `[n]` with null where it has no point). Pure.
 */
import { lttbIndices, pick } from './decimate';
import type { DashboardPrefs, EvalPoint, MetricPoint, RunRecord } from './protocol';
import { emaSmooth } from './smoothing';

export type SeriesSource = 'train' | 'eval';

export interface ChartSpec {
  /** Element id of the chart's container (stable for E2E tests). */
  readonly id: string;
  readonly title: string;
  readonly series: readonly { readonly source: SeriesSource; readonly key: string; readonly label: string }[];
  /** Offers the log-scale toggle. */
  readonly logScale?: boolean;
}

export const CHARTS: readonly ChartSpec[] = [
  {
    id: 'loss-chart',
    title: 'Loss',
    logScale: true,
    series: [
      { source: 'train', key: 'loss', label: 'train loss' },
      { source: 'eval', key: 'validLoss', label: 'valid loss' },
    ],
  },
  {
    id: 'perplexity-chart',
    title: 'Perplexity',
    logScale: true,
    series: [
      { source: 'train', key: 'perplexity', label: 'train ppl' },
      { source: 'eval', key: 'validPerplexity', label: 'valid ppl' },
    ],
  },
  {
    id: 'bleu-chart',
    title: 'BLEU',
    series: [
      { source: 'eval', key: 'bleu', label: 'BLEU' },
      { source: 'eval', key: 'smoothedBleu', label: 'smoothed BLEU' },
      { source: 'eval', key: 'exactMatch', label: 'exact match' },
    ],
  },
  {
    id: 'lr-chart',
    title: 'Learning rate',
    series: [{ source: 'train', key: 'learningRate', label: 'learning rate' }],
  },
  { id: 'gradnorm-chart', title: 'Gradient norm', series: [{ source: 'train', key: 'gradNorm', label: 'grad norm' }] },
  {
    id: 'throughput-chart',
    title: 'Target tokens/s',
    series: [{ source: 'train', key: 'tokensPerSecond', label: 'tokens/s' }],
  },
];

/** `reference`: a flat line at the starting model's score (fine-tuning), across the whole x range. */
export type ColumnRole = 'raw' | 'smoothed' | 'eval' | 'reference';

export interface ChartColumn {
  readonly label: string;
  readonly run: 'live' | 'compare';
  readonly role: ColumnRole;
  /** Index of the spec series (for colours). */
  readonly seriesIndex: number;
  readonly values: (number | null)[];
}

export interface ChartData {
  readonly xs: number[];
  readonly columns: ChartColumn[];
  /** Raw points of the first series of the live run before decimation (what the E2E counts). */
  readonly livePoints: number;
  /** Points drawn per column at most after decimation. */
  readonly drawnPoints: number;
}

/** x of a point: its step, or seconds since its run started (so two runs overlay from 0). */
export function xOf(p: MetricPoint | EvalPoint, rec: RunRecord, mode: DashboardPrefs['xAxis']): number {
  return mode === 'step' ? p.step : (p.wallTime - rec.run.startedAt) / 1000;
}

export function buildChartData(
  spec: ChartSpec,
  live: RunRecord | null,
  compare: RunRecord | null,
  prefs: DashboardPrefs,
  maxPoints = 1000,
): ChartData {
  const tables: { xs: number[]; column: ChartColumn }[] = [];
  let livePoints = 0;
  let drawnPoints = 0;
  const runs: ['live' | 'compare', RunRecord | null][] = [
    ['live', live],
    ['compare', compare && compare.run.id !== live?.run.id ? compare : null],
  ];
  for (const [which, rec] of runs) {
    if (!rec) continue;
    spec.series.forEach((s, seriesIndex) => {
      const points = (s.source === 'train' ? rec.metrics : rec.evals).filter(
        (p) => typeof p.values[s.key] === 'number',
      );
      if (!points.length) return;
      const xs = points.map((p) => xOf(p, rec, prefs.xAxis));
      const raw = points.map((p) => finiteOrNull(p.values[s.key]));
      if (which === 'live' && seriesIndex === 0) livePoints = points.length;
      const label = which === 'compare' ? `${s.label} (${shortId(rec.run.id)})` : s.label;
      if (s.source === 'eval') {
        tables.push({ xs, column: { label, run: which, role: 'eval', seriesIndex, values: raw } });
        drawnPoints = Math.max(drawnPoints, xs.length);
        return;
      }
      const idx = lttbIndices(xs, raw, maxPoints);
      drawnPoints = Math.max(drawnPoints, idx.length);
      const dx = pick(xs, idx);
      if (prefs.smoothing > 0) {
        const smooth = pick(emaSmooth(raw, prefs.smoothing), idx);
        if (which === 'live')
          tables.push({
            xs: dx,
            column: { label: `${label} (raw)`, run: which, role: 'raw', seriesIndex, values: pick(raw, idx) },
          });
        tables.push({ xs: dx, column: { label, run: which, role: 'smoothed', seriesIndex, values: smooth } });
      } else {
        tables.push({ xs: dx, column: { label, run: which, role: 'smoothed', seriesIndex, values: pick(raw, idx) } });
      }
    });
  }
  const joined = joinColumns(tables);
  return {
    ...joined,
    columns: [...joined.columns, ...referenceColumns(spec, live, joined.xs)],
    livePoints,
    drawnPoints,
  };
}

/** Flat lines at the live run's reference scores for the chart's evaluation series, over `xs`. */
export function referenceColumns(spec: ChartSpec, live: RunRecord | null, xs: readonly number[]): ChartColumn[] {
  const ref = live?.reference;
  if (!ref || xs.length === 0) return [];
  const out: ChartColumn[] = [];
  spec.series.forEach((s, seriesIndex) => {
    const v = s.source === 'eval' ? ref.values[s.key] : undefined;
    if (v === undefined || !Number.isFinite(v)) return;
    out.push({
      label: `${ref.label}: ${s.label}`,
      run: 'live',
      role: 'reference',
      seriesIndex,
      values: xs.map(() => v),
    });
  });
  return out;
}

/** Aligns tables with their own x onto the sorted union of all x (null where a table has none). */
export function joinColumns(tables: readonly { xs: readonly number[]; column: ChartColumn }[]): {
  xs: number[];
  columns: ChartColumn[];
} {
  const all = new Set<number>();
  for (const t of tables) for (const x of t.xs) all.add(x);
  const xs = [...all].sort((a, b) => a - b);
  const row = new Map(xs.map((x, i) => [x, i]));
  const columns = tables.map((t) => {
    const values = new Array<number | null>(xs.length).fill(null);
    t.xs.forEach((x, i) => {
      const r = row.get(x);
      if (r !== undefined) values[r] = t.column.values[i] ?? null;
    });
    return { ...t.column, values };
  });
  return { xs, columns };
}

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

function shortId(id: string): string {
  return id.length > 12 ? id.slice(-12) : id;
}
