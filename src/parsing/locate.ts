/**
 * Finds the functions of a source text with tree-sitter, as plain data (ranges, names, code,
 * documented or not) that crosses a thread boundary: the editor's function locator, the parse
 * worker and the doc-comment features all use this one shape. "Documented" means exactly what
 * mining means by it, since both come from functions.ts.
 */
import { findDocumented, locateFunctions } from './functions';
import { CORPUS_LANGUAGES, LANGUAGE_SPECS, type CorpusLanguage } from './languages';
import type { ParserPool } from './parser';

export interface LocatedFunction {
  readonly name: string;
  /** First line of the function, 0-based (its decorators excluded; see `headerLine`). */
  readonly startLine: number;
  /** Line where decorators/attributes begin, if any. */
  readonly headerLine?: number;
  /** First line of the body, when it starts below the signature's first line. */
  readonly bodyStartLine?: number;
  /** Character offsets of the function (decorators included) in the text. */
  readonly startOffset: number;
  readonly endOffset: number;
  /** The function's source, as the model's code2doc input. */
  readonly code: string;
  readonly documented: boolean;
}

export function isCorpusLanguage(lang: string): lang is CorpusLanguage {
  return (CORPUS_LANGUAGES as readonly string[]).includes(lang);
}

/** Every function in `text`, in order of its start; empty for a language without a grammar. */
export async function locateInText(parsers: ParserPool, language: string, text: string): Promise<LocatedFunction[]> {
  if (!isCorpusLanguage(language)) return [];
  const spec = LANGUAGE_SPECS[language];
  // Offsets must match the editor's text: parse it as it is (CRLF included).
  const tree = (await parsers.get(language)).parse(text);
  if (!tree) return [];
  try {
    const root = tree.rootNode;
    const documentedLines = new Set(findDocumented(text, root, spec).map((f) => f.anchor.startPosition.row));
    const out: LocatedFunction[] = [];
    for (const { fn, anchor, name } of locateFunctions(root, spec)) {
      const body = fn.childForFieldName('body');
      if (!body) continue;
      const startLine = fn.startPosition.row;
      const headerLine = anchor.startPosition.row;
      const bodyRow = body.startPosition.row;
      out.push({
        name,
        startLine,
        ...(headerLine < startLine ? { headerLine } : {}),
        ...(bodyRow > startLine ? { bodyStartLine: bodyRow } : {}),
        startOffset: anchor.startIndex,
        endOffset: anchor.endIndex,
        code: text.slice(anchor.startIndex, anchor.endIndex),
        documented: documentedLines.has(headerLine),
      });
    }
    return out.sort((a, b) => a.startOffset - b.startOffset);
  } finally {
    tree.delete();
  }
}
