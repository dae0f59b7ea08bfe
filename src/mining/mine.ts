/**
 * Mines (code, doc comment) pairs from source files with tree-sitter. For each function, method
 * or constructor documented in its language's convention (see languages.ts), a pair holds the
 * code (signature + body, dedented, with its doc comment and nested functions' doc comments
 * removed), the doc text, its one-sentence summary and the structured parts (params, returns).
 *
 * Input is `{path, content}` records: no file system here, so the extension can pass open
 * documents and the CLI can pass what its walker read. Line endings are normalised to `\n`.
 */
import type { Node } from 'web-tree-sitter';
import { parseDoc, stripDocDelimiters, summarize, type DocParam } from '../docComments/read';
import { LANGUAGE_SPECS, languageOfPath, type CorpusLanguage, type LanguageSpec } from '../parsing/languages';
import { ParserPool, type ParserOptions } from '../parsing/parser';
import { scrubSecrets } from '../retrieval/secrets';

export interface SourceFile {
  readonly path: string;
  readonly content: string;
}

/** One mined pair; the JSONL record of a corpus line. */
export interface Pair {
  readonly lang: CorpusLanguage;
  readonly path: string;
  /** Function name, for reports and tests. */
  readonly name: string;
  /** 1-based line of the function's first line in the file. */
  readonly line: number;
  readonly code: string;
  /** The whole doc comment without its delimiters (tags kept). */
  readonly doc: string;
  readonly summary: string;
  readonly params: readonly DocParam[];
  readonly returns?: string;
  readonly throws: readonly string[];
}

/** A documented function: its node, the node its doc sits above, and the doc's source range. */
export interface Found {
  fn: Node;
  anchor: Node;
  name: string;
  /** [start, end) of the doc comment or docstring statement in the source. */
  docRange: [number, number];
  rawDoc: string;
}

const COMMENT_TYPES = ['comment', 'line_comment', 'block_comment'];
/** Where a function expression counts as a named function: `const f =`, `obj.f =`, `{ f: }`, class fields. */
const ASSIGNMENT_PARENTS = [
  'variable_declarator',
  'assignment_expression',
  'pair',
  'public_field_definition',
  'field_definition',
];

/** Blank, also with a CR left by CRLF text (the host parses editor text as it is). */
function isBlank(s: string): boolean {
  return /^[ \t\r]*$/.test(s);
}

function lineStart(src: string, i: number): number {
  return src.lastIndexOf('\n', i - 1) + 1;
}

function startsLine(src: string, node: Node): boolean {
  return isBlank(src.slice(lineStart(src, node.startIndex), node.startIndex));
}

function functionName(fn: Node): string {
  const own = fn.childForFieldName('name');
  if (own) return own.text;
  // C/C++: the name sits at the bottom of nested declarators (pointer, reference, function).
  let decl = fn.childForFieldName('declarator');
  while (decl) {
    const inner =
      decl.childForFieldName('declarator') ?? decl.namedChildren.find((c) => c?.type.endsWith('declarator')) ?? null;
    if (!inner) break;
    decl = inner;
  }
  if (decl) return decl.text;
  const parent = fn.parent;
  const target =
    parent && (['name', 'left', 'key', 'property'].map((f) => parent.childForFieldName(f)).find((n) => n) ?? null);
  return target ? (/([\w$]+)\W*$/.exec(target.text)?.[1] ?? target.text) : '';
}

function pythonDocstring(fn: Node): { node: Node; raw: string } | undefined {
  const first = fn.childForFieldName('body')?.namedChildren[0];
  if (first?.type !== 'expression_statement' || first.namedChildCount !== 1) return undefined;
  const str = first.namedChildren[0];
  return str?.type === 'string' ? { node: first, raw: str.text } : undefined;
}

/** The gap between a comment and the next code may hold only skippable lines, no blank line. */
function gapAllowed(src: string, comment: Node, next: number, spec: LanguageSpec, name: string): boolean {
  const gap = (comment.text.endsWith('\n') ? '\n' : '') + src.slice(comment.endIndex, next);
  const lines = gap.split('\n');
  if (!isBlank(lines[0]!) || !isBlank(lines[lines.length - 1]!)) return false;
  return lines.slice(1, -1).every((l) => !isBlank(l) && spec.isSkippableLine(l.trim(), name));
}

