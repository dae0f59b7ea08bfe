/**
 * How generated code goes into a document: laid out with the editor's indentation settings.
 * Pure functions over lines of text (a doc comment's position is src/docComments/placement.ts).
 */

export interface IndentOptions {
  readonly insertSpaces: boolean;
  readonly tabSize: number;
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

export function indentUnit(options: IndentOptions): string {
  return options.insertSpaces ? ' '.repeat(options.tabSize) : '\t';
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
