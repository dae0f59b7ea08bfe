/**
 * Per-head small multiples for the Transformer: one thumbnail per head of the selected layer and
 * one for the head average; choosing one shows it in the main heatmap. Thumbnails are 1 pixel
 * per cell, scaled by CSS (`image-rendering: pixelated`).
 */
import { colorTable, matrixMax } from './colorScale';
import { headMean, type Matrix } from './matrix';

const TABLE = colorTable();

export function drawThumbnail(canvas: HTMLCanvasElement, m: Matrix): void {
  const rows = m.length;
  const cols = m[0]?.length ?? 0;
  canvas.width = Math.max(1, cols);
  canvas.height = Math.max(1, rows);
  const ctx = canvas.getContext('2d');
  if (!ctx || rows === 0 || cols === 0) return;
  const max = matrixMax(m);
  const image = new ImageData(cols, rows);
  m.forEach((row, r) =>
    row.forEach((w, c) => {
      const k = Math.round(Math.min(1, w / max) * 255) * 3;
      image.data.set([TABLE[k]!, TABLE[k + 1]!, TABLE[k + 2]!, 255], (r * cols + c) * 4);
    }),
  );
  ctx.putImageData(image, 0, 0);
}

/** @param selected -1 for the average */
export function renderHeads(
  container: HTMLElement,
  heads: readonly Matrix[],
  selected: number,
  onSelect: (head: number) => void,
): void {
  const thumbs = [-1, ...heads.map((_, i) => i)].map((h) => {
    const button = document.createElement('button');
    button.className = 'head-thumb';
    button.dataset['head'] = String(h);
    button.setAttribute('aria-pressed', String(h === selected));
    const name = h < 0 ? 'Head average' : `Head ${h + 1}`;
    button.setAttribute('aria-label', `Show ${name.toLowerCase()}`);
    const canvas = document.createElement('canvas');
    drawThumbnail(canvas, h < 0 ? headMean(heads) : heads[h]!);
    const caption = document.createElement('span');
    caption.textContent = h < 0 ? 'avg' : `h${h + 1}`;
    button.append(canvas, caption);
    button.addEventListener('click', () => onSelect(h));
    return button;
  });
  container.replaceChildren(...thumbs);
}
