/**
 * The run status card: status badge, step/epoch counters, progress bar, elapsed and ETA, backend,
 * model size, last checkpoint, error, the Pause/Resume and Stop buttons, the fine-tuning verdict
 * (both models' held-out scores; it stays until the next run) and the hyperparameters table.
 * Built once; `update` only rewrites text and attributes, so keyboard focus survives.
 */
import type { RunAction, RunRecord } from '../../dashboard/protocol';
import { isActive, progressFraction, runHeadline, verdictView } from '../../dashboard/runState';
import { formatDuration, formatNumber, h, setText } from './dom';

export class StatusView {
  readonly element: HTMLElement;
  private readonly status = h(
    'span',
    { id: 'run-status', class: 'status-badge', role: 'status', 'aria-live': 'polite', 'data-status': 'idle' },
    'No run',
  );
  private readonly title = h('h2', { id: 'run-title' }, 'Training');
  private readonly step = h('span', { id: 'step-counter', 'data-step': 0 }, 'Step –');
  private readonly epoch = h('span', { id: 'epoch-counter' }, 'Epoch –');
  private readonly fill = h('div', { class: 'progress-fill' });
  private readonly bar = h(
    'div',
    {
      id: 'progress-bar',
      class: 'progress',
      role: 'progressbar',
      'aria-label': 'Training progress',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': 0,
    },
    this.fill,
  );
  private readonly elapsed = h('dd', { id: 'elapsed' }, '–');
  private readonly eta = h('dd', { id: 'eta' }, '–');
  private readonly backend = h('dd', { id: 'backend' }, '–');
  private readonly modelSize = h('dd', { id: 'model-size' }, '–');
  private readonly checkpoint = h('dd', { id: 'checkpoint-info' }, '–');
  private readonly error = h('p', { id: 'run-error', class: 'error', role: 'alert', hidden: true });
  private readonly pause = h(
    'button',
    { id: 'pause-button', type: 'button', 'aria-label': 'Pause training', 'aria-pressed': 'false', disabled: true },
    'Pause',
  );
  private readonly stop = h(
    'button',
    {
      id: 'stop-button',
      type: 'button',
      class: 'danger',
      'aria-label': 'Stop training and save a checkpoint',
      disabled: true,
    },
    'Stop',
  );
  private readonly verdictTitle = h('h3', { id: 'verdict-title' });
  private readonly verdictMessage = h('p', { id: 'verdict-message' });
  private readonly verdictRows = h('tbody');
  private readonly verdictTable = h(
    'table',
    { id: 'verdict-scores', class: 'verdict-scores', 'aria-label': 'Held-out scores of both models' },
    this.verdictRows,
  );
  private readonly verdictNote = h('p', { id: 'verdict-note', class: 'note' });
  private readonly verdict = h(
    'section',
    { id: 'verdict', class: 'verdict', role: 'status', 'aria-live': 'polite', hidden: true },
    this.verdictTitle,
    this.verdictMessage,
    this.verdictTable,
    this.verdictNote,
  );
  private verdictKey = '';
  private readonly hyper = h('tbody');
  private hyperKey = '';
  private current: RunRecord | null = null;

