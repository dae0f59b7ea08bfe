/**
 * A run's metrics as CSV: one row per training step, evaluation values joined on their step
 * (empty where a step had no evaluation). Columns: step, wall_time (ISO 8601), elapsed_s, then
 * every metric key seen in the run, training first, in a stable order. RFC 4180 quoting. Pure.
 */
import type { EvalPoint, MetricPoint } from './protocol';

const PREFERRED = [
  'loss',
  'perplexity',
  'tokenAccuracy',
  'learningRate',
  'gradNorm',
  'tokensPerSecond',
  'validLoss',
  'validPerplexity',
  'bleu',
  'smoothedBleu',
  'exactMatch',
];

export function metricsToCsv(startedAt: number, metrics: readonly MetricPoint[], evals: readonly EvalPoint[]): string {
  const keys = orderKeys([...metrics, ...evals]);
  const byStep = new Map<number, { wallTime: number; values: Record<string, number> }>();
  for (const p of [...metrics, ...evals]) {
    const row = byStep.get(p.step) ?? { wallTime: p.wallTime, values: {} };
    Object.assign(row.values, p.values);
    byStep.set(p.step, row);
  }
  const lines = [['step', 'wall_time', 'elapsed_s', ...keys].map(csvField).join(',')];
  for (const step of [...byStep.keys()].sort((a, b) => a - b)) {
    const row = byStep.get(step);
    if (!row) continue;
    const cells = [String(step), new Date(row.wallTime).toISOString(), ((row.wallTime - startedAt) / 1000).toFixed(3)];
    for (const k of keys) {
      const v = row.values[k];
      cells.push(v === undefined || !Number.isFinite(v) ? '' : String(v));
    }
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function orderKeys(points: readonly { values: Readonly<Record<string, number>> }[]): string[] {
  const seen = new Set<string>();
  for (const p of points) for (const k of Object.keys(p.values)) seen.add(k);
  const known = PREFERRED.filter((k) => seen.has(k));
  const rest = [...seen].filter((k) => !PREFERRED.includes(k)).sort();
  return [...known, ...rest];
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
