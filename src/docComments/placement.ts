/**
 * Where a doc comment written from a summary alone goes (Comment Selection on part of a
 * function): above the function and its decorators with their indentation, or, for Python, as
 * the first statement of the body with the body's indentation. Pure functions over lines of text;
 * the command turns the plan into one edit (one undo). A comment built from the function's
 * analysis is placed by insert.ts (planDocInsertion).
 */
import { indentUnit, leadingWhitespace, type IndentOptions } from '../editing/insertion';
import { COMMENT_STYLES, renderDocComment, type CommentLanguage } from './styles';

/** A function in the document, in 0-based lines. */
export interface FunctionSpan {
  /** First line of the function (its decorators excluded; see `headerLine`). */
  readonly startLine: number;
  /** Line where decorators/attributes begin, if any; the comment goes above them. */
  readonly headerLine?: number;
  /** First line of the body (Python: the line after the signature's colon). */
  readonly bodyStartLine?: number;
  readonly name?: string;
}

export interface InsertionPlan {
  readonly line: number;
  readonly character: number;
  readonly text: string;
}

/** First line after a Python signature: the line after the one whose code ends with ':'. */
export function pythonBodyStart(lines: readonly string[], startLine: number): number {
  let depth = 0;
  for (let i = startLine; i < lines.length; i++) {
    const code = lines[i]!.replace(/#.*$/, '');
    for (const ch of code) {
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
    }
    if (depth <= 0 && /:\s*$/.test(code)) return i + 1;
  }
  return startLine + 1;
}

/** Plans the insertion of a doc comment for `fn`; the text ends with the document's EOL. */
export function planDocComment(
  language: CommentLanguage,
  lines: readonly string[],
  fn: FunctionSpan,
  summary: string,
  eol: string,
  indent: IndentOptions,
): InsertionPlan {
  const style = COMMENT_STYLES[language];
  if (style.placement === 'bodyStart') {
    const bodyLine = fn.bodyStartLine ?? pythonBodyStart(lines, fn.startLine);
    const defIndent = leadingWhitespace(lines[fn.startLine] ?? '');
    // Indent like the body's first non-blank line, else one unit deeper than the def.
    let bodyIndent = defIndent + indentUnit(indent);
    for (let i = bodyLine; i < lines.length; i++) {
      if (lines[i]!.trim()) {
        const ws = leadingWhitespace(lines[i]!);
        if (ws.length > defIndent.length) bodyIndent = ws;
        break;
      }
    }
    if (bodyLine >= lines.length) {
      return {
        line: lines.length,
        character: 0,
        text: eol + renderDocComment(language, summary, bodyIndent, eol) + eol,
      };
    }
    return { line: bodyLine, character: 0, text: renderDocComment(language, summary, bodyIndent, eol, fn.name) + eol };
  }
  const line = fn.headerLine ?? fn.startLine;
  const ws = leadingWhitespace(lines[line] ?? '');
  return { line, character: 0, text: renderDocComment(language, summary, ws, eol, fn.name) + eol };
}
