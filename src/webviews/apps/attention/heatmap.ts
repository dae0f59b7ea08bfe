/**
 * The attention heatmap: one canvas of cells (rows = generated tokens, cols = source subword
 * tokens) drawn through a 1-pixel-per-cell image scaled up, so a 300 x 30 matrix draws in a few
 * milliseconds; DOM labels around it (sticky while scrolling), joined word labels above the
 * pieces, hover and keyboard cursor. Weights tint labels through a CSS custom property (CSSOM,
 * allowed by the strict CSP).
 */
import { colorTable, matrixMax } from './colorScale';
import { column, type Matrix } from './matrix';
import type { SourceTokenView, SourceWordLabel } from '../../attention/protocol';

export const CELL_W = 16;
export const CELL_H = 20;

export interface HeatmapCallbacks {
  /** A generated token is hovered (`null`: left): its attention row. */
  onTarget(step: number | null, weights: readonly number[]): void;
  /** A source token is hovered (`null`: left). */
  onSource(index: number | null): void;
  onReveal(index: number): void;
  onStatus(text: string): void;
}

export interface HeatmapData {
  readonly matrix: Matrix;
  readonly rowLabels: readonly string[];
  readonly sourceTokens: readonly SourceTokenView[];
  readonly words: readonly SourceWordLabel[];
}

const TABLE = colorTable();

