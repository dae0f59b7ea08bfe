/**
 * The heatmap's sequential colour scale (viridis: perceptually even, readable on light, dark
 * and high-contrast themes, and in greyscale). Pure: used by the canvas, the legend and the SVG
 * export, and unit-tested in Node.
 */

type Rgb = readonly [number, number, number];

/** Viridis sampled at 9 evenly spaced stops. */
const STOPS: readonly Rgb[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** Colour for `t` in [0, 1] (clamped). */
export function colorAt(t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

export function cssColor(t: number): string {
  const [r, g, b] = colorAt(t);
  return `rgb(${r}, ${g}, ${b})`;
}

/** 256 entries, for filling image data without recomputing the scale per cell. */
export function colorTable(): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) table.set(colorAt(i / 255), i * 3);
  return table;
}

/** Largest weight of a matrix (the top of the scale), at least a tiny positive number. */
export function matrixMax(m: readonly (readonly number[])[]): number {
  let max = 0;
  for (const row of m) for (const w of row) if (w > max) max = w;
  return max > 0 ? max : 1e-9;
}
