/**
 * What each language's conventions expect to be documented. Two questions, both answered from
 * plain data (a function's name, code, range and the file's text), so plain Node tests them:
 *
 * - Is a function part of the public surface (`isPublicFunction`)? The code lens is shown only
 *   there by default: documentation tools publish only that surface (Sphinx autodoc, TypeDoc,
 *   godoc, rustdoc) and the "missing doc comment" linters check only it (pydocstyle's D1xx,
 *   Go's exported-name rule, rustc's `missing_docs`), so a lens above every private helper is noise.
 * - Does a convention leave a function without a doc comment (`conventionalSkip`)? Document All
 *   skips those: Python's dunder methods (`__repr__`, `__eq__`: the protocol documents them), and
 *   `__init__` when its class's docstring documents its arguments (the Google and NumPy guides).
 *
 * The rules read declarations as written (keywords, names, indentation), not types: a function
 * the rules get wrong still has the light bulb, `"""` / `/**` and Generate Doc Comment.
 */
import type { CorpusLanguage } from '../parsing/languages';

/** A function as the locator and the analyzer both describe it. */
export interface FunctionText {
  readonly name: string;
  /** [start, end) of the function in `text`, decorators and attributes included. */
  readonly startOffset: number;
  readonly endOffset: number;
  readonly code: string;
}

const leading = (line: string): number => /^[ \t]*/.exec(line)![0].length;

