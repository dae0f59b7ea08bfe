/**
 * Where and how generated text goes into a document: the doc comment's position and indentation
 * for a function, and generated code laid out with the editor's indentation settings.
 * Pure functions over lines of text; the editor commands turn the plan into one edit (one undo).
 */
import { COMMENT_STYLES, renderDocComment, type CommentLanguage } from '../docComments/styles';

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

export interface IndentOptions {
  readonly insertSpaces: boolean;
  readonly tabSize: number;
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

function indentUnit(options: IndentOptions): string {
  return options.insertSpaces ? ' '.repeat(options.tabSize) : '\t';
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

/**
 * Lays out generated code under `baseIndent`: the code's own indentation step (the smallest
 * non-zero leading run of spaces, or tabs) becomes the editor's unit.
 */
export function layoutCode(code: string, baseIndent: string, eol: string, options: IndentOptions): string {
  const lines = code.replace(/\r\n?/g, '\n').replace(/\s+$/, '').split('\n');
  while (lines.length > 0 && !lines[0]!.trim()) lines.shift();
  const indents = lines.filter((l) => l.trim()).map((l) => leadingWhitespace(l));
  const minIndent = Math.min(...indents.map((i) => i.replace(/\t/g, '    ').length));
  const steps = indents.map((i) => i.replace(/\t/g, '    ').length - minIndent).filter((n) => n > 0);
  const step = steps.length > 0 ? Math.min(...steps) : 4;
  const unit = indentUnit(options);
  return lines
    .map((l) => {
      if (!l.trim()) return '';
      const width = leadingWhitespace(l).replace(/\t/g, '    ').length - minIndent;
      return baseIndent + unit.repeat(Math.round(width / step)) + l.trimStart();
    })
    .join(eol);
}
