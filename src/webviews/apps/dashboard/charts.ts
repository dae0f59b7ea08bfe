/**
 * One live uPlot chart card: title, optional PNG export button, the chart itself. Colours come
 * from VS Code's theme variables (`--vscode-charts-*`, foreground, grid), read when the chart is
 * built and again when the theme changes. The chart is rebuilt only when its shape changes
 * (columns, log scale, x mode, theme); otherwise new data goes through `setData`. The container
 * carries `data-points` (raw points of the first live series) and `data-drawn` (after decimation).
 */
import uPlot from 'uplot';

import type { ChartData, ChartSpec, ChartColumn } from '../../dashboard/chartSeries';
import type { DashboardPrefs } from '../../dashboard/protocol';
import { formatDuration, formatNumber, h } from './dom';

const PALETTE = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

export class ChartCard {
  readonly element: HTMLElement;
  private readonly host: HTMLElement;
  private readonly empty: HTMLElement;
  private plot: uPlot | undefined;
  private shape = '';

  constructor(
    readonly spec: ChartSpec,
    onExport: (card: ChartCard) => void,
  ) {
    this.host = h('div', { class: 'chart-host' });
    this.empty = h('p', { class: 'chart-empty' }, 'No data yet');
    const exportButton = h(
      'button',
      {
        type: 'button',
        class: 'icon-button export-png',
        'aria-label': `Export the ${spec.title} chart as PNG`,
        title: 'Export PNG',
      },
      'PNG',
    );
    exportButton.addEventListener('click', () => onExport(this));
    this.element = h(
      'section',
      { class: 'chart-card', id: spec.id, 'data-points': 0, 'data-drawn': 0, 'aria-label': `${spec.title} chart` },
      h('header', { class: 'chart-header' }, h('h3', {}, spec.title), exportButton),
      this.host,
      this.empty,
    );
  }

  update(data: ChartData, prefs: DashboardPrefs, themeKey: string): void {
    this.element.dataset['points'] = String(data.livePoints);
    this.element.dataset['drawn'] = String(data.drawnPoints);
    // The starting model's score as a reference line (fine-tuning), for the E2E and the curious.
    const reference = data.columns.find((c) => c.role === 'reference');
    if (reference) this.element.dataset['reference'] = String(reference.values[0] ?? '');
    else delete this.element.dataset['reference'];
    this.empty.hidden = data.xs.length > 0;
    const log = Boolean(this.spec.logScale && prefs.logLoss);
    const shape = [
      themeKey,
      prefs.xAxis,
      log,
      ...data.columns.map((c) => `${c.run}/${c.role}/${c.seriesIndex}/${c.label}`),
    ].join('|');
    const aligned: uPlot.AlignedData = [
      data.xs,
      ...data.columns.map((c) => (log ? c.values.map((v) => (v !== null && v > 0 ? v : null)) : c.values)),
    ];
    if (!data.xs.length) {
      this.plot?.destroy();
      this.plot = undefined;
      this.shape = '';
      return;
    }
    if (this.plot && shape === this.shape) {
      this.plot.setData(aligned);
      return;
    }
    this.plot?.destroy();
    this.shape = shape;
    this.plot = new uPlot(this.options(data.columns, prefs, log), aligned, this.host);
  }

  resize(): void {
    if (this.plot) this.plot.setSize({ width: this.width(), height: this.plot.height });
  }

  /** The chart on the editor background, with its title, as a PNG data URL. */
  toPng(): string | undefined {
    if (!this.plot) return undefined;
    const src = this.plot.ctx.canvas;
    const pad = 32;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + pad;
    const ctx = out.getContext('2d');
    if (!ctx) return undefined;
    ctx.fillStyle = cssVar('--vscode-editor-background', '#1e1e1e');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = cssVar('--vscode-foreground', '#cccccc');
    ctx.font = `${Math.round(14 * devicePixelRatio)}px sans-serif`;
    ctx.fillText(this.spec.title, 8, pad * 0.7);
    ctx.drawImage(src, 0, pad);
    return out.toDataURL('image/png');
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  private width(): number {
    return Math.max(240, this.host.clientWidth || this.element.clientWidth - 16);
  }

  private options(columns: readonly ChartColumn[], prefs: DashboardPrefs, log: boolean): uPlot.Options {
    const fg = cssVar('--vscode-foreground', '#cccccc');
    const grid = rgba(cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', '#80808040')), 0.35);
    const time = prefs.xAxis === 'time';
    const fmtX = (v: number): string => (time ? formatDuration(v * 1000) : formatNumber(v));
    return {
      width: this.width(),
      height: 220,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [
        {
          stroke: fg,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          values: (_u, ticks) => ticks.map(fmtX),
          label: time ? 'elapsed' : 'step',
        },
        {
          stroke: fg,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          values: (_u, ticks) => ticks.map(formatNumber),
          size: 60,
        },
      ],
      series: [
        { label: time ? 'elapsed' : 'step', value: (_u, v) => (v === null ? '–' : fmtX(v)) },
        ...columns.map((c) => seriesOptions(c)),
      ],
    };
  }
}

function seriesOptions(c: ChartColumn): uPlot.Series {
  const base = color(c.seriesIndex);
  const dash = c.run === 'compare' ? [6, 4] : undefined;
  const common = {
    label: c.label,
    value: (_u: uPlot, v: number | null) => formatNumber(v),
    spanGaps: true,
    ...(dash ? { dash } : {}),
  };
  if (c.role === 'reference')
    return { ...common, stroke: rgba(base, 0.7), width: 1.5, dash: [4, 4], points: { show: false } };
  if (c.role === 'raw') return { ...common, stroke: rgba(base, 0.25), width: 1, points: { show: false } };
  if (c.role === 'eval') return { ...common, stroke: base, width: 1.5, points: { show: true, size: 6, fill: base } };
  return { ...common, stroke: base, width: 2, points: { show: false } };
}

function color(i: number): string {
  return cssVar(PALETTE[i % PALETTE.length] ?? PALETTE[0] ?? '', FALLBACK[i % FALLBACK.length] ?? '#3794ff');
}

/** A theme variable resolved to a concrete colour (canvas cannot read CSS variables). */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** Any CSS colour with the given alpha, via the browser's own colour parsing. */
function rgba(colorText: string, alpha: number): string {
  const probe = document.createElement('span');
  probe.style.color = colorText;
  document.body.append(probe);
  const rgb = getComputedStyle(probe).color;
  probe.remove();
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(rgb);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : colorText;
}
