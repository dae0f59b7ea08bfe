/**
 * Small operations on VS Code snippet text (`${1:text}`, `$0`, `\$` escapes) that the doc comment
 * commands need after src/docComments has rendered a comment: where the final tab stop goes, and
 * renumbering so that several comments inserted as one edit keep tab stops of their own (VS Code
 * links placeholders with the same number across the snippets of one edit). Plain strings, no
 * `vscode`, so plain Node tests them.
 */

/** One tab stop or placeholder opening found in snippet text: `$3` or `${3:` / `${3}`. */
const TAB_STOP = /^\$(\d+)|^\$\{(\d+)(?=[:}|])/;

/**
 * Rewrites every tab stop number n (n > 0) of `snippet` as n + `offset`; `$0` is dropped (the caller
 * decides where the one final tab stop of a combined edit goes). Escaped characters (`\$`, `\}`,
 * `\\`) are left alone. Returns the text and the highest number it now uses (`offset` when none).
 */
export function renumberTabStops(snippet: string, offset: number): { text: string; last: number } {
  let out = '';
  let last = offset;
  for (let i = 0; i < snippet.length;) {
    const ch = snippet[i]!;
    if (ch === '\\') {
      out += snippet.slice(i, i + 2);
      i += 2;
      continue;
    }
    const m = ch === '$' ? TAB_STOP.exec(snippet.slice(i, i + 12)) : null;
    if (!m) {
      out += ch;
      i++;
      continue;
    }
    const n = Number(m[1] ?? m[2]);
    const braced = m[2] !== undefined;
    if (n === 0 && !braced) {
      i += m[0].length; // a bare `$0`: removed
      continue;
    }
    const renumbered = n === 0 ? 0 : n + offset;
    last = Math.max(last, renumbered);
    out += braced ? `\${${renumbered}` : `$${renumbered}`;
    i += m[0].length;
  }
  return { text: out, last };
}

/**
 * Puts the final tab stop (`$0`) at the end of the comment's last line, before the line break that
 * ends the insertion: after the closing `"""` (at the body's indentation) or after `*\/`, so that
 * the Tab after the last placeholder leaves the cursor where the user types next instead of at
 * column 1 of the following line, where one more Tab would indent the code (and break Python).
 * `snippet` must have no `$0` of its own (src/docComments renders none).
 */
export function withFinalTabStop(snippet: string, eol: string): string {
  const body = snippet.endsWith(eol) ? snippet.slice(0, snippet.length - eol.length) : snippet;
  return `${body}$0${snippet.slice(body.length)}`;
}

/** The text a snippet inserts: placeholders' default text, escapes resolved, tab stops gone. */
export function snippetPlainText(snippet: string): string {
  let out = '';
  for (let i = 0; i < snippet.length;) {
    const ch = snippet[i]!;
    if (ch === '\\' && i + 1 < snippet.length && '$}\\'.includes(snippet[i + 1]!)) {
      out += snippet[i + 1];
      i += 2;
      continue;
    }
    const m = ch === '$' ? TAB_STOP.exec(snippet.slice(i, i + 12)) : null;
    if (m) {
      // `${n:` opens a placeholder whose closing `}` is the next unescaped one; `$n` and `${n}` are empty.
      i += m[0].length;
      if (m[2] !== undefined && snippet[i] === ':') i++;
      else if (m[2] !== undefined && snippet[i] === '}') i++;
      continue;
    }
    if (ch === '}') {
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
