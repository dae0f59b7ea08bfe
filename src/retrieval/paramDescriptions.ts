/**
 * Parameter descriptions a project already wrote: in real projects the same parameter name tends
 * to mean the same thing everywhere (`path`, `ctx`, `timeout`), and its authors describe it the
 * same way. For a parameter of the function being documented, the description most often given to
 * a parameter of that name in the project's other files (ties: the shortest, then the first seen)
 * is a better start than a placeholder; without one, the placeholder stays. Measured on held-out
 * projects by `npm run bench:params` against the name split into words. A description is borrowed
 * only from a parameter in the same role (`rolesMatch`: same annotated type, or compatible
 * defaults), and says which function it came from, so the doc comment can show it.
 */

/** A documented function's parameter descriptions, as the miner extracts them. */
export interface DescribedParams {
  readonly path: string;
  /** The function's name, first line (1-based), language and code: where a borrowed description came from. */
  readonly name?: string;
  readonly line?: number;
  readonly lang?: string;
  readonly code?: string;
  readonly params?: readonly { readonly name: string; readonly description?: string }[];
}

/** A parameter's description for a doc comment, and who wrote it. */
export interface ParamDescription {
  readonly text: string;
  /** 'project': another documented function of the workspace; 'model': the parameter-description model. */
  readonly source: 'project' | 'model';
  /** The function a 'project' description was borrowed from (path relative to the project root). */
  readonly from?: { readonly name: string; readonly path: string; readonly line?: number };
  /** The model's mean token probability (0..1), for a 'model' description. */
  readonly confidence?: number;
}

/** What a parameter is in its function, as written in the signature: its annotated type and default. */
export interface ParamRole {
  readonly type?: string;
  readonly default?: string;
}

/**
 * Splits on a top-level separator (not inside brackets or strings; `=` not in `=>`, `==`, `<=`),
 * pieces as written. A signature of any language: `<...>` are generics' brackets, strings have
 * escapes and backticks. docComments/types.ts's splitTop reads Python annotations, where `>` is a
 * comparison, so it differs; test/unit/topLevelSplit.test.ts pins both.
 */
export function topLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('[({<'.includes(ch)) depth++;
    else if (')]}>'.includes(ch) && !(ch === '>' && text[i - 1] === '=')) depth--;
    else if (
      ch === sep &&
      depth === 0 &&
      !(sep === '=' && (/[=>]/.test(text[i + 1] ?? '') || /[=!<>]/.test(text[i - 1] ?? '')))
    ) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text between the signature's parentheses: after the function's name when it is found. */