export class Heatmap {
  readonly canvas: HTMLCanvasElement;
  private readonly srcLabels: HTMLElement;
  private readonly wordLabels: HTMLElement;
  private readonly outLabels: HTMLElement;
  private data: HeatmapData | undefined;
  private max = 1;
  private cursor: { step: number; index: number } | null = null;
  /** The matrix at 1 pixel per cell, built once per render; hovers only rescale it. */
  private cells: HTMLCanvasElement | undefined;
  private cursorColor = '#ff8c00';
  private mode: 'target' | 'source' | null = null;
  lastRenderMs = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly callbacks: HeatmapCallbacks,
  ) {
    root.replaceChildren();
    const corner = el('div', 'corner');
    this.wordLabels = el('div', 'src-words');
    this.srcLabels = el('div', 'src-labels');
    const top = el('div', 'top-labels');
    top.append(this.wordLabels, this.srcLabels);
    this.outLabels = el('div', 'out-labels');
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'heatmap';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    root.append(corner, top, this.outLabels, this.canvas);
    this.bindEvents();
  }

  render(data: HeatmapData): void {
    const t0 = performance.now();
    this.data = data;
    const rows = data.matrix.length;
    const cols = data.sourceTokens.length;
    this.max = matrixMax(data.matrix);
    this.canvas.dataset['rows'] = String(rows);
    this.canvas.dataset['cols'] = String(cols);
    this.canvas.setAttribute(
      'aria-label',
      `Attention heatmap: ${rows} generated tokens by ${cols} source tokens. Arrow keys move between cells; Enter reveals the source token in the editor.`,
    );
    this.renderLabels(data);
    this.cells = cellImage(data.matrix, cols, this.max);
    this.cursorColor = getComputedStyle(this.root).getPropertyValue('--cursor-color').trim() || this.cursorColor;
    this.draw();
    this.lastRenderMs = performance.now() - t0;
    this.canvas.dataset['renderMs'] = this.lastRenderMs.toFixed(1);
  }

  private renderLabels(data: HeatmapData): void {
    const cols = data.sourceTokens.length;
    this.srcLabels.style.width = `${cols * CELL_W}px`;
    this.wordLabels.style.width = `${cols * CELL_W}px`;
    const src = data.sourceTokens.map((t) => {
      const s = el('span', t.special ? 'src-token special' : 'src-token');
      s.dataset['index'] = String(t.index);
      s.textContent = t.text;
      s.title = `${t.text} (source token ${t.index})`;
      s.style.left = `${t.index * CELL_W}px`;
      return s;
    });
    this.srcLabels.replaceChildren(...src);
    this.wordLabels.replaceChildren(
      ...data.words.map((w) => {
        const s = el('span', 'src-word');
        s.textContent = w.text;
        s.title = w.text;
        s.dataset['first'] = String(w.first);
        s.dataset['last'] = String(w.last);
        s.style.left = `${w.first * CELL_W}px`;
        s.style.width = `${(w.last - w.first + 1) * CELL_W}px`;
        return s;
      }),
    );
    this.outLabels.replaceChildren(
      ...data.rowLabels.map((text, step) => {
        const s = el('span', 'out-token');
        s.dataset['step'] = String(step);
        s.textContent = text;
        s.title = text;
        return s;
      }),
    );
  }

  private draw(): void {
    const data = this.data;
    if (!data) return;
    const rows = data.matrix.length;
    const cols = data.sourceTokens.length;
    const width = cols * CELL_W;
    const height = rows * CELL_H;
    // Very wide canvases hit the browser's size limit at high DPI; fall back to 1x there.
    const dpr = width * (window.devicePixelRatio || 1) > 16000 ? 1 : window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx || rows === 0 || cols === 0) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, width, height);
    if (this.cells) ctx.drawImage(this.cells, 0, 0, width, height);
    this.drawCursor(ctx);
  }

  private drawCursor(ctx: CanvasRenderingContext2D): void {
    const c = this.cursor;
    const data = this.data;
    if (!c || !data) return;
    ctx.strokeStyle = this.cursorColor;
    ctx.lineWidth = 2;
    if (this.mode === 'target')
      ctx.strokeRect(1, c.step * CELL_H + 1, data.sourceTokens.length * CELL_W - 2, CELL_H - 2);
    if (this.mode === 'source') ctx.strokeRect(c.index * CELL_W + 1, 1, CELL_W - 2, data.matrix.length * CELL_H - 2);
    ctx.lineWidth = 1;
    ctx.strokeRect(c.index * CELL_W + 0.5, c.step * CELL_H + 0.5, CELL_W - 1, CELL_H - 1);
  }

  /** Shows where generated token `step` attended (labels tinted, row outlined). */
  focusTarget(step: number | null, index = this.cursor?.index ?? 0): void {
    const data = this.data;
    if (!data) return;
    this.clearTints();
    if (step === null || step >= data.matrix.length) {
      this.cursor = null;
      this.mode = null;
      this.draw();
      this.callbacks.onTarget(null, []);
      return;
    }
    this.cursor = { step, index };
    this.mode = 'target';
    const row = data.matrix[step]!;
    // Tints use the colour scale's top (the matrix maximum), so labels read like the cells.
    this.srcLabels.querySelectorAll<HTMLElement>('.src-token').forEach((s, i) => tint(s, (row[i] ?? 0) / this.max));
    this.outLabels.children[step]?.classList.add('active');
    this.draw();
    this.callbacks.onTarget(step, row);
    const best = row.indexOf(Math.max(...row));
    this.callbacks.onStatus(
      `"${data.rowLabels[step]}" attends most to "${data.sourceTokens[best]?.text ?? ''}" (${(row[best] ?? 0).toFixed(2)})`,
    );
  }

  /** Shows which generated tokens attended to source token `index`. */
  focusSource(index: number | null, step = this.cursor?.step ?? 0): void {
    const data = this.data;
    if (!data) return;
    this.clearTints();
    if (index === null || index >= data.sourceTokens.length) {
      this.cursor = null;
      this.mode = null;
      this.draw();
      this.callbacks.onSource(null);
      return;
    }
    this.cursor = { step, index };
    this.mode = 'source';
    const col = column(data.matrix, index);
    this.outLabels.querySelectorAll<HTMLElement>('.out-token').forEach((s, i) => tint(s, (col[i] ?? 0) / this.max));
    this.srcLabels.children[index]?.classList.add('active');
    this.draw();
    this.callbacks.onSource(index);
    this.callbacks.onStatus(
      `Source "${data.sourceTokens[index]?.text ?? ''}": most attended by "${data.rowLabels[col.indexOf(Math.max(...col))] ?? ''}"`,
    );
  }

  private clearTints(): void {
    this.root.querySelectorAll<HTMLElement>('.weighted, .active').forEach((s) => {
      s.classList.remove('weighted', 'active');
      s.style.removeProperty('--w');
    });
  }

  private cellAt(ev: MouseEvent): { step: number; index: number } | null {
    const rect = this.canvas.getBoundingClientRect();
    const index = Math.floor((ev.clientX - rect.left) / CELL_W);
    const step = Math.floor((ev.clientY - rect.top) / CELL_H);
    const data = this.data;
    if (!data || step < 0 || index < 0 || step >= data.matrix.length || index >= data.sourceTokens.length) return null;
    return { step, index };
  }

  private bindEvents(): void {
    let last = '';
    this.canvas.addEventListener('mousemove', (ev) => {
      const cell = this.cellAt(ev);
      const key = cell ? `${cell.step}:${cell.index}` : '';
      if (key === last) return;
      last = key;
      if (cell) this.focusTarget(cell.step, cell.index);
    });
    this.canvas.addEventListener('mouseleave', () => {
      last = '';
      this.focusTarget(null);
    });
    this.canvas.addEventListener('click', (ev) => {
      const cell = this.cellAt(ev);
      if (cell) this.callbacks.onReveal(cell.index);
    });
    this.outLabels.addEventListener('mouseover', (ev) => {
      const step = dataIndex(ev.target, 'step');
      if (step !== null) this.focusTarget(step);
    });
    this.outLabels.addEventListener('mouseleave', () => this.focusTarget(null));
    this.srcLabels.addEventListener('mouseover', (ev) => {
      const index = dataIndex(ev.target, 'index');
      if (index !== null) this.focusSource(index);
    });
    this.srcLabels.addEventListener('mouseleave', () => this.focusSource(null));
    this.srcLabels.addEventListener('click', (ev) => {
      const index = dataIndex(ev.target, 'index');
      if (index !== null) this.callbacks.onReveal(index);
    });
    this.canvas.addEventListener('keydown', (ev) => this.onKey(ev));
    this.canvas.addEventListener('blur', () => this.focusTarget(null));
  }

  private onKey(ev: KeyboardEvent): void {
    const data = this.data;
    if (!data) return;
    const c = this.cursor ?? { step: 0, index: 0 };
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const move = moves[ev.key];
    if (move) {
      ev.preventDefault();
      const step = clamp(c.step + move[0], data.matrix.length);
      const index = clamp(c.index + move[1], data.sourceTokens.length);
      // Up/down follow a generated token's row; left/right a source token's column.
      if (move[0] !== 0) this.focusTarget(step, index);
      else this.focusSource(index, step);
      this.scrollIntoView(step, index);
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.callbacks.onReveal(c.index);
    } else if (ev.key === 'Escape') {
      this.focusTarget(null);
    }
  }

  private scrollIntoView(step: number, index: number): void {
    const scroller = this.root.parentElement;
    if (!scroller) return;
    const x = this.canvas.offsetLeft + index * CELL_W;
    const y = this.canvas.offsetTop + step * CELL_H;
    const labelsW = this.outLabels.offsetWidth;
    const labelsH = this.srcLabels.parentElement?.offsetHeight ?? 0;
    if (x < scroller.scrollLeft + labelsW) scroller.scrollLeft = x - labelsW;
    else if (x + CELL_W > scroller.scrollLeft + scroller.clientWidth)
      scroller.scrollLeft = x + CELL_W - scroller.clientWidth;
    if (y < scroller.scrollTop + labelsH) scroller.scrollTop = y - labelsH;
    else if (y + CELL_H > scroller.scrollTop + scroller.clientHeight)
      scroller.scrollTop = y + CELL_H - scroller.clientHeight;
  }
}

