/**
 * Makes generated text safe inside a doc comment, one small function per comment style, so the
 * inserted comment can never end early or change the code around it: Python docstrings (raw
 * `r"""` when the text has a backslash, never `"""` inside), block comments (never `*\/`; in Java
 * also no Unicode escape, which javac decodes even inside comments, so `\u002a/` would close the
 * block and a `\u` without four hex digits would not compile), and line comments (never a line
 * break, including the ones C# and JavaScript count). Every style drops control characters.
 * Hand-written: no library escapes comment text for these languages.
 */

/** Control characters (tab kept) and every character some language treats as a line break. */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/g;
const LINE_BREAKS = /\r\n|[\r\n]/g;

function withoutControls(text: string): string {
  return text.replace(CONTROL, ' ');
}

/** Text for one line of a `//`, `///` or `#` comment: no line break can end the comment early. */
export function lineCommentText(text: string): string {
  return withoutControls(text.replace(LINE_BREAKS, ' '));
}

/**
 * A backslash that javac would read as the start of a Unicode escape (one preceded by an even
 * number of backslashes and followed by `u`) written as the HTML entity `&#92;`, which Javadoc
 * shows as a backslash.
 */
function neutraliseJavaUnicodeEscapes(text: string): string {
  return text.replace(/\\+(?=u)/g, (run) => (run.length % 2 === 1 ? `${run.slice(1)}&#92;` : run));
}

/** Text for the inside of a `/** ... *\/` block: it cannot close the block. */
export function blockCommentText(text: string, language?: string): string {
  let s = withoutControls(text);
  if (language === 'java') s = neutraliseJavaUnicodeEscapes(s);
  return s.replace(/\*\//g, '* /');
}

/** Text for the inside of a Python docstring: no `"""` (it would end the string). */
export function docstringText(text: string): string {
  return withoutControls(text).replace(/"""/g, `'''`);
}

/**
 * A docstring's lines (without indentation) for content lines already passed through
 * {@link docstringText}: raw (`r"""`) when any line has a backslash, so `\x`, `\N{` or `\u00`
 * stay text instead of becoming (invalid) escapes; a space before the closing quotes when the
 * text ends with a quote or a backslash, which would otherwise merge with them.
 */
export function pythonDocstring(lines: readonly string[]): string[] {
  const content = lines.map(docstringText);
  const open = content.some((l) => l.includes('\\')) ? 'r"""' : '"""';
  const guard = (l: string): string => (/["\\]$/.test(l) ? `${l} ` : l);
  if (content.length <= 1) return [`${open}${guard(content[0] ?? '')}"""`];
  // The closing quotes go on their own line: nothing can merge with them.
  return [`${open}${content[0]}`, ...content.slice(1), '"""'];
}
