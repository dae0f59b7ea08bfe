/**
 * Using an existing workspace function instead of generated code: a call to it, and the import
 * that makes it reachable from the file being edited, when it can be imported at all (Python: a
 * module-level `def`; JavaScript/TypeScript: an exported function). Pure functions over text; the
 * editor command applies the plan as one edit.
 */
import * as path from 'path';

export interface ExistingFunction {
  /** Relative to the workspace root, `/` separators. */
  readonly path: string;
  readonly name: string;
  readonly lang: string;
  readonly code: string;
  /** The text of the function's first line in its file (decides whether it is importable). */
  readonly firstLine: string;
}

export interface CallPlan {
  /** The import line to add (absent: same file, or nothing to import). */
  readonly importLine?: string;
  /** The call, e.g. `load_json(path)`. */
  readonly call: string;
}

const PY_TOP_LEVEL = /^(async\s+)?def\s/;
const JS_EXPORTED = /^export\s+(default\s+)?(async\s+)?(function\b|const\b|let\b)/;

/** Parameter names of the function's signature (Python `self`/`cls` dropped; defaults and types removed). */
export function parameterNames(code: string): string[] {
  const open = code.indexOf('(');
  if (open < 0) return [];
  let depth = 0;
  let end = open;
  for (let i = open; i < code.length; i++) {
    if ('([{<'.includes(code[i]!)) depth++;
    else if (')]}>'.includes(code[i]!) && --depth === 0) {
      end = i;
      break;
    }
  }
  const parts: string[] = [];
  let cur = '';
  depth = 0;
  for (const ch of code.slice(open + 1, end)) {
    if ('([{<'.includes(ch)) depth++;
    if (')]}>'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts
    .map((p) => /^\s*(\*{0,2}|\.\.\.)\s*([A-Za-z_$][\w$]*)/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1] ?? ''}${m[2]!}`)
    .filter((n) => n !== 'self' && n !== 'cls' && n !== '*' && n !== '/');
}

/** Python module of a file: `pkg/io/json_utils.py` -> `pkg.io.json_utils` (`__init__` dropped). */
export function pythonModule(relPath: string): string {
  const parts = relPath.replace(/\.pyi?$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.join('.');
}

/** Whether the function can be imported from another file. */
export function isImportable(fn: Pick<ExistingFunction, 'lang' | 'firstLine'>): boolean {
  if (fn.lang === 'python') return PY_TOP_LEVEL.test(fn.firstLine);
  if (fn.lang === 'javascript' || fn.lang === 'typescript') return JS_EXPORTED.test(fn.firstLine.trimStart());
  return false;
}

/**
 * The call and import for using `fn` from the file `fromPath` (relative to the same root), with
 * `fromText` that file's text (to match its import style and skip an import it already has);
 * undefined when it cannot be imported (a method, an unexported or other-language function).
 */
export function planCall(
  fn: ExistingFunction,
  fromPath: string,
  fromText: string,
  fromLang: string,
): CallPlan | undefined {
  const sameLanguage = fn.lang === fromLang || (isJs(fn.lang) && isJs(fromLang));
  if (!sameLanguage) return undefined;
  const call = `${fn.name}(${parameterNames(fn.code).join(', ')})`;
  if (fn.path === fromPath) return PY_TOP_LEVEL.test(fn.firstLine) || isJs(fn.lang) ? { call } : undefined;
  if (!isImportable(fn)) return undefined;
  let importLine: string;
  if (fn.lang === 'python') importLine = `from ${pythonModule(fn.path)} import ${fn.name}`;
  else {
    let spec = path.posix.relative(path.posix.dirname(fromPath), fn.path).replace(/\.(m|c)?[jt]sx?$/, '');
    if (!spec.startsWith('.')) spec = `./${spec}`;
    const isDefault = /^export\s+default\b/.test(fn.firstLine.trimStart());
    const binding = isDefault ? fn.name : `{ ${fn.name} }`;
    importLine =
      /\brequire\(/.test(fromText) && !/^\s*import\s/m.test(fromText)
        ? `const ${binding} = require('${spec}');`
        : `import ${binding} from '${spec}';`;
  }
  return fromText.split(/\r?\n/).some((l) => l.trim() === importLine) ? { call } : { importLine, call };
}

/** The 0-based line after the file's leading imports, where a new import goes. */
export function importInsertionLine(lines: readonly string[], lang: string): number {
  const isImport =
    lang === 'python'
      ? (l: string) => /^(import|from)\s+\S+/.test(l)
      : (l: string) => /^import\s|^(const|let|var)\s+.*=\s*require\(/.test(l);
  let last = -1;
  for (let i = 0; i < Math.min(lines.length, 200); i++) if (isImport(lines[i]!)) last = i;
  if (last >= 0) return last + 1;
  // Python: after a module docstring and shebang/encoding lines; JS: after a 'use strict' line.
  let i = 0;
  while (i < lines.length && /^#!|^# -\*-|^['"]use strict['"]/.test(lines[i]!)) i++;
  return i;
}

function isJs(lang: string): boolean {
  return lang === 'javascript' || lang === 'typescript';
}
