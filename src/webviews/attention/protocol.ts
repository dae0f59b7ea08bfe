/**
 * The attention panel's messages and view model, shared by the host (src/webviews/attention) and
 * the browser app (src/webviews/apps/attention). Imports nothing but the descriptors of
 * src/protocol/ipc.ts.
 *
 * Shapes: a hypothesis' `attention` is `[outStep][srcPos]` (rows = generated tokens, the EOS
 * step included when the hypothesis ended; cols = source subword tokens, specials included);
 * `byLayerHead` is `[layer][head][outStep][srcPos]` (Transformer only).
 */
import { ipcCommand, ipcNotification } from '../../protocol/ipc';

export type AttentionDirection = 'code2doc' | 'doc2code';

/** One source subword token, a column of the heatmap. */
export interface SourceTokenView {
  readonly index: number;
  /** Display piece (e.g. `Http`, `▁parse`, `<code2doc>`). */
  readonly text: string;
  /** Character offsets into the selected text; -1 for special tokens. */
  readonly start: number;
  readonly end: number;
  /** Which identifier/word the piece belongs to, if known. */
  readonly wordIndex: number | null;
  readonly special: boolean;
}

/** A joined label over consecutive source tokens of one word (`parse`+`Http`+`Header`). */
export interface SourceWordLabel {
  readonly first: number;
  readonly last: number;
  readonly text: string;
}

/** One n-best entry. Probabilities are per row (same length as `attention` when it is present). */
export interface HypothesisView {
  /** Position in the engine's n-best list (stable id; ranking may change with the slider). */
  readonly index: number;
  /** Row labels: generated tokens, `</s>` appended when the EOS step has a row. */
  readonly tokens: readonly string[];
  readonly tokenProbs: readonly number[];
  readonly logProb: number;
  /** Engine's length-penalised score at `lengthPenalty`. */
  readonly score: number;
  /** Length used by the length penalty (generated tokens, EOS included when present). */
  readonly length: number;
  /** `[outStep][srcPos]`; empty when the model has no attention. */
  readonly attention: readonly (readonly number[])[];
  /** Sum of each attention row (≈1 for softmax attention). */
  readonly rowSums: readonly number[];
  /** `[layer][head][outStep][srcPos]`, Transformer only. */
  readonly byLayerHead?: readonly (readonly (readonly (readonly number[])[])[])[];
  /**
   * Per row, the share of the token's probability that came from copying a source token through
   * the attention weights (0..1); models with a copy mechanism only.
   */
  readonly copied?: readonly number[];
  /** Set when this is a similar training function's summary, reused (it ranks first). */
  readonly reusedFrom?: { readonly path: string; readonly similarity: number };
}

/** The document range the panel describes, kept so a reloaded panel can find its editor again. */
export interface EditorRef {
  readonly uri: string;
  /** Document offsets of the original selection. */
  readonly start: number;
  readonly end: number;
}

export interface AttentionView {
  readonly version: 1;
  readonly direction: AttentionDirection;
  readonly sourceText: string;
  readonly sourceTokens: readonly SourceTokenView[];
  readonly words: readonly SourceWordLabel[];
  readonly hypotheses: readonly HypothesisView[];
  /** GNMT alpha the engine ranked with; the slider starts here. */
  readonly lengthPenalty: number;
  /** Score bonus per token the engine ranked with (kept as the slider moves alpha). */
  readonly lengthReward: number;
  /** Tokens past this many earn no reward (absent: no limit). */
  readonly lengthRewardLimit?: number;
  /** Tokens with p below this are marked low-confidence. */
  readonly lowConfidence: number;
  readonly layers: number;
  readonly heads: number;
  readonly editor?: EditorRef;
  /** Code → comment with a retrieval model: which function's summary the model read first, in words. */
  readonly neighbour?: string;
}

/** State the webview keeps with setState (and the serializer hands back on reload). */
export interface AttentionPanelState {
  readonly view: AttentionView;
  readonly selected: number;
  readonly alpha: number;
  /** -1: the engine's default matrix (last layer, head mean). */
  readonly layer: number;
  /** -1: head average. */
  readonly head: number;
}

export type ExportFormat = 'png' | 'svg' | 'json';

// host -> webview: notifications
export const ShowAttention = ipcNotification<{ readonly view: AttentionView }, 'showAttention'>('showAttention');
export const ExportResult = ipcNotification<
  { readonly format: ExportFormat; readonly saved: boolean; readonly path?: string; readonly error?: string },
  'exportResult'
>('exportResult');

// webview -> host: commands
/** Hover on a generated token: highlight its attention in the editor; `step: null` clears. */
export const HoverTarget = ipcCommand<
  { readonly hyp: number; readonly step: number | null; readonly weights: readonly number[] },
  'hoverTarget'
>('hoverTarget');
/** Hover on a source token: outline it in the editor; `index: null` clears. */
export const HoverSource = ipcCommand<{ readonly index: number | null }, 'hoverSource'>('hoverSource');
/** Click on a source token: reveal it in the editor. */
export const RevealSource = ipcCommand<{ readonly index: number }, 'revealSource'>('revealSource');
/** Save a heatmap export: `data` is base64 for png, text otherwise. The host answers with ExportResult. */
export const ExportData = ipcCommand<
  { readonly format: ExportFormat; readonly data: string; readonly suggestedName: string },
  'exportData'
>('exportData');

export const ATTENTION_PROTOCOL_VERSION = 1;