  constructor(onAction: (action: RunAction) => void) {
    this.pause.addEventListener('click', () => {
      if (!this.current) return;
      onAction(this.current.status === 'paused' ? 'resume' : 'pause');
    });
    this.stop.addEventListener('click', () => {
      // A stopping run can neither pause nor stop again; the host's 'stopping' status follows.
      this.stop.disabled = true;
      this.pause.disabled = true;
      onAction('stop');
    });
    const dl = h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Elapsed'),
      this.elapsed,
      h('dt', {}, 'ETA'),
      this.eta,
      h('dt', {}, 'Backend'),
      this.backend,
      h('dt', {}, 'Model size'),
      this.modelSize,
      h('dt', {}, 'Checkpoint'),
      this.checkpoint,
    );
    const hyperTable = h(
      'table',
      { id: 'hyperparameters', class: 'kv-table', 'aria-label': 'Hyperparameters' },
      h('caption', {}, 'Hyperparameters'),
      this.hyper,
    );
    this.element = h(
      'section',
      { class: 'card status-card', 'aria-labelledby': 'run-title' },
      h(
        'header',
        { class: 'status-header' },
        this.title,
        this.status,
        h('div', { class: 'buttons' }, this.pause, this.stop),
      ),
      this.verdict,
      h('div', { class: 'counters' }, this.step, this.epoch),
      this.bar,
      dl,
      this.error,
      h('details', { class: 'hyper' }, h('summary', {}, 'Hyperparameters'), hyperTable),
    );
  }

  update(rec: RunRecord | null): void {
    this.current = rec;
    const headline = runHeadline(rec);
    this.status.dataset['tone'] = headline.tone;
    setText(this.status, headline.text);
    this.updateVerdict(rec);
    if (!rec) {
      this.status.dataset['status'] = 'idle';
      this.pause.disabled = true;
      this.stop.disabled = true;
      return;
    }
    const { run } = rec;
    setText(this.title, run.name ? `Training ${run.name}` : 'Training');
    this.status.dataset['status'] = rec.status;
    this.step.dataset['step'] = String(rec.step);
    setText(this.step, `Step ${rec.step}${run.totalSteps ? ` / ${run.totalSteps}` : ''}`);
    setText(this.epoch, `Epoch ${rec.epoch}${run.totalEpochs ? ` / ${run.totalEpochs}` : ''}`);
    const pct = Math.round(progressFraction(rec) * 1000) / 10;
    this.fill.style.width = `${pct}%`;
    this.bar.setAttribute('aria-valuenow', String(pct));
    this.bar.setAttribute('aria-valuetext', `${pct}% (step ${rec.step} of ${run.totalSteps})`);
    setText(this.elapsed, formatDuration(rec.elapsedMs));
    setText(this.eta, isActive(rec.status) ? formatDuration(rec.etaMs) : '–');
    setText(this.backend, run.backend);
    setText(this.modelSize, `${formatNumber(run.modelSize)} parameters`);
    setText(this.checkpoint, rec.checkpoint ? `step ${rec.checkpoint.step}: ${rec.checkpoint.path}` : '–');
    this.checkpoint.dataset['saved'] = String(Boolean(rec.checkpoint));
    this.error.hidden = !rec.error;
    setText(this.error, rec.error ?? '');
    const active = isActive(rec.status);
    const paused = rec.status === 'paused';
    this.pause.disabled = !(rec.status === 'running' || paused);
    setText(this.pause, paused ? 'Resume' : 'Pause');
    this.pause.setAttribute('aria-label', paused ? 'Resume training' : 'Pause training');
    this.pause.setAttribute('aria-pressed', String(paused));
    this.stop.disabled = !active || rec.status === 'stopping';
    this.updateHyper(rec);
  }

  private updateVerdict(rec: RunRecord | null): void {
    const view = verdictView(rec);
    const key = JSON.stringify(view);
    if (key === this.verdictKey) return;
    this.verdictKey = key;
    this.verdict.hidden = !view;
    if (!view) return;
    this.verdict.dataset['tone'] = view.tone;
    setText(this.verdictTitle, view.title);
    setText(this.verdictMessage, view.message);
    setText(this.verdictNote, view.note);
    this.verdictTable.hidden = view.rows.length === 0;
    // Bars share one scale per metric, so the longer bar is the higher score.
    const bar = (value: number, max: number, who: string): HTMLElement =>
      h(
        'div',
        { class: `score-bar ${who}`, 'data-value': value.toFixed(1) },
        h('meter', { min: 0, max: Math.max(max, 1e-9), value, 'aria-hidden': 'true' }),
        h('span', {}, value.toFixed(1)),
      );
    this.verdictRows.replaceChildren(
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'held-out'),
        h('th', { scope: 'col' }, view.baseLabel),
        h('th', { scope: 'col' }, 'new model'),
      ),
      ...view.rows.map((r) => {
        const max = Math.max(r.base, r.fineTuned);
        return h(
          'tr',
          { 'data-metric': r.metric, 'data-ahead': r.fineTunedAhead ? 'new' : 'base' },
          h('th', { scope: 'row' }, r.metric),
          h('td', {}, bar(r.base, max, 'base')),
          h('td', {}, bar(r.fineTuned, max, 'tuned')),
        );
      }),
    );
  }

  private updateHyper(rec: RunRecord): void {
    const entries = Object.entries(rec.run.hyperparameters);
    const key = JSON.stringify(entries);
    if (key === this.hyperKey) return;
    this.hyperKey = key;
    this.hyper.replaceChildren(
      ...entries.map(([k, v]) =>
        h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, typeof v === 'number' ? formatNumber(v) : v)),
      ),
    );
  }
}
