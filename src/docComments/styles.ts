/**
 * Doc comments in each language's own convention, as text ready to insert: Python docstrings
 * (first statement of the body), JSDoc/Javadoc/PHPDoc/Doxygen `/** *\/` blocks, Rust `///`,
 * C# `///` with `<summary>`, Go `//` starting with the function's name, Ruby `#`.
 * Pure text functions: the editor commands decide where the text goes.
 */

import type { CorpusLanguage } from '../parsing/languages';
import { blockCommentText, docstringText, lineCommentText, pythonDocstring } from './escape';

/** The languages with a comment style: all of the language table's. */
export type CommentLanguage = CorpusLanguage;

/** Where the comment goes relative to the function. */
export type CommentPlacement = 'above' | 'bodyStart';

export interface CommentStyle {
  readonly placement: CommentPlacement;
  /** Lines of the comment for a summary, without indentation. */
  lines(summary: string, functionName?: string): string[];
}

const WRAP = 96;

/** Greedy word wrap; never breaks a word. */
export function wrapWords(text: string, width = WRAP): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) out.push(line);
  return out.length > 0 ? out : [''];
}

/**
 * Capitalised, one trailing period, on one line. Each style then makes it safe for its comment
 * syntax (escape.ts).
 */
export function tidySummary(summary: string): string {
  let s = summary.replace(/\s+/g, ' ').trim();
  if (!s) return s;
  s = s[0]!.toUpperCase() + s.slice(1);
  if (!/[.!?]$/.test(s)) s += '.';
  return s;
}

const block = (language?: CommentLanguage): CommentStyle => ({
  placement: 'above',
  lines: (summary) => [
    '/**',
    ...wrapWords(blockCommentText(tidySummary(summary), language)).map((l) => ` * ${l}`),
    ' */',
  ],
});

const slashes = (prefix: string): CommentStyle => ({
  placement: 'above',
  lines: (summary) => wrapWords(lineCommentText(tidySummary(summary))).map((l) => `${prefix} ${l}`),
});

export const COMMENT_STYLES: Readonly<Record<CommentLanguage, CommentStyle>> = {
  python: {
    placement: 'bodyStart',
    lines: (summary) => pythonDocstring(wrapWords(docstringText(tidySummary(summary)))),
  },
  javascript: block(),
  typescript: block(),
  tsx: block(),
  java: block('java'),
  php: block(),
  cpp: block(),
  rust: slashes('///'),
  'c-sharp': {
    placement: 'above',
    lines: (summary) => [
      '/// <summary>',
      ...wrapWords(lineCommentText(tidySummary(summary))).map((l) => `/// ${l}`),
      '/// </summary>',
    ],
  },
  go: {
    placement: 'above',
    // Go's convention: the comment is a sentence that starts with the function's name.
    lines: (summary, name) => {
      let s = lineCommentText(tidySummary(summary));
      if (name && s && !s.startsWith(name)) s = `${name} ${s[0]!.toLowerCase()}${s.slice(1)}`;
      return wrapWords(s).map((l) => `// ${l}`);
    },
  },
  ruby: slashes('#'),
};

/** The comment as text: each line indented, joined with the document's end of line. */
export function renderDocComment(
  language: CommentLanguage,
  summary: string,
  indent: string,
  eol = '\n',
  functionName?: string,
): string {
  return COMMENT_STYLES[language]
    .lines(summary, functionName)
    .map((l) => indent + l)
    .join(eol);
}
