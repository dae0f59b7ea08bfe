/**
 * Which attention matrix the heatmap shows for a hypothesis: the engine's default (Transformer:
 * last layer, head mean), one layer's head average, or one head. Pure; shapes `[outStep][srcPos]`.
 */
import type { HypothesisView } from '../../attention/protocol';

export type Matrix = readonly (readonly number[])[];

/** @param layer -1 for the engine's default matrix @param head -1 for the layer's head mean */
export function selectMatrix(hyp: HypothesisView, layer: number, head: number): Matrix {
  const layers = hyp.byLayerHead;
  if (layer < 0 || !layers || !layers[layer]) return hyp.attention;
  const heads = layers[layer]!;
  if (head >= 0 && heads[head]) return heads[head]!;
  return headMean(heads);
}

export function headMean(heads: readonly Matrix[]): number[][] {
  const first = heads[0];
  if (!first) return [];
  return first.map((row, r) => row.map((_, c) => heads.reduce((s, m) => s + m[r]![c]!, 0) / heads.length));
}

/** Column `index` of a matrix: how much each output step attended to one source token. */
export function column(m: Matrix, index: number): number[] {
  return m.map((row) => row[index] ?? 0);
}
