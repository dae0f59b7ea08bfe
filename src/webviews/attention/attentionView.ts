/**
 * Builds the attention panel's view model from decoded hypotheses (pure: no `vscode`, no DOM).
 *
 * Checks every shape the heatmap relies on and fails with a message that names the hypothesis,
 * row and expected size: rows = generated tokens (plus the EOS step when the engine recorded
 * one), cols = source subword tokens. Joins identifier pieces into word labels and reports the
 * row sums so a caller (and the tests) can see the weights arrive unchanged.
 */
import type {
  AttentionDirection,
  AttentionView,
  EditorRef,
  HypothesisView,
  SourceTokenView,
  SourceWordLabel,
} from './protocol';
import { ATTENTION_PROTOCOL_VERSION } from './protocol';

export interface SourceTokenInput {
  readonly text: string;
  /** Character offsets into the selected text, or -1 for special tokens. */
  readonly start: number;
  readonly end: number;
  readonly wordIndex?: number;
}

/** Mirrors the engine's `Hypothesis` with token ids turned into display text. */
export interface HypothesisInput {
  /** Generated tokens without BOS/EOS. */
  readonly tokens: readonly string[];
  readonly score: number;
  readonly logProb: number;
  /** One per step, the EOS step included when present. */
  readonly tokenLogProbs: readonly number[];
  /** `[outStep][srcPos]`; [] when the model has no attention. */
  readonly attention: readonly (readonly number[])[];
  /** `[layer][head][outStep][srcPos]` (Transformer). */
  readonly attentionByLayerHead?: readonly (readonly (readonly (readonly number[])[])[])[];
  /** Per step, the share of the token's probability copied from the source (copying models). */
  readonly copied?: readonly number[];
  /** A similar training function's summary, reused. */
  readonly reusedFrom?: { readonly path: string; readonly similarity: number };
}

export interface AttentionViewInput {
  readonly direction: AttentionDirection;
  readonly sourceText: string;
  readonly sourceTokens: readonly SourceTokenInput[];
  readonly hypotheses: readonly HypothesisInput[];
  readonly lengthPenalty: number;
  /** The engine's length reward (default 0). */
  readonly lengthReward?: number;
  /** The reward's token limit, when it had one. */
  readonly lengthRewardLimit?: number;
  /** Probability under which a token is marked (default 0.3). */
  readonly lowConfidence?: number;
  readonly editor?: EditorRef;
  /** Which function's summary a retrieval model read before the code, in words. */
  readonly neighbour?: string;
}

export class AttentionViewError extends Error {
  override readonly name = 'AttentionViewError';
}

export const EOS_LABEL = '</s>';
const ROW_SUM_TOLERANCE = 1e-3;

export function buildAttentionView(input: AttentionViewInput): AttentionView {
  if (input.hypotheses.length === 0)
    throw new AttentionViewError('No hypotheses to show: the model produced no output.');
  const sourceTokens = input.sourceTokens.map((t, i) => sourceToken(t, i, input.sourceText.length));
  const cols = sourceTokens.length;
  if (cols === 0) throw new AttentionViewError('The source has no tokens.');
  const first = input.hypotheses[0]!.attentionByLayerHead;
  const layers = first?.length ?? 0;
  const heads = first?.[0]?.length ?? 0;
  const hypotheses = input.hypotheses.map((h, i) => hypothesisView(h, i, cols, layers, heads));
  return {
    version: ATTENTION_PROTOCOL_VERSION,
    direction: input.direction,
    sourceText: input.sourceText,
    sourceTokens,
    words: joinWordLabels(sourceTokens, input.sourceText),
    hypotheses,
    lengthPenalty: input.lengthPenalty,
    lengthReward: input.lengthReward ?? 0,
    ...(input.lengthRewardLimit !== undefined ? { lengthRewardLimit: input.lengthRewardLimit } : {}),
    lowConfidence: input.lowConfidence ?? 0.3,
    layers,
    heads,
    ...(input.editor ? { editor: input.editor } : {}),
    ...(input.neighbour ? { neighbour: input.neighbour } : {}),
  };
}

function sourceToken(t: SourceTokenInput, index: number, textLength: number): SourceTokenView {
  const special = t.start < 0 || t.end < 0;
  if (!special && !(t.start <= t.end && t.end <= textLength)) {
    throw new AttentionViewError(
      `Source token ${index} ("${t.text}") has offsets ${t.start}..${t.end} outside the selected text (length ${textLength}).`,
    );
  }
  return {
    index,
    text: t.text,
    start: special ? -1 : t.start,
    end: special ? -1 : t.end,
    wordIndex: t.wordIndex ?? null,
    special,
  };
}

