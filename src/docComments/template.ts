/**
 * A doc comment as lines of literal text and placeholders, rendered either as plain text (for a
 * file-wide edit or a golden file) or as a VS Code snippet string (so Tab walks the placeholders).
 * The snippet syntax is written here rather than with `vscode.SnippetString` so that this module
 * stays free of `vscode` and the rendering is testable in plain Node.
 */

/** A placeholder the user fills: its default text, shown selected. */
export interface Placeholder {
  readonly placeholder: string;
}

export type Segment = string | Placeholder;
export type TemplateLine = readonly Segment[];

export interface RenderOptions {
  /** Prepended to every line (the comment's indentation). */
  readonly indent: string;
  readonly eol: string;
  /** Snippet syntax (`${1:text}`) instead of plain text. */
  readonly snippet: boolean;
}

/** Escapes text for a snippet: `$`, `}` and `\` are syntax there. */
function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, '\\$&');
}

/** Renders the lines; placeholders are numbered in order, and `$0` ends the walk after the last. */
export function renderTemplate(lines: readonly TemplateLine[], options: RenderOptions): string {
  let n = 0;
  const out = lines.map((line) => {
    const body = line
      .map((seg) => {
        if (typeof seg === 'string') return options.snippet ? escapeSnippet(seg) : seg;
        return options.snippet ? `\${${++n}:${escapeSnippet(seg.placeholder)}}` : seg.placeholder;
      })
      .join('');
    return body === '' ? body : options.indent + body;
  });
  // Blank lines keep no trailing indentation, except a docstring's closing line which is indented.
  return out.join(options.eol);
}
