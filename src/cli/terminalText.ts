/**
 * Text taken from source files (names, paths, doc comments, summaries, search results, model
 * output, which may reuse a project's comment verbatim) made safe to print on a terminal: a file
 * could otherwise retitle the window, clear the screen or rewrite earlier lines with escape
 * sequences (`\x1b]0;…\x07`, `\x1b[2J`), or reorder what is shown with BiDi overrides. Control
 * characters are made visible as escapes (`\x1b`, `\u202e`) rather than dropped, so the reader sees
 * that the text holds them. JSON output keeps the exact text, escaped by {@link jsonLine}.
 */

/**
 * C0 controls, DEL, C1 controls (0x9b is a one-byte CSI on some terminals), the BiDi embedding,
 * override and isolate controls and marks, and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this shows
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, but line feeds and tabs pass (multi-line text: a message, a doc comment). */
// eslint-disable-next-line no-control-regex -- control characters are what this shows
const UNSAFE_IN_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text for the terminal: every control character (line feeds too) shown as an escape. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Text of several lines for the terminal: line feeds and tabs kept, every other control character shown as an escape. */
export function terminalLines(text: string): string {
  return text.replace(UNSAFE_IN_LINES, visible);
}

/**
 * One JSON line with the exact text: JSON.stringify escapes C0 controls; DEL, C1 controls, BiDi
 * controls and the line separators are escaped too (`\u009b`), so the line is safe to print and
 * parses back to the same strings.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