function hypothesisView(
  h: HypothesisInput,
  index: number,
  cols: number,
  layers: number,
  heads: number,
): HypothesisView {
  const where = `Hypothesis ${index}`;
  const steps = h.tokenLogProbs.length;
  if (steps !== h.tokens.length && steps !== h.tokens.length + 1) {
    throw new AttentionViewError(
      `${where}: ${steps} token log-probabilities for ${h.tokens.length} tokens (expected ${h.tokens.length} or ${h.tokens.length + 1} with EOS).`,
    );
  }
  const tokens = steps === h.tokens.length ? [...h.tokens] : [...h.tokens, EOS_LABEL];
  if (h.attention.length !== 0) checkMatrix(h.attention, steps, cols, where);
  let byLayerHead: HypothesisView['byLayerHead'];
  if (h.attentionByLayerHead) {
    if (h.attentionByLayerHead.length !== layers)
      throw new AttentionViewError(`${where}: ${h.attentionByLayerHead.length} layers, expected ${layers}.`);
    h.attentionByLayerHead.forEach((layer, l) => {
      if (layer.length !== heads)
        throw new AttentionViewError(`${where}, layer ${l}: ${layer.length} heads, expected ${heads}.`);
      layer.forEach((m, hd) => checkMatrix(m, steps, cols, `${where}, layer ${l}, head ${hd}`));
    });
    byLayerHead = h.attentionByLayerHead.map((layer) => layer.map((m) => m.map((row) => [...row])));
  } else if (layers > 0) {
    throw new AttentionViewError(`${where}: no per-layer attention while hypothesis 0 has ${layers} layers.`);
  }
  if (h.copied) {
    if (h.copied.length !== steps)
      throw new AttentionViewError(`${where}: ${h.copied.length} copy shares for ${steps} steps.`);
    const bad = h.copied.find((c) => !(c >= 0 && c <= 1));
    if (bad !== undefined) throw new AttentionViewError(`${where}: copy share ${bad} is not in 0..1.`);
  }
  const attention = h.attention.map((row) => [...row]);
  return {
    index,
    tokens,
    tokenProbs: h.tokenLogProbs.map((lp) => Math.exp(lp)),
    logProb: h.logProb,
    score: h.score,
    length: steps,
    attention,
    rowSums: attention.map((row) => row.reduce((s, w) => s + w, 0)),
    ...(byLayerHead ? { byLayerHead } : {}),
    ...(h.copied ? { copied: [...h.copied] } : {}),
    ...(h.reusedFrom ? { reusedFrom: { path: h.reusedFrom.path, similarity: h.reusedFrom.similarity } } : {}),
  };
}

function checkMatrix(m: readonly (readonly number[])[], rows: number, cols: number, where: string): void {
  if (m.length !== rows)
    throw new AttentionViewError(
      `${where}: attention has ${m.length} rows, expected ${rows} (one per generated token).`,
    );
  m.forEach((row, r) => {
    if (row.length !== cols)
      throw new AttentionViewError(
        `${where}: attention row ${r} has ${row.length} columns, expected ${cols} (one per source token).`,
      );
    let sum = 0;
    for (const w of row) {
      if (!Number.isFinite(w) || w < 0)
        throw new AttentionViewError(`${where}: attention row ${r} holds ${w}; weights must be finite and >= 0.`);
      sum += w;
    }
    if (sum > 1 + ROW_SUM_TOLERANCE)
      throw new AttentionViewError(`${where}: attention row ${r} sums to ${sum.toFixed(4)}, more than 1.`);
  });
}

const WORD_CHAR = /^[\p{L}\p{N}_$]+$/u;

/**
 * Groups consecutive pieces of one word. With `wordIndex` the grouping is the caller's; without
 * it, pieces whose spans touch and are all identifier characters form a word. Only groups of
 * two or more pieces get a label; its text is the original source slice.
 */
export function joinWordLabels(tokens: readonly SourceTokenView[], sourceText: string): SourceWordLabel[] {
  const labels: SourceWordLabel[] = [];
  let i = 0;
  while (i < tokens.length) {
    let j = i;
    while (j + 1 < tokens.length && sameWord(tokens[j]!, tokens[j + 1]!, sourceText)) j++;
    if (j > i) labels.push({ first: i, last: j, text: wordText(tokens, i, j, sourceText) });
    i = j + 1;
  }
  return labels;
}

function sameWord(a: SourceTokenView, b: SourceTokenView, text: string): boolean {
  if (a.special || b.special) return false;
  if (a.wordIndex !== null && b.wordIndex !== null) return a.wordIndex === b.wordIndex;
  return a.end === b.start && WORD_CHAR.test(text.slice(a.start, a.end)) && WORD_CHAR.test(text.slice(b.start, b.end));
}

function wordText(tokens: readonly SourceTokenView[], i: number, j: number, text: string): string {
  const a = tokens[i]!;
  const b = tokens[j]!;
  if (a.start >= 0 && b.end >= a.start) return text.slice(a.start, b.end);
  return tokens
    .slice(i, j + 1)
    .map((t) => t.text.replace(/^(▁|Ġ|##)/, ''))
    .join('');
}
