/**
 * The n-best list: rank, length-penalised score at the slider's alpha, total log-probability,
 * and each token with its probability (low-confidence tokens marked; with a copying model, tokens
 * mostly copied from the source marked too). A listbox with a roving tab stop: arrow keys move,
 * Enter or Space selects.
 */
import type { HypothesisView } from '../../attention/protocol';
import type { Ranked } from '../../attention/ranking';
import { reuseOrigin } from '../../../inference/translation';

export interface BeamListOptions {
  readonly hypotheses: readonly HypothesisView[];
  readonly ranking: readonly Ranked[];
  readonly selected: number;
  readonly lowConfidence: number;
}

/** A token most of whose probability came from copying it from the source. */
export const COPIED_SHARE = 0.5;
const isCopied = (h: HypothesisView, i: number): boolean => (h.copied?.[i] ?? 0) >= COPIED_SHARE;

export function renderBeams(list: HTMLElement, opts: BeamListOptions, onSelect: (index: number) => void): void {
  const focused = document.activeElement instanceof HTMLElement && list.contains(document.activeElement);
  const items = opts.ranking.map((r, rank) => {
    const h = opts.hypotheses[r.index]!;
    const li = document.createElement('li');
    li.className = 'beam';
    li.dataset['index'] = String(h.index);
    li.dataset['rank'] = String(rank);
    li.setAttribute('role', 'option');
    const selected = h.index === opts.selected;
    li.setAttribute('aria-selected', String(selected));
    li.tabIndex = selected ? 0 : -1;
    const head = document.createElement('div');
    head.className = 'beam-head';
    const low = h.tokenProbs.filter((p) => p < opts.lowConfidence).length;
    const copied = h.tokens.filter((_, i) => isCopied(h, i)).length;
    head.textContent = `#${rank + 1}  score ${r.score.toFixed(3)}  log p ${h.logProb.toFixed(2)}  ${h.length} tokens${low ? `  ${low} low-confidence` : ''}${h.copied ? `  ${copied} copied` : ''}${h.reusedFrom ? `  reused: ${reuseOrigin(h.reusedFrom)}` : ''}`;
    const text = document.createElement('div');
    text.className = 'beam-tokens';
    h.tokens.forEach((t, i) => {
      const p = h.tokenProbs[i] ?? 1;
      const s = document.createElement('span');
      s.className = `beam-token${p < opts.lowConfidence ? ' low-confidence' : ''}${isCopied(h, i) ? ' copied' : ''}`;
      s.textContent = t;
      const share = h.copied?.[i];
      s.title =
        `p = ${p.toFixed(3)}${p < opts.lowConfidence ? ' (low confidence)' : ''}` +
        (share === undefined ? '' : `, ${Math.round(share * 100)}% copied from the source`);
      s.dataset['p'] = p.toFixed(3);
      text.append(s);
    });
    li.setAttribute(
      'aria-label',
      `Hypothesis ${rank + 1}, score ${r.score.toFixed(3)}: ${h.tokens.join(' ')}${low ? `, ${low} low-confidence tokens` : ''}`,
    );
    li.append(head, text);
    return li;
  });
  list.replaceChildren(...items);
  if (focused) list.querySelector<HTMLElement>('.beam[aria-selected="true"]')?.focus();
  list.onclick = (ev) => {
    const li = ev.target instanceof Element ? ev.target.closest<HTMLElement>('.beam') : null;
    if (li) onSelect(Number(li.dataset['index']));
  };
  list.onkeydown = (ev) => {
    const items = [...list.querySelectorAll<HTMLElement>('.beam')];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, at + (ev.key === 'ArrowDown' ? 1 : -1)))];
      items.forEach((i) => (i.tabIndex = -1));
      if (next) {
        next.tabIndex = 0;
        next.focus();
      }
    } else if ((ev.key === 'Enter' || ev.key === ' ') && at >= 0) {
      ev.preventDefault();
      onSelect(Number(items[at]!.dataset['index']));
    }
  };
}
