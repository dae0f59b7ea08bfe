/**
 * Chart controls (x axis step/time, smoothing slider, log scale for loss) and the runs history
 * (past runs, overlay one on the live run, export a run's metrics as CSV). Native form controls
 * with labels, so they are keyboard-operable and announced by screen readers.
 */
import type { DashboardPrefs, RunSummary, XAxisMode } from '../../dashboard/protocol';
import { formatNumber, h, setText } from './dom';

export interface ControlsHandlers {
  prefs(patch: Partial<DashboardPrefs>): void;
  compare(id: string | null): void;
  exportCsv(id: string | null): void;
  refreshRuns(): void;
}

export class ControlsView {
  readonly toolbar: HTMLElement;
  readonly history: HTMLElement;
  private readonly xAxis = h(
    'select',
    { id: 'x-axis-select', 'aria-label': 'X axis' },
    h('option', { value: 'step' }, 'Step'),
    h('option', { value: 'time' }, 'Wall time'),
  );
  private readonly smoothing = h('input', {
    id: 'smoothing-slider',
    type: 'range',
    min: 0,
    max: 0.99,
    step: 0.01,
    'aria-label': 'Smoothing (exponential moving average weight)',
  });
  private readonly smoothingValue = h('output', { id: 'smoothing-value', for: 'smoothing-slider' });
  private readonly log = h('input', { id: 'log-scale-toggle', type: 'checkbox' });
  private readonly compareSelect = h('select', { id: 'compare-select', 'aria-label': 'Overlay a past run' });
  private readonly runsBody = h('tbody');
  private readonly notice = h('p', { id: 'export-notice', class: 'notice', role: 'status', 'aria-live': 'polite' });
  private runsKey = '';

  constructor(private readonly on: ControlsHandlers) {
    this.xAxis.addEventListener('change', () => on.prefs({ xAxis: this.xAxis.value as XAxisMode }));
    this.smoothing.addEventListener('input', () => on.prefs({ smoothing: Number(this.smoothing.value) }));
    this.log.addEventListener('change', () => on.prefs({ logLoss: this.log.checked }));
    this.compareSelect.addEventListener('change', () => on.compare(this.compareSelect.value || null));
    const refresh = h(
      'button',
      { id: 'refresh-runs-button', type: 'button', 'aria-label': 'Refresh the runs list' },
      'Refresh',
    );
    refresh.addEventListener('click', () => on.refreshRuns());
    const exportLive = h(
      'button',
      { id: 'export-csv-button', type: 'button', 'aria-label': 'Export the current run metrics as CSV' },
      'Export CSV',
    );
    exportLive.addEventListener('click', () => on.exportCsv(null));

    this.toolbar = h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Chart options' },
      h('label', { for: 'x-axis-select' }, 'X axis '),
      this.xAxis,
      h('label', { for: 'smoothing-slider' }, 'Smoothing '),
      this.smoothing,
      this.smoothingValue,
      h('label', { class: 'check' }, this.log, ' Log scale (loss, perplexity)'),
      h('label', { for: 'compare-select' }, 'Compare with '),
      this.compareSelect,
      exportLive,
    );
    const table = h(
      'table',
      { id: 'runs-list', class: 'runs', 'aria-label': 'Past runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Started', 'Status', 'Steps', 'Final loss', 'Best BLEU', 'Backend', ''].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      this.runsBody,
    );
    this.history = h(
      'section',
      { class: 'card history-card', 'aria-label': 'Runs history' },
      h('header', { class: 'chart-header' }, h('h2', {}, 'Runs'), refresh),
      table,
      this.notice,
    );
  }

  update(prefs: DashboardPrefs, runs: readonly RunSummary[], liveId: string | null, notice: string | null): void {
    this.xAxis.value = prefs.xAxis;
    if (document.activeElement !== this.smoothing) this.smoothing.value = String(prefs.smoothing);
    setText(this.smoothingValue, prefs.smoothing.toFixed(2));
    this.smoothing.setAttribute('aria-valuetext', prefs.smoothing === 0 ? 'off' : prefs.smoothing.toFixed(2));
    this.log.checked = prefs.logLoss;
    setText(this.notice, notice ?? '');
    const key = JSON.stringify([runs, liveId, prefs.compareId]);
    if (key === this.runsKey) return;
    this.runsKey = key;
    const others = runs.filter((r) => r.id !== liveId);
    this.compareSelect.replaceChildren(
      h('option', { value: '' }, 'None'),
      ...others.map((r) => h('option', { value: r.id }, runLabel(r))),
    );
    this.compareSelect.value = prefs.compareId && others.some((r) => r.id === prefs.compareId) ? prefs.compareId : '';
    this.runsBody.replaceChildren(...runs.map((r) => this.row(r, r.id === liveId, r.id === prefs.compareId)));
  }

  private row(r: RunSummary, live: boolean, compared: boolean): HTMLTableRowElement {
    const overlay = h(
      'button',
      {
        type: 'button',
        class: 'overlay-run',
        'data-run-id': r.id,
        'aria-pressed': String(compared),
        'aria-label': `Overlay run ${runLabel(r)}`,
        disabled: live,
      },
      compared ? 'Overlaid' : 'Overlay',
    );
    overlay.addEventListener('click', () => this.on.compare(compared ? null : r.id));
    const csv = h(
      'button',
      {
        type: 'button',
        class: 'export-run-csv',
        'data-run-id': r.id,
        'aria-label': `Export run ${runLabel(r)} as CSV`,
      },
      'CSV',
    );
    csv.addEventListener('click', () => this.on.exportCsv(r.id));
    return h(
      'tr',
      { class: live ? 'run-row live' : 'run-row', 'data-run-id': r.id, 'data-status': r.status },
      h('td', {}, new Date(r.startedAt).toLocaleString()),
      h('td', {}, live ? `${r.status} (live)` : r.status),
      h('td', {}, `${r.lastStep}${r.totalSteps ? ` / ${r.totalSteps}` : ''}`),
      h('td', {}, formatNumber(r.finalLoss)),
      h('td', {}, formatNumber(r.bestBleu)),
      h('td', {}, r.backend),
      h('td', { class: 'actions' }, overlay, csv),
    );
  }
}

function runLabel(r: RunSummary): string {
  return `${r.name ? `${r.name} ` : ''}${new Date(r.startedAt).toLocaleString()}`;
}
