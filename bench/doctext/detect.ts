/**
 * What `bench:doctext` counts in an inserted doc comment, written apart from the text gate
 * (src/docComments/textGate.ts) and the punctuation pass (src/docComments/punctuation.ts) so that it does not
 * grade them with their own rules: plain regular expressions over the comment's lines, no word
 * list. It finds the lines that carry a summary or a parameter's description in the formats the
 * bench writes (Google, NumPy, Sphinx, JSDoc, TSDoc) and names what is wrong with each.
 */

export type LineProblem = 'repeatedSubword' | 'doubleDot' | 'dotComma' | 'duplicatedDefault' | 'noFinalPeriod';

export const LINE_PROBLEMS: readonly LineProblem[] = [
  'repeatedSubword',
  'doubleDot',
  'dotComma',
  'duplicatedDefault',
  'noFinalPeriod',
];

/** A line of a doc comment that holds inserted text: the summary or a parameter's description. */
export interface TextLine {
  readonly kind: 'summary' | 'param';
  /** The text after the parameter's name and type (the whole line for the summary). */
  readonly text: string;
  /** A placeholder for the user to fill, not inserted text. */
  readonly placeholder: boolean;
}

const PLACEHOLDER = /\b_(description|summary)_\b/;

/** The comment's lines without the comment's syntax (docstring quotes, ` * `), indentation kept relative. */
function contentLines(comment: string): string[] {
  return comment.split(/\r?\n/).map((l) =>
    l
      .replace(/^\s*(\/\*\*|\*\/|\* ?|"""|\/\/\/ ?|\/\/ ?)/, '')
      .replace(/("""|\*\/)\s*$/, '')
      .replace(/\s+$/, ''),
  );
}

/** The summary and parameter lines of a comment written in `format`. */
export function textLines(comment: string, format: string): TextLine[] {
  const lines = contentLines(comment);
  const out: TextLine[] = [];
  const push = (kind: TextLine['kind'], text: string): void => {
    out.push({ kind, text: text.trim(), placeholder: PLACEHOLDER.test(text) });
  };
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first >= 0) push('summary', lines[first]!);
  let section = '';
  for (let i = first + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    const t = raw.trim();
    if (/^[A-Z][A-Za-z ]*:$/.test(t) || /^-+$/.test(lines[i + 1]?.trim() ?? '')) section = t.replace(/:$/, '');
    if (format === 'google' && section === 'Args') {
      const m = /^\s+\*{0,2}[\w$]+(?: \([^)]*\))?: (.*)$/.exec(raw);
      if (m) push('param', m[1]!);
    } else if (format === 'numpy' && section === 'Parameters') {
      if (/^\S/.test(raw) && !/^-+$/.test(t) && t !== 'Parameters' && /^\s{4}\S/.test(lines[i + 1] ?? ''))
        push('param', lines[++i]!);
    } else if (format === 'sphinx' || format === 'epytext') {
      const m = /^[:@]param \S+: (.*)$/.exec(t);
      if (m) push('param', m[1]!);
    } else if (format === 'jsdoc' || format === 'tsdoc') {
      const m = /^@param\s+(?:\{.*?\}\s+)?\S+\s+-\s+(.*)$/.exec(t);
      if (m) push('param', m[1]!);
    }
  }
  return out;
}

/** The identifiers of a function's code, lower-cased: a word copied from the code is not a broken one. */
export function identifiersOf(code: string): Set<string> {
  return new Set((code.match(/[A-Za-z_$][\w$]*/g) ?? []).map((w) => w.toLowerCase()));
}

function repeatedSubword(text: string, identifiers: ReadonlySet<string>): boolean {
  const plain = text.replace(/`[^`]*`|"[^"]*"|<[^<>]*>/g, ' , ');
  // "The width width.", "The level of the level.", "The errors to errors."
  if (/\b([A-Za-z]{2,})\s+\1\b/i.test(plain)) return true;
  if (/\b([A-Za-z]{3,})\s+(?:of|to|for)\s+(?:the\s+)?\1\b/i.test(plain)) return true;
  for (const token of plain.split(/[\s,;:()]+/)) {
    const t = token.replace(/^[^\w]+|[^\w]+$/g, '');
    if (!t || identifiers.has(t.toLowerCase())) continue;
    // "back_style_style", "default_vari_vari"
    if (/(?:^|_)([A-Za-z]+)_\1(?:_|$)/i.test(t)) return true;
    // "highlightlight", "asciicii", "Theee"
    if (/([a-z]{3,})\1/i.test(t) || /([a-z])\1\1/i.test(t)) return true;
  }
  return false;
}

/** What is wrong with one line's inserted text (nothing for a placeholder). */
export function lineProblems(line: TextLine, identifiers: ReadonlySet<string>): LineProblem[] {
  if (line.placeholder || !line.text) return [];
  const t = line.text;
  const out: LineProblem[] = [];
  if (repeatedSubword(t, identifiers)) out.push('repeatedSubword');
  if (/(?<!\.)\.\.(?!\.)/.test(t)) out.push('doubleDot');
  if (/\.,/.test(t)) out.push('dotComma');
  if ((t.match(/\b(defaults? to|by default|default:|default is)\b/gi) ?? []).length >= 2) out.push('duplicatedDefault');
  if (!/[.!?]$/.test(t)) out.push('noFinalPeriod');
  return out;
}