function parameterList(code: string, fnName?: string): string | undefined {
  const named = fnName ? new RegExp(`(?<![\\w$])${escaped(fnName)}\\s*(?:<[^()]*>)?\\s*\\(`).exec(code) : null;
  const open = named ? named.index + named[0].length - 1 : code.indexOf('(');
  if (open < 0) return undefined;
  let depth = 0;
  let quote = '';
  for (let i = open; i < code.length; i++) {
    const ch = code[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return code.slice(open + 1, i);
  }
  return undefined;
}

/**
 * The role of parameter `name` in a function's signature, read from its code without a parser:
 * `name: T = d` (Python, TypeScript, Rust), `T $name = d` (PHP), `T name` (Java, C#), `name T` (Go),
 * `name = d` and Ruby's `name: d`. Empty when the name is not in the signature.
 */
export function signatureRole(code: string, name: string, fnName?: string, lang?: string): ParamRole {
  const list = parameterList(code, fnName);
  if (list === undefined) return {};
  const word = new RegExp(`(^|[^\\w$])\\$?${escaped(name)}(?![\\w$])`);
  const piece = topLevel(list, ',').find((p) => word.test(p.split('=')[0]!));
  if (!piece) return {};
  const [left, ...rest] = topLevel(piece, '=');
  let def = rest.length ? rest.join('=').trim() : undefined;
  let head = left!.trim();
  if (lang === 'ruby' && def === undefined) {
    const kw = /^(\w+):\s*(.*)$/.exec(head);
    if (kw) [head, def] = [kw[1]!, kw[2]!.trim() || undefined];
  }
  const type = head
    .replace(word, ' ')
    .replace(/^\s*[:?]|(^|\s)(final|mut|const|readonly|public|private|protected|params|ref|out|in)\s/g, ' ')
    .replace(/^[\s*&.?:]+|[\s:?]+$/g, '')
    .trim();
  return { ...(type ? { type } : {}), ...(def ? { default: def } : {}) };
}

/** A type as compared: spaces, quotes and `typing.` gone, `Optional[T]` / `T | None` / `?T` as `T`, builtins lower-cased. */
export function typeKey(type: string): string {
  let t = type
    .replace(/\s+/g, '')
    .replace(/^["']|["']$/g, '')
    .replace(/\b(typing|t|typing_extensions)\./g, '');
  for (let prev = ''; prev !== t;) {
    prev = t;
    t = t
      .replace(/^Optional\[(.*)\]$/, '$1')
      .replace(/^\?/, '')
      .replace(/(^|\|)(None|null|undefined|NoneType)(?=\||$)/g, '')
      .replace(/^\||\|$/g, '');
  }
  t = t.replace(/^(Readonly|Final|ReadonlyArray)<(.*)>$/, (_, w: string, inner: string) =>
    w === 'ReadonlyArray' ? `${inner}[]` : inner,
  );
  // A module's name before a type is left out: `ast.AST` is `AST`.
  t = t.replace(/\b[A-Za-z_]\w*\.(?=[A-Za-z_])/g, '');
  t = t.replace(/\b(List|Dict|Tuple|Set|FrozenSet|Type)\b/g, (m) => m.toLowerCase()).replace(/^String$/, 'string');
  // Union members in one order: `str | Path` is `Path | str`.
  return topLevel(t, '|').sort().join('|');
}

/** Whether two annotated types name the same thing, or one is a member of the other's union (`Path` of `str | Path`). */
function sameType(a: string, b: string): boolean {
  const [ka, kb] = [typeKey(a), typeKey(b)];
  if (ka === kb) return true;
  const [ma, mb] = [topLevel(ka, '|'), topLevel(kb, '|')];
  return ma.every((m) => mb.includes(m)) || mb.every((m) => ma.includes(m));
}

type ValueKind = 'none' | 'bool' | 'number' | 'string' | 'list' | 'dict';

/** The kind of value a default is, when its text says (`None`, `0`, `"x"`, `[]`...). */
function kindOfDefault(value: string): ValueKind | undefined {
  const v = value.trim();
  if (/^(None|null|nil|undefined)$/.test(v)) return 'none';
  if (/^(True|False|true|false)$/.test(v)) return 'bool';
  if (/^[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?[jJnLlfFdD]?$|^0[xXoObB][\da-fA-F_]+$/.test(v)) return 'number';
  if (/^[rRuUfF]?(['"`])/.test(v)) return 'string';
  if (/^(\[|list\(|array\(|new\s+Array\b)/.test(v)) return 'list';
  if (/^(\{|dict\(|new\s+Map\b)/.test(v)) return 'dict';
  return undefined;
}

/** The kind of value a type holds, when it is a plain one. */
function kindOfType(type: string): ValueKind | undefined {
  const t = typeKey(type).toLowerCase();
  if (
    /^(int|float|number|complex|decimal|integer|double|long|short|byte|u?int\d*|i\d+|u\d+|f\d+|usize|isize|bigint)$/.test(
      t,
    )
  )
    return 'number';
  if (/^(str|string|&str|char)$/.test(t)) return 'string';
  if (/^(bool|boolean)$/.test(t)) return 'bool';
  if (/^(list|tuple|sequence|array|vec|set|frozenset)(\[.*\]|<.*>)?$|\[\]$/.test(t)) return 'list';
  if (/^(dict|mapping|map|record|hashmap|object)(\[.*\]|<.*>)?$/.test(t)) return 'dict';
  return undefined;
}

/** Whether a type and a default can belong to one parameter (`int` and `"auto"` cannot). */
function fits(type: string | undefined, def: string | undefined): boolean {
  if (type === undefined || def === undefined) return true;
  const [tk, dk] = [kindOfType(type), kindOfDefault(def)];
  return tk === undefined || dk === undefined || dk === 'none' || tk === dk || (tk === 'number' && dk === 'bool');
}

/**
 * Whether a description written for a parameter in role `source` may describe one in role
 * `target` of the same name. When both are annotated, the types must be the same (or one a member
 * of the other's union); otherwise their
 * defaults must be of the same kind of value (either may have none, or `None`), and a type on one
 * side must fit the default on the other.
 */
export function rolesMatch(target: ParamRole, source: ParamRole): boolean {
  if (target.type !== undefined && source.type !== undefined) return sameType(target.type, source.type);
  const [a, b] = [target.default, source.default];
  if (a !== undefined && b !== undefined) {
    const [ka, kb] = [kindOfDefault(a), kindOfDefault(b)];
    if (ka !== undefined && kb !== undefined && ka !== 'none' && kb !== 'none' && ka !== kb) return false;
  }
  return fits(target.type, b) && fits(source.type, a);
}

/** One described parameter of a documented function. */
interface Occurrence {
  readonly text: string;
  readonly fn: DescribedParams;
  readonly param: string;
  role?: ParamRole;
}

export class ParamDescriptions {
  /** name -> every description given to a parameter of that name, in the order seen. */
  private readonly byName = new Map<string, Occurrence[]>();

  constructor(functions: Iterable<DescribedParams>) {
    for (const fn of functions)
      for (const p of fn.params ?? []) {
        const text = p.description?.replace(/\s+/g, ' ').trim();
        if (!text) continue;
        let list = this.byName.get(p.name);
        if (!list) this.byName.set(p.name, (list = []));
        list.push({ text, fn, param: p.name });
      }
  }

  private roleOf(o: Occurrence): ParamRole {
    o.role ??= o.fn.code !== undefined ? signatureRole(o.fn.code, o.param, o.fn.name, o.fn.lang) : {};
    return o.role;
  }

  /**
   * The description given to parameter `name` in the most files other than `excludePath` (ties:
   * the shortest, then the first seen), with the function it came from; with `role`, only from
   * parameters whose role matches it (`rolesMatch`). Undefined when there is none.
   */
  lookup(name: string, excludePath?: string, role?: ParamRole): ParamDescription | undefined {
    const files = new Map<string, { first: Occurrence; paths: Set<string> }>();
    for (const o of this.byName.get(name) ?? []) {
      if (o.fn.path === excludePath || (role && !rolesMatch(role, this.roleOf(o)))) continue;
      const seen = files.get(o.text);
      if (seen) seen.paths.add(o.fn.path);
      else files.set(o.text, { first: o, paths: new Set([o.fn.path]) });
    }
    let best: { text: string; first: Occurrence; n: number } | undefined;
    for (const [text, { first, paths }] of files)
      if (!best || paths.size > best.n || (paths.size === best.n && text.length < best.text.length))
        best = { text, first, n: paths.size };
    if (!best) return undefined;
    const fn = best.first.fn;
    return {
      text: best.text,
      source: 'project',
      ...(fn.name !== undefined
        ? { from: { name: fn.name, path: fn.path, ...(fn.line !== undefined ? { line: fn.line } : {}) } }
        : {}),
    };
  }

  /** The text of `lookup` without a role: the description most files give parameter `name`. */
  describe(name: string, excludePath?: string): string | undefined {
    return this.lookup(name, excludePath)?.text;
  }
}

/**
 * What a parameter-description model reads: the parameter's name on a line of its own, then the
 * function's code. Training pairs (scripts/param-model) and the editor's requests both use it.
 */
export function paramSourceText(name: string, code: string): string {
  return `param ${name}\n${code}`;
}

/** A documented parameter as a training pair of the parameter-description model. */
export interface ParamPair {
  readonly lang: string;
  readonly project?: string;
  readonly path: string;
  readonly name: string;
  readonly line: number;
  readonly code: string;
  readonly description: string;
}

/** Every documented parameter of `functions`, with its description on one line. */
export function paramPairs(functions: Iterable<Omit<ParamPair, 'description'> & DescribedParams>): ParamPair[] {
  const out: ParamPair[] = [];
  for (const fn of functions)
    for (const p of fn.params ?? []) {
      const description = p.description?.replace(/\s+/g, ' ').trim();
      if (!description) continue;
      out.push({
        lang: fn.lang,
        ...(fn.project !== undefined ? { project: fn.project } : {}),
        path: fn.path,
        name: `${fn.name}(${p.name})`,
        line: fn.line,
        code: paramSourceText(p.name, fn.code),
        description,
      });
    }
  return out;
}
