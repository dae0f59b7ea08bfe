/**
 * The parameters of a function node in each tree-sitter grammar: name, type, default and kind
 * (rest, keyword, `**kwargs`, destructured, Ruby block). Receivers (`self`, `cls`, `this`, Go
 * receivers, Rust `&self`) are not parameters a doc comment lists.
 */
import type { Node } from 'web-tree-sitter';
import type { CorpusLanguage } from '../parsing/languages';
import type { ParamInfo, ParamKind } from './shape';
import { pythonType } from './types';

const named = (n: Node | null | undefined): Node[] => (n ? n.namedChildren.filter((c): c is Node => c !== null) : []);
const field = (n: Node, f: string): string | undefined => n.childForFieldName(f)?.text;

function param(name: string, kind: ParamKind, type?: string, def?: string, optional?: boolean): ParamInfo {
  return {
    name,
    kind,
    ...(type ? { type } : {}),
    ...(def !== undefined ? { default: def } : {}),
    ...(optional || def !== undefined ? { optional: true } : {}),
  };
}

function python(list: Node): ParamInfo[] {
  const out: ParamInfo[] = [];
  let keywordOnly = false;
  for (const p of named(list)) {
    if (p.type === 'keyword_separator') {
      keywordOnly = true;
      continue;
    }
    if (p.type === 'positional_separator' || p.type === 'comment') continue;
    const inner = p.type === 'typed_parameter' ? (named(p)[0] ?? p) : p;
    const nameNode =
      p.childForFieldName('name') ??
      (inner.type === 'identifier' ? inner : (named(inner).find((c) => c.type === 'identifier') ?? inner));
    const name = nameNode.text;
    const annotation = p.childForFieldName('type')?.text;
    const typed = annotation ? pythonType(annotation) : undefined;
    const def = field(p, 'value');
    let kind: ParamKind = keywordOnly ? 'keyword' : 'positional';
    if (inner.type === 'list_splat_pattern') {
      kind = 'rest';
      keywordOnly = true;
    } else if (inner.type === 'dictionary_splat_pattern') kind = 'kwargs';
    if (out.length === 0 && kind === 'positional' && (name === 'self' || name === 'cls')) continue;
    out.push(param(name, kind, typed?.type, def, typed?.optional));
  }
  return out;
}

function typeAnnotation(p: Node): string | undefined {
  return p.childForFieldName('type')?.text.replace(/^:\s*/, '');
}

function jsLike(list: Node): ParamInfo[] {
  const out: ParamInfo[] = [];
  let destructured = 0;
  for (const p of named(list)) {
    if (p.type === 'comment' || p.type === 'decorator') continue;
    // A bare identifier (JS without types) or a parameter node (TS).
    const pattern =
      p.childForFieldName('pattern') ?? (p.type === 'assignment_pattern' ? p.childForFieldName('left') : p);
    const def = field(p, 'value') ?? (p.type === 'assignment_pattern' ? field(p, 'right') : undefined);
    const type = typeAnnotation(p);
    if (!pattern || pattern.text === 'this') continue;
    const optional = p.type === 'optional_parameter';
    if (pattern.type === 'rest_pattern') {
      out.push(param(named(pattern)[0]?.text ?? pattern.text.replace(/^\.\.\./, ''), 'rest', type));
    } else if (pattern.type === 'object_pattern' || pattern.type === 'array_pattern') {
      out.push(param(`param${destructured++}`, 'destructured', type, def, optional));
    } else {
      out.push(param(pattern.text, 'positional', type, def, optional));
    }
  }
  return out;
}

function javaLike(list: Node, lang: CorpusLanguage): ParamInfo[] {
  const out: ParamInfo[] = [];
  for (const p of named(list)) {
    if (p.type === 'spread_parameter') {
      const decl = named(p).find((c) => c.type === 'variable_declarator');
      const type = named(p).find((c) => c.type !== 'variable_declarator' && c.type !== 'modifiers');
      out.push(param(decl?.childForFieldName('name')?.text ?? '', 'rest', type && `${type.text}...`));
    } else if (p.type === 'formal_parameter' || p.type === 'parameter') {
      const name = field(p, 'name');
      if (!name || (lang === 'java' && name === 'this')) continue;
      const def =
        lang === 'c-sharp'
          ? named(p).find(
              (c, i) => i > 0 && /literal|expression|identifier/.test(c.type) && c !== p.childForFieldName('name'),
            )?.text
          : undefined;
      const rest = lang === 'c-sharp' && /^\s*params\b/.test(p.text);
      out.push(param(name, rest ? 'rest' : 'positional', field(p, 'type'), def));
    }
  }
  return out;
}

