/**
 * The comment markers of the supported languages, read: which lines are comments, a line's text
 * without its markers, the doc-comment opener typed before the cursor (`"""` or `/**`) that
 * offers Generate Doc Comment, and where the text of a doc comment's line begins and ends for the
 * doc reader (scan.ts, consistency.ts). One home for the markers of every reader of comments.
 * The extension's activation loads this module (the completion's trigger), so it imports nothing.
 */
import type { CorpusLanguage } from '../parsing/languages';

/**
 * A comment marker at the start of a line: `//` or `///`, `#`, `/*` or `/**`, `*` or `*\/`,
 * `"""` or `'''`. The longer of two markers that share a start wins.
 */
const MARKER = String.raw`\/\/\/?|#|\/\*\*?|\*\/?|"""|'''`;
const COMMENT_LINE = new RegExp(String.raw`^\s*(${MARKER})`);
const LEADING = new RegExp(String.raw`^\s*(${MARKER})\s?`);
const LEADING_EVERY_LINE = new RegExp(LEADING.source, 'gm');
/** The markers that close a comment: `*\/`, `"""`, `'''`. */
const CLOSER = String.raw`\*\/|"""|'''`;
const CLOSING = new RegExp(String.raw`(${CLOSER})\s*$`);
const CLOSING_WITH_SPACE = new RegExp(String.raw`\s*(${CLOSER})\s*$`);
/** Python's docstring quotes, with an r or u prefix. */
const QUOTES = String.raw`[rRuU]?(?:"""|''')`;

/** A line that starts (after its indentation) with a comment marker. */
export function isCommentLine(line: string): boolean {
  return COMMENT_LINE.test(line);
}

/**
 * One comment line's text: its leading marker with one space after it, and a closing `*\/`,
 * `"""` or `'''` with what follows it, removed. Other whitespace stays.
 */
export function stripCommentMarkers(line: string): string {
  return line.replace(LEADING, '').replace(CLOSING, '');
}

/**
 * A selection of comment lines as plain text: each line's leading marker removed, trimmed. Closing
 * markers stay, and the marker's pattern may run over a line end, so a blank or empty comment
 * line between two others goes (and a CRLF's \n): what Generate Code from Comment has always read.
 */
export function stripLeadingMarkers(text: string): string {
  return text.replace(LEADING_EVERY_LINE, '').trim();
}

const PYTHON_OPENER = new RegExp(String.raw`^(\s*)(${QUOTES})$`);
const BLOCK_OPENER = /^(\s*)(\/\*\*)$/;
const ANY_OPENER = new RegExp(String.raw`^(\s*)(${QUOTES}|\/\*\*)$`);

/** A doc-comment opener at the end of the text before the cursor, and the indentation before it. */
export interface DocOpener {
  readonly indent: string;
  readonly opener: string;
}

/**
 * The doc-comment opener that is all of `before` but its indentation: `"""` or `'''` (with an
 * r/u prefix) for Python, `/**` for the other languages, any of them when `lang` is not given.
 */
export function docOpener(before: string, lang?: CorpusLanguage): DocOpener | undefined {
  const pattern = lang === undefined ? ANY_OPENER : lang === 'python' ? PYTHON_OPENER : BLOCK_OPENER;
  const m = pattern.exec(before);
  return m ? { indent: m[1]!, opener: m[2]! } : undefined;
}

/**
 * A doc comment line's start as the doc reader counts it: indentation, then a docstring's opening
 * quotes (a docstring's other lines have no marker) or a marker, then spaces and tabs. Unlike MARKER, `/**` takes any further stars, a bare
 * `/*` is text (doc comments open with `/**`), and only spaces and tabs indent, so that the
 * column is where the user's text starts.
 */
const DOC_LINE_START = new RegExp(String.raw`^[ \t]*(?:${QUOTES}|\/\*\*+|\*\/?|\/\/\/?|#)?[ \t]*`);
const OPENS_DOCSTRING = new RegExp(String.raw`^\s*${QUOTES}`);

/** The column where the text of a doc comment's line begins (after its indentation and marker). */
export function docContentColumn(line: string): number {
  return DOC_LINE_START.exec(line)![0].length;
}

/**
 * Where a closing `*\/`, `"""` or `'''` at the end of the text begins, with the whitespace before
 * it; undefined when the text does not end with one.
 */
export function closingMarkerAt(text: string): number | undefined {
  return CLOSING_WITH_SPACE.exec(text)?.index;
}

/** The text without a closing marker at its end and the whitespace around that marker. */
export function stripClosingMarker(text: string): string {
  return text.slice(0, closingMarkerAt(text));
}

/** A doc comment's text that opens (after any whitespace) with a docstring's quotes: Python's. */
export function opensDocstring(text: string): boolean {
  return OPENS_DOCSTRING.test(text);
}
