/**
 * The heatmap as a standalone SVG document (export): one rect per cell coloured on the same
 * scale as the canvas, source labels on top, generated tokens on the left, a legend. Pure string
 * building so it runs and is tested in Node.
 */
import { cssColor, matrixMax } from './colorScale';
import type { Matrix } from './matrix';

export interface SvgHeatmapInput {
  readonly title: string;
  readonly rowLabels: readonly string[];
  readonly colLabels: readonly string[];
  readonly matrix: Matrix;
  readonly cell?: number;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

export function heatmapSvg(input: SvgHeatmapInput): string {
  const cell = input.cell ?? 16;
  const rows = input.matrix.length;
  const cols = input.colLabels.length;
  if (input.rowLabels.length !== rows)
    throw new Error(`heatmapSvg: ${input.rowLabels.length} row labels for ${rows} rows`);
  const left = 8 + 7 * Math.max(4, ...input.rowLabels.map((l) => l.length));
  const top = 24 + 7 * Math.max(4, ...input.colLabels.map((l) => l.length));
  const width = left + cols * cell + 80;
  const height = Math.max(top + rows * cell + 16, top + 140);
  const max = matrixMax(input.matrix);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
  );
  out.push(`<title>${escapeXml(input.title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="4" y="14" font-size="12">${escapeXml(input.title)}</text>`);
  input.colLabels.forEach((label, c) => {
    const x = left + c * cell + cell / 2 + 4;
    out.push(
      `<text class="src" x="${x}" y="${top - 4}" transform="rotate(-90 ${x} ${top - 4})">${escapeXml(label)}</text>`,
    );
  });
  input.rowLabels.forEach((label, r) => {
    out.push(
      `<text class="out" x="${left - 4}" y="${top + r * cell + cell - 4}" text-anchor="end">${escapeXml(label)}</text>`,
    );
  });
  input.matrix.forEach((row, r) => {
    if (row.length !== cols) throw new Error(`heatmapSvg: row ${r} has ${row.length} columns, expected ${cols}`);
    row.forEach((w, c) => {
      out.push(
        `<rect class="cell" x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="${cssColor(w / max)}" data-weight="${w.toPrecision(4)}"><title>${escapeXml(input.rowLabels[r]!)} → ${escapeXml(input.colLabels[c]!)}: ${w.toFixed(3)}</title></rect>`,
      );
    });
  });
  const lx = left + cols * cell + 24;
  for (let i = 0; i < 10; i++)
    out.push(`<rect x="${lx}" y="${top + (9 - i) * 12}" width="14" height="12" fill="${cssColor((i + 0.5) / 10)}"/>`);
  out.push(
    `<text x="${lx + 18}" y="${top + 10}">${max.toFixed(2)}</text>`,
    `<text x="${lx + 18}" y="${top + 120}">0</text>`,
  );
  out.push('</svg>');
  return out.join('\n');
}
