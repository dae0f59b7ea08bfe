/**
 * The samples table: a few fixed validation examples (source, reference, current prediction),
 * redrawn at each evaluation. A prediction that changed since the previous evaluation is marked
 * (`tr.changed`, `data-changed="true"`) and shows what it was before; an exact match is marked
 * `data-correct="true"`.
 */
import type { EvalPoint } from '../../dashboard/protocol';
import { sampleRows } from '../../dashboard/runState';
import { h, setText } from './dom';

export class SamplesView {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private readonly caption = h('caption', { id: 'samples-caption' }, 'No evaluation yet');
  private lastEval: EvalPoint | undefined;

  constructor() {
    const table = h(
      'table',
      { id: 'samples-table', class: 'samples', 'aria-describedby': 'samples-caption' },
      this.caption,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Source'),
          h('th', { scope: 'col' }, 'Reference'),
          h('th', { scope: 'col' }, 'Prediction'),
        ),
      ),
      this.body,
    );
    this.element = h(
      'section',
      { class: 'card samples-card', 'aria-label': 'Validation samples' },
      h('h2', {}, 'Samples'),
      table,
    );
  }

  update(evals: readonly EvalPoint[]): void {
    const last = evals[evals.length - 1];
    if (last === this.lastEval) return;
    this.lastEval = last;
    const rows = sampleRows(evals);
    const changed = rows.filter((r) => r.changed).length;
    setText(
      this.caption,
      last
        ? `At step ${last.step}: ${changed} of ${rows.length} predictions changed since the previous evaluation`
        : 'No evaluation yet',
    );
    this.body.replaceChildren(
      ...rows.map((r) => {
        const prediction = h('td', { class: 'prediction' }, h('code', {}, r.prediction));
        if (r.changed && r.previous !== null)
          prediction.append(
            h('div', { class: 'previous', 'aria-label': 'previous prediction' }, 'was: ', h('del', {}, r.previous)),
          );
        return h(
          'tr',
          {
            class: r.changed ? 'sample-row changed' : 'sample-row',
            'data-sample-id': r.id,
            'data-changed': String(r.changed),
            'data-correct': String(r.correct),
          },
          h('td', { class: 'source' }, h('code', {}, r.source)),
          h('td', { class: 'reference' }, r.reference),
          prediction,
        );
      }),
    );
  }
}
