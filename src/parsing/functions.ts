/**
 * The miner's rules for finding functions in a parsed file: every function, method or constructor
 * with a body (see languages.ts for what counts per language), the ones documented in their
 * language's convention with their doc comment's range, and the functions tree-sitter could not
 * make out. Mining, the workspace index, the editor's function locator and the doc-comment
 * features all find functions here, so "documented" means the same thing everywhere.
 */
import type { Node } from 'web-tree-sitter';
import type { LanguageSpec } from './languages';

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
export function isBlank(s: string): boolean {
  return /^[ \t\r]*$/.test(s);
}

/** The offset where the line holding offset `i` starts. */
export function lineStart(src: string, i: number): number {
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

/** The documented functions of a parsed file, in source order, with their doc comments. */
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
