/**
 * Reads a document's functions (and Python classes) for doc comments: each one's shape, where
 * its doc comment goes, and its existing doc comment (source range and text) when it has one.
 * Parsing goes through the parser pool and the miner's own function and doc-comment rules
 * (src/parsing), so "documented" means what mining means by it. The result is plain data.
 */
import type { Node } from 'web-tree-sitter';
import { findDocumented, locateFunctions } from '../parsing/functions';
import { LANGUAGE_SPECS, type CorpusLanguage } from '../parsing/languages';
import { ParserPool, type ParserOptions } from '../parsing/parser';
import { functionShape, pythonClassShape, type FunctionShape } from './shape';

export interface ExistingDoc {
  /** [start, end) offsets of the doc comment (Python: the docstring statement). */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface AnalyzedFunction {
  readonly shape: FunctionShape;
  /** 0-based line of the function's first line (decorators included). */
  readonly headerLine: number;
  /** 0-based line of the `def`/`class`/signature itself. */
  readonly startLine: number;
  /** 0-based line of the first statement of the body (Python docstrings go there). */
  readonly bodyLine: number;
  /** Offsets of the function, decorators included. */
  readonly startOffset: number;
  readonly endOffset: number;
  readonly code: string;
  readonly doc?: ExistingDoc;
}

function pythonDocstring(node: Node): ExistingDoc | undefined {
  const first = node.childForFieldName('body')?.namedChildren[0];
  if (first?.type !== 'expression_statement' || first.namedChildCount !== 1) return undefined;
  if (first.namedChildren[0]?.type !== 'string') return undefined;
  return { start: first.startIndex, end: first.endIndex, text: first.text };
}

function bodyLine(node: Node): number {
  const body = node.childForFieldName('body');
  const first = body?.namedChildren.find((c) => c?.type !== 'comment') ?? body;
  return first ? first.startPosition.row : node.startPosition.row + 1;
}

/** Decorators and attributes written as siblings before a function (TypeScript, Rust) belong to it. */
function withAttributes(anchor: Node): Node {
  let first = anchor;
  for (
    let prev = anchor.previousNamedSibling;
    prev && /^(decorator|attribute_item)$/.test(prev.type);
    prev = prev.previousNamedSibling
  )
    first = prev;
  return first;
}

/** The analysis of one parsed text. */
export function analyzeTree(text: string, root: Node, lang: CorpusLanguage): AnalyzedFunction[] {
  const spec = LANGUAGE_SPECS[lang];
  const docs = new Map<number, ExistingDoc>();
  for (const f of findDocumented(text, root, spec))
    docs.set(f.fn.startIndex, {
      start: f.docRange[0],
      end: f.docRange[1],
      text: text.slice(f.docRange[0], f.docRange[1]),
    });
  const out: AnalyzedFunction[] = [];
  const push = (node: Node, anchor: Node, shape: FunctionShape, doc: ExistingDoc | undefined): void => {
    out.push({
      shape,
      headerLine: anchor.startPosition.row,
      startLine: node.startPosition.row,
      bodyLine: bodyLine(node),
      startOffset: anchor.startIndex,
      endOffset: node.endIndex,
      code: text.slice(anchor.startIndex, node.endIndex),
      ...(doc ? { doc } : {}),
    });
  };
  for (const { fn, anchor, name } of locateFunctions(root, spec))
    push(fn, withAttributes(anchor), functionShape(fn, name, lang), docs.get(fn.startIndex));
  if (lang === 'python')
    for (const cls of root.descendantsOfType('class_definition')) {
      if (!cls) continue;
      const anchor = cls.parent?.type === 'decorated_definition' ? cls.parent : cls;
      push(cls, anchor, pythonClassShape(cls), pythonDocstring(cls));
    }
  return out.sort((a, b) => a.startOffset - b.startOffset);
}

/** Parses texts with one parser per language (see src/parsing/parser.ts) and analyses them. */
export class DocAnalyzer {
  private readonly parsers: ParserPool;

  constructor(options: ParserOptions = {}) {
    this.parsers = new ParserPool(options);
  }

  async analyze(lang: CorpusLanguage, text: string): Promise<AnalyzedFunction[]> {
    // Offsets must match the editor's text: parse it as it is (CRLF included).
    const tree = (await this.parsers.get(lang)).parse(text);
    if (!tree) return [];
    try {
      return analyzeTree(text, tree.rootNode, lang);
    } finally {
      tree.delete();
    }
  }

  dispose(): void {
    this.parsers.dispose();
  }
}