function cellImage(matrix: Matrix, cols: number, max: number): HTMLCanvasElement {
  const rows = matrix.length;
  const cells = document.createElement('canvas');
  cells.width = Math.max(1, cols);
  cells.height = Math.max(1, rows);
  if (rows === 0 || cols === 0) return cells;
  const image = new ImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    const row = matrix[r]!;
    for (let c = 0; c < cols; c++) {
      const k = Math.round(Math.min(1, (row[c] ?? 0) / max) * 255) * 3;
      const p = (r * cols + c) * 4;
      image.data[p] = TABLE[k]!;
      image.data[p + 1] = TABLE[k + 1]!;
      image.data[p + 2] = TABLE[k + 2]!;
      image.data[p + 3] = 255;
    }
  }
  cells.getContext('2d')?.putImageData(image, 0, 0);
  return cells;
}

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

function tint(e: HTMLElement, w: number): void {
  if (!(w > 0.02)) return;
  e.classList.add('weighted');
  e.style.setProperty('--w', w.toFixed(3));
}

function dataIndex(target: EventTarget | null, key: 'step' | 'index'): number | null {
  const v = target instanceof HTMLElement ? target.dataset[key] : undefined;
  return v === undefined ? null : Number(v);
}

function clamp(v: number, n: number): number {
  return Math.max(0, Math.min(n - 1, v));
}