/** The declaration before its parameters, decorator and attribute lines dropped. */
function declaration(code: string): string {
  const lines = code.split(/\r?\n/);
  let i = 0;
  while (i < lines.length - 1 && /^\s*(@|#\[)/.test(lines[i]!)) i++;
  const rest = lines.slice(i).join('\n');
  const paren = rest.indexOf('(');
  return paren >= 0 ? rest.slice(0, paren) : (rest.split('\n')[0] ?? '');
}

/**
 * The lines that open the blocks around `offset`, innermost first: each earlier non-blank line
 * that is indented less than everything after it (a class, `impl`, module or namespace header).
 */
export function enclosingHeaders(text: string, offset: number): string[] {
  const lines = text.slice(0, offset).split(/\r?\n/);
  const own = lines.pop() ?? '';
  let indent = own.trim() === '' ? leading(text.slice(offset - own.length).split(/\r?\n/)[0] ?? '') : leading(own);
  const out: string[] = [];
  for (let i = lines.length - 1; i >= 0 && indent > 0; i--) {
    const line = lines[i]!;
    if (line.trim() === '' || /^\s*(#|\/\/|\/?\*)/.test(line)) continue;
    const l = leading(line);
    if (l < indent) {
      out.push(line);
      indent = l;
    }
  }
  return out;
}

/** Whether `inner` lies inside another of `functions` (a closure or nested helper). */
function nested(inner: FunctionText, functions: readonly FunctionText[]): boolean {
  return functions.some(
    (f) =>
      f !== inner &&
      f.startOffset <= inner.startOffset &&
      inner.endOffset <= f.endOffset &&
      f.endOffset - f.startOffset > inner.endOffset - inner.startOffset,
  );
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** JavaScript and TypeScript: does the file export `name` (or, exporting nothing, is it a script)? */
function jsExported(name: string, text: string): boolean {
  const anyExport = /(^|\n)\s*export\b|\bmodule\.exports\b|\bexports\.[\w$]+\s*=/.test(text);
  if (!anyExport) return true;
  const n = escapeRe(name);
  return (
    new RegExp(`(^|\\n)\\s*export\\s[^\\n]*\\b${n}\\b`).test(text) ||
    new RegExp(`\\bexport\\s*\\{[^}]*\\b${n}\\b[^}]*\\}`).test(text) ||
    new RegExp(`\\bmodule\\.exports\\b[^;]*\\b${n}\\b`).test(text) ||
    new RegExp(`\\bexports\\.${n}\\s*=`).test(text)
  );
}

/**
 * Whether a function is part of its file's public surface, by its language's own rule: Python names
 * without a leading underscore (so no dunders, `__init__` included: its class documents it) outside
 * private classes; exported JavaScript/TypeScript functions and the non-private methods of exported
 * classes (every top-level function of a file that exports nothing); Go's capitalised names; Rust's
 * `pub` items and trait methods; no `private` modifier in Java, PHP and C++ (C#: an explicit
 * `public`, `protected` or `internal`, or an interface member); Ruby methods outside
 * `private`/`protected` sections. Functions nested in other functions are never public.
 */
export function isPublicFunction(
  lang: CorpusLanguage,
  fn: FunctionText,
  functions: readonly FunctionText[],
  text: string,
): boolean {
  if (nested(fn, functions)) return false;
  const decl = declaration(fn.code);
  const headers = enclosingHeaders(text, fn.startOffset);
  const name = fn.name;
  switch (lang) {
    case 'python':
      return !name.startsWith('_') && !headers.some((h) => /^\s*class\s+_/.test(h));
    case 'javascript':
    case 'typescript':
    case 'tsx': {
      if (name.startsWith('#') || name.startsWith('_') || /\b(private|protected)\b/.test(decl)) return false;
      const cls = headers.find((h) => /\bclass\b/.test(h));
      if (cls) {
        const className = /\bclass\s+([\w$]+)/.exec(cls)?.[1];
        return /^\s*export\b/.test(cls) || (className !== undefined ? jsExported(className, text) : false);
      }
      if (headers.length > 0) return true; // an object literal's method, or a namespace member
      return /^\s*export\b/.test(decl) || jsExported(name, text);
    }
    case 'go':
      return /^[A-Z]/.test(name);
    case 'rust':
      return (
        /(^|\s)pub\b/.test(decl) || headers.some((h) => /^\s*(pub\s+)?(unsafe\s+)?(trait\b|impl\b.*\bfor\b)/.test(h))
      );
    case 'c-sharp': {
      if (/\bprivate\b/.test(decl)) return false;
      return /\b(public|protected|internal)\b/.test(decl) || headers.some((h) => /\binterface\b/.test(h));
    }
    case 'java':
    case 'php':
      return !/\bprivate\b/.test(decl) && !headers.some((h) => /\bprivate\s+(static\s+)?(final\s+)?class\b/.test(h));
    case 'cpp':
      // A free `static` function has internal linkage; members count as public (access sections are not read).
      return !name.startsWith('_') && (headers.length > 0 || !/\bstatic\b/.test(decl));
    case 'ruby': {
      if (name.startsWith('_') || /^\s*(private|protected)\s+def\b/.test(decl)) return false;
      // A bare `private` / `protected` line above the method in its class makes what follows private.
      const before = text.slice(0, fn.startOffset).split(/\r?\n/);
      const indent = leading(fn.code.split(/\r?\n/)[0] ?? '') || leading(before[before.length - 1] ?? '');
      for (let i = before.length - 2; i >= 0; i--) {
        const line = before[i]!;
        if (line.trim() === '') continue;
        if (leading(line) < indent) break;
        if (leading(line) === indent && /^\s*(private|protected)\s*$/.test(line)) return false;
        if (leading(line) === indent && /^\s*public\s*$/.test(line)) return true;
      }
      return true;
    }
    default:
      return true;
  }
}

/** Why Document All leaves a function without a doc comment. */
export type ConventionalSkip = 'dunder' | 'initInClass';

/** A function or class as the doc analyzer describes it (the fields these rules read). */
export interface DocumentedUnit extends FunctionText {
  readonly kind: 'function' | 'class';
  readonly params: readonly string[];
  /** Its doc comment's text, when it has one. */
  readonly doc?: string;
}

export interface SkipOptions {
  /** `classDocstring`: `__init__`'s arguments belong in its class's docstring (the default). */
  readonly pythonInitArguments: 'classDocstring' | 'initDocstring';
  /** Whether the docstring this run writes for an undocumented class lists the arguments. */
  readonly newClassDocListsArguments: boolean;
}

/** Does a docstring name every one of these parameters (as a word)? */
export function docNamesAll(doc: string, params: readonly string[]): boolean {
  return params.every((p) => new RegExp(`(^|[^\\w])\\*{0,2}${escapeRe(p)}([^\\w]|$)`).test(doc));
}

/**
 * The convention that leaves `fn` undocumented, if any: Python's dunder methods, and `__init__`
 * whose class docstring documents its arguments (already, or as written in the same run).
 * `units` are all the functions and classes of the file.
 */
export function conventionalSkip(
  lang: CorpusLanguage,
  fn: DocumentedUnit,
  units: readonly DocumentedUnit[],
  options: SkipOptions,
): ConventionalSkip | undefined {
  if (lang !== 'python' || fn.kind !== 'function' || !/^__\w+__$/.test(fn.name)) return undefined;
  if (fn.name !== '__init__') return 'dunder';
  if (options.pythonInitArguments !== 'classDocstring') return undefined;
  let cls: DocumentedUnit | undefined;
  for (const u of units)
    if (
      u.kind === 'class' &&
      u.startOffset < fn.startOffset &&
      fn.endOffset <= u.endOffset &&
      (!cls || u.startOffset > cls.startOffset)
    )
      cls = u;
  if (!cls) return undefined;
  if (cls.doc !== undefined) return docNamesAll(cls.doc, fn.params) ? 'initInClass' : undefined;
  return options.newClassDocListsArguments || fn.params.length === 0 ? 'initInClass' : undefined;
}