/** The doc comment block directly above `anchor` (contiguous line comments are one block). */
function docAbove(src: string, comments: Node[], anchor: Node, spec: LanguageSpec, name: string): Node[] | undefined {
  let i = comments.length - 1;
  while (i >= 0 && comments[i]!.endIndex > anchor.startIndex) i--;
  if (i < 0) return undefined;
  const last = comments[i]!;
  if (
    !spec.isDocComment(last.text) ||
    !startsLine(src, last) ||
    !gapAllowed(src, last, anchor.startIndex, spec, name)
  ) {
    return undefined;
  }
  const block = [last];
  if (last.text.startsWith('/*')) return block;
  for (let j = i - 1; j >= 0; j--) {
    const prev = comments[j]!;
    const cur = block[0]!;
    if (prev.text.startsWith('/*') || !spec.isDocComment(prev.text) || !startsLine(src, prev)) break;
    const gap = (prev.text.endsWith('\n') ? '\n' : '') + src.slice(prev.endIndex, cur.startIndex);
    if (!/^[ \t\r]*\n[ \t]*$/.test(gap)) break;
    block.unshift(prev);
  }
  return block;
}

/** A function with a body, the node its doc comment sits above, and its name. */
export interface LocatedFunctionNode {
  readonly fn: Node;
  readonly anchor: Node;
  readonly name: string;
}

/**
 * Every function, method or constructor with a body that mining considers (documented or not),
 * in source order, so other features (the editor's function locator) agree with the miner.
 */
export function locateFunctions(root: Node, spec: LanguageSpec): LocatedFunctionNode[] {
  const out: LocatedFunctionNode[] = [];
  for (const fn of root.descendantsOfType([...spec.functionTypes, ...spec.assignedFunctionTypes])) {
    if (!fn) continue;
    if (spec.assignedFunctionTypes.includes(fn.type) && !ASSIGNMENT_PARENTS.includes(fn.parent?.type ?? '')) continue;
    if (!fn.childForFieldName('body')) continue;
    let anchor = fn;
    while (anchor.parent && spec.wrapperTypes.includes(anchor.parent.type)) anchor = anchor.parent;
    out.push({ fn, anchor, name: functionName(fn) });
  }
  return out;
}

/** The keywords that open a function in the languages that have one. */
const FUNCTION_KEYWORDS: ReadonlySet<string> = new Set(['def', 'function', 'func', 'fn']);

/**
 * Functions the parser could not make out: a function keyword left loose in a part of the file
 * tree-sitter could not parse (a syntax error, or nesting deeper than its scanner follows: about
 * 500 levels of Python indentation). Undefined when there is none; else how many and the first
 * line (1-based), so a caller can say what it skipped instead of dropping it silently.
 */
export function unparsedFunctions(root: Node): { readonly count: number; readonly firstLine: number } | undefined {
  if (!root.hasError) return undefined;
  let count = 0;
  let firstLine = 0;
  const cursor = root.walk();
  try {
    // Iterative: a recursive walk would overflow the stack on the deep trees this is about.
    let more = true;
    while (more) {
      const node = cursor.currentNode;
      const loose =
        FUNCTION_KEYWORDS.has(node.type) && !node.isNamed && (node.parent?.type === 'ERROR' || node.parent?.isError);
      if (loose) {
        count++;
        if (firstLine === 0) firstLine = node.startPosition.row + 1;
      }
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          more = false;
          break;
        }
      }
    }
  } finally {
    cursor.delete();
  }
  return count > 0 ? { count, firstLine } : undefined;
}

export function findDocumented(src: string, root: Node, spec: LanguageSpec): Found[] {
  const comments =
    spec.placement === 'above' ? root.descendantsOfType(COMMENT_TYPES).filter((c): c is Node => c !== null) : [];
  comments.sort((a, b) => a.startIndex - b.startIndex);
  const found: Found[] = [];
  for (const { fn, anchor, name } of locateFunctions(root, spec)) {
    if (spec.placement === 'docstring') {
      const ds = pythonDocstring(fn);
      if (ds) found.push({ fn, anchor, name, docRange: [ds.node.startIndex, ds.node.endIndex], rawDoc: ds.raw });
      continue;
    }
    const block = docAbove(src, comments, anchor, spec, name);
    if (!block) continue;
    const rawDoc = block.map((c) => c.text.replace(/\r?\n$/, '')).join('\n');
    found.push({ fn, anchor, name, docRange: [block[0]!.startIndex, block[block.length - 1]!.endIndex], rawDoc });
  }
  return found;
}

