/**
 * The function locator on tree-sitter, sharing src/data's grammars and language specs with the
 * miner, so "documented" means exactly what mining means by it. No `vscode` here: it works on
 * text and is tested in plain Node.
 */
import { locateFunctions, minePairsFromTree } from '../data/mine';
import { CORPUS_LANGUAGES, LANGUAGE_SPECS, type CorpusLanguage } from '../data/languages';
import { ParserPool, type ParserOptions } from '../data/parser';
import type { FunctionLocator, LocatedFunction } from './functionLocator';

function isCorpusLanguage(lang: string): lang is CorpusLanguage {
  return (CORPUS_LANGUAGES as readonly string[]).includes(lang);
}

export class TreeSitterLocator implements FunctionLocator {
  private readonly parsers: ParserPool;

  constructor(options: ParserOptions = {}) {
    this.parsers = new ParserPool(options);
  }

  async functions(language: string, text: string): Promise<LocatedFunction[]> {
    if (!isCorpusLanguage(language)) return [];
    const spec = LANGUAGE_SPECS[language];
    // Offsets must match the editor's text: parse it as it is (CRLF included).
    const tree = (await this.parsers.get(language)).parse(text);
    if (!tree) return [];
    try {
      const root = tree.rootNode;
      const documentedLines = new Set(minePairsFromTree(text, root, language, '').map((p) => p.line - 1));
      const out: LocatedFunction[] = [];
      // The miner's own notion of which nodes are functions, so lenses and mining agree.
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

  dispose(): void {
    this.parsers.dispose();
  }
}
