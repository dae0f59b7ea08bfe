/**
 * The comment markers of the supported languages, read: which lines are comments, a line's text
 * without its markers, and the doc-comment opener typed before the cursor (`"""` or `/**`) that
 * offers Generate Doc Comment. One list of markers for every command that reads comments.
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
const CLOSING = /(\*\/|"""|''')\s*$/;

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

const PYTHON_OPENER = /^(\s*)([rRuU]?"""|[rRuU]?''')$/;
const BLOCK_OPENER = /^(\s*)(\/\*\*)$/;
const ANY_OPENER = /^(\s*)([rRuU]?"""|[rRuU]?'''|\/\*\*)$/;

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