/** The code of [start, end) without the given ranges (whole lines go when a range fills them). */
function cutRanges(src: string, start: number, end: number, ranges: [number, number][]): string {
  let out = '';
  let pos = start;
  for (const [s0, e0] of ranges.sort((a, b) => a[0] - b[0])) {
    if (s0 < pos || e0 > end) continue;
    let s = s0;
    let e = e0;
    const ls = lineStart(src, s);
    let eol = src.indexOf('\n', e);
    if (eol < 0) eol = src.length;
    if (ls >= pos && isBlank(src.slice(ls, s)) && isBlank(src.slice(e, eol))) {
      s = ls;
      e = Math.min(eol + 1, end);
      // A docstring opening a block leaves no blank line behind it.
      if (/[:{]\s*$/.test(src.slice(pos, s))) {
        while (e < end) {
          const nl = src.indexOf('\n', e);
          if (nl < 0 || nl >= end || !isBlank(src.slice(e, nl))) break;
          e = nl + 1;
        }
      }
    }
    out += src.slice(pos, s);
    pos = e;
  }
  return out + src.slice(pos, end);
}

/** Removes the first line's indentation (`indent`, as written) from the following lines. */
function dedentFrom(code: string, indent: string): string {
  return code
    .split('\n')
    .map((l, i) => {
      if (i === 0) return l.trimEnd();
      let k = 0;
      while (k < indent.length && k < l.length && l[k] === indent[k]) k++;
      return l.slice(k).trimEnd();
    })
    .join('\n')
    .trimEnd();
}

/** Mines one parsed file. */
export function minePairsFromTree(src: string, root: Node, lang: CorpusLanguage, filePath: string): Pair[] {
  const spec = LANGUAGE_SPECS[lang];
  const found = findDocumented(src, root, spec);
  const ranges = found.map((f) => f.docRange);
  return found.map((f) => {
    const start = f.anchor.startIndex;
    const end = f.anchor.endIndex;
    const inside = ranges.filter(([s, e]) => s >= start && e <= end);
    const indent = /^[ \t]*/.exec(src.slice(lineStart(src, start), start))![0];
    const code = dedentFrom(cutRanges(src, start, end, inside), indent);
    const doc = stripDocDelimiters(f.rawDoc);
    const parsed = parseDoc(doc);
    return {
      lang,
      path: filePath,
      name: f.name,
      line: f.anchor.startPosition.row + 1,
      code,
      doc,
      summary: summarize(parsed.description),
      params: parsed.params,
      ...(parsed.returns ? { returns: parsed.returns } : {}),
      throws: parsed.throws,
    };
  });
}

/**
 * A pair with every text taken from the source scrubbed of secrets: code, doc, summary, parameter
 * and return descriptions, exceptions (the corpus is written to disk and trained on).
 */
export function scrubPair(p: Pair): Pair {
  return {
    ...p,
    code: scrubSecrets(p.code),
    doc: scrubSecrets(p.doc),
    summary: scrubSecrets(p.summary),
    params: p.params.map((q) => ({ ...q, description: scrubSecrets(q.description) })),
    ...(p.returns !== undefined ? { returns: scrubSecrets(p.returns) } : {}),
    throws: p.throws.map(scrubSecrets),
  };
}

/** Mines files with one parser per language, created on first use. */
export class Miner {
  private readonly parsers: ParserPool;

  constructor(options: ParserOptions = {}) {
    this.parsers = new ParserPool(options);
  }

  /** Pairs of one file, scrubbed of secrets (see {@link scrubPair}); files in unsupported languages give none. */
  async mine(file: SourceFile, lang: CorpusLanguage | undefined = languageOfPath(file.path)): Promise<Pair[]> {
    if (!lang) return [];
    const parser = this.parsers.get(lang);
    const src = file.content.replace(/\r\n?/g, '\n');
    const tree = (await parser).parse(src);
    if (!tree) return [];
    try {
      return minePairsFromTree(src, tree.rootNode, lang, file.path).map(scrubPair);
    } finally {
      tree.delete();
    }
  }

  dispose(): void {
    this.parsers.dispose();
  }
}
