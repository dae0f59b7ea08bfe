/**
 * Where a new doc comment goes for an analysed function, and its text there: above the function
 * (its decorators and attributes included) with the function's indentation, or, for Python, as
 * the first statement of the body with the body's indentation. Also documents every undocumented
 * function of a text at once, as a list of insertions for one workspace edit.
 */
import type { CorpusLanguage } from '../parsing/languages';
import type { AnalyzedFunction } from './analyze';
import { renderDoc, type DocRequest } from './builder';

export interface DocInsertion {
  /** 0-based line; the text goes at its first character. */
  readonly line: number;
  readonly text: string;
}

const leading = (line: string | undefined): string => /^[ \t]*/.exec(line ?? '')![0];

/**
 * The insertion for one function; undefined when there is no line to put it on (a Python body
 * on the same line as its `def`).
 */
export function planDocInsertion(
  fn: AnalyzedFunction,
  req: DocRequest,
  lines: readonly string[],
  options: { eol: string; indentUnit: string; snippet: boolean },
): DocInsertion | undefined {
  const lang: CorpusLanguage = req.lang;
  if (lang === 'python') {
    if (fn.bodyLine <= fn.startLine) return undefined;
    const defIndent = leading(lines[fn.startLine]);
    const bodyIndent = leading(lines[fn.bodyLine]);
    const indent = bodyIndent.length > defIndent.length ? bodyIndent : defIndent + options.indentUnit;
    const text = renderDoc(fn.shape, req, { indent, eol: options.eol, snippet: options.snippet });
    return { line: fn.bodyLine, text: text + options.eol };
  }
  const indent = leading(lines[fn.headerLine]);
  const text = renderDoc(fn.shape, req, { indent, eol: options.eol, snippet: options.snippet });
  return { line: fn.headerLine, text: text + options.eol };
}

/** Insertions for every function without a doc comment, with a summary per function (by name). */
export function documentAll(
  functions: readonly AnalyzedFunction[],
  request: (fn: AnalyzedFunction) => DocRequest,
  lines: readonly string[],
  options: { eol: string; indentUnit: string },
): DocInsertion[] {
  const out: DocInsertion[] = [];
  for (const fn of functions) {
    if (fn.doc) continue;
    const plan = planDocInsertion(fn, request(fn), lines, { ...options, snippet: false });
    if (plan) out.push(plan);
  }
  return out;
}

/** The text with the insertions applied (for previews and tests). */
export function applyInsertions(lines: readonly string[], insertions: readonly DocInsertion[], eol: string): string {
  const byLine = new Map<number, string[]>();
  for (const i of insertions) byLine.set(i.line, [...(byLine.get(i.line) ?? []), i.text]);
  let out = '';
  for (let i = 0; i <= lines.length; i++) {
    for (const t of byLine.get(i) ?? []) out += t;
    if (i < lines.length) out += lines[i] + (i < lines.length - 1 ? eol : '');
  }
  return out;
}