function go(list: Node): ParamInfo[] {
  const out: ParamInfo[] = [];
  for (const p of named(list)) {
    const type = field(p, 'type');
    const kind: ParamKind = p.type === 'variadic_parameter_declaration' ? 'rest' : 'positional';
    for (const c of p.childrenForFieldName('name'))
      if (c) out.push(param(c.text, kind, kind === 'rest' ? `...${type}` : type));
  }
  return out;
}

function rust(list: Node): ParamInfo[] {
  const out: ParamInfo[] = [];
  let destructured = 0;
  for (const p of named(list)) {
    if (p.type !== 'parameter') continue;
    const pattern = p.childForFieldName('pattern');
    if (!pattern) continue;
    const plain = pattern.type === 'identifier' || pattern.type === 'mut_pattern';
    const name = plain ? pattern.text.replace(/^mut\s+/, '') : `arg${destructured++}`;
    out.push(param(name, plain ? 'positional' : 'destructured', field(p, 'type')));
  }
  return out;
}

function php(list: Node): ParamInfo[] {
  return named(list)
    .filter((p) => /parameter/.test(p.type))
    .map((p) => {
      const name = (p.childForFieldName('name')?.text ?? '').replace(/^\$/, '');
      const rawType = field(p, 'type');
      const nullable = !!rawType?.startsWith('?');
      const type = rawType?.replace(/^\?/, '');
      const rest = p.type === 'variadic_parameter';
      return param(
        name,
        rest ? 'rest' : 'positional',
        type && nullable ? `${type}|null` : type,
        field(p, 'default_value'),
        nullable,
      );
    });
}

function ruby(list: Node): ParamInfo[] {
  const kinds: Record<string, ParamKind> = {
    identifier: 'positional',
    optional_parameter: 'positional',
    splat_parameter: 'rest',
    hash_splat_parameter: 'kwargs',
    keyword_parameter: 'keyword',
    block_parameter: 'block',
  };
  const out: ParamInfo[] = [];
  for (const p of named(list)) {
    const kind = kinds[p.type];
    if (!kind) continue;
    const name = p.type === 'identifier' ? p.text : field(p, 'name');
    if (name) out.push(param(name, kind, undefined, field(p, 'value')));
  }
  return out;
}

function cpp(fn: Node): ParamInfo[] {
  let decl = fn.childForFieldName('declarator');
  while (decl && decl.type !== 'function_declarator') decl = decl.childForFieldName('declarator');
  const out: ParamInfo[] = [];
  for (const p of named(decl?.childForFieldName('parameters'))) {
    if (p.type === 'variadic_parameter' || p.text === '...') {
      out.push(param('...', 'rest'));
      continue;
    }
    if (!/parameter_declaration/.test(p.type)) continue;
    let d = p.childForFieldName('declarator');
    while (d && d.type !== 'identifier' && d.type !== 'field_identifier')
      d = d.childForFieldName('declarator') ?? named(d).find((c) => /identifier|declarator/.test(c.type)) ?? null;
    if (!d) continue;
    const type = p.text.slice(0, (p.childForFieldName('declarator')?.startIndex ?? p.endIndex) - p.startIndex).trim();
    const pointer = (p.childForFieldName('declarator')?.text ?? '').slice(
      0,
      d.startIndex - (p.childForFieldName('declarator')?.startIndex ?? 0),
    );
    out.push(
      param(d.text, 'positional', `${type}${pointer.trim() ? ` ${pointer.trim()}` : ''}`, field(p, 'default_value')),
    );
  }
  return out;
}

/** The documented parameters of a function node, in order. */
export function parametersOf(fn: Node, lang: CorpusLanguage): ParamInfo[] {
  if (lang === 'cpp') return cpp(fn);
  const list = fn.childForFieldName('parameters');
  // An arrow function with a single bare parameter: `x => ...`.
  if (!list) {
    const single = fn.childForFieldName('parameter');
    return single ? [param(single.text, 'positional')] : [];
  }
  switch (lang) {
    case 'python':
      return python(list);
    case 'javascript':
    case 'typescript':
    case 'tsx':
      return jsLike(list);
    case 'java':
    case 'c-sharp':
      return javaLike(list, lang);
    case 'go':
      return go(list);
    case 'rust':
      return rust(list);
    case 'php':
      return php(list);
    case 'ruby':
      return ruby(list);
  }
}
