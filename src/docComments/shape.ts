/**
 * The shape of a function as a doc comment needs it, read from its tree-sitter node: parameters
 * (names, types, defaults, rest/keyword/destructured kinds), type parameters, async/generator,
 * whether it returns a value, what it raises, and (Rust) whether it can fail or panic. For a
 * Python class, the shape of its `__init__` plus the attributes assigned there.
 *
 * Plain data out, so the shape can cross a thread boundary; no `vscode` here.
 */
import type { Node } from 'web-tree-sitter';
import type { CorpusLanguage } from '../parsing/languages';
import { parametersOf } from './params';
import { pythonType } from './types';

export type ParamKind = 'positional' | 'rest' | 'kwargs' | 'keyword' | 'destructured' | 'block';

export interface ParamInfo {
  readonly name: string;
  /** The type as written (Python: unwrapped from Optional/Annotated/`| None`). */
  readonly type?: string;
  readonly default?: string;
  /** Optional: has a default, or is `Optional[...]` / `T | None` / `?`. */
  readonly optional?: boolean;
  readonly kind: ParamKind;
}

export interface FunctionShape {
  readonly name: string;
  readonly kind: 'function' | 'class';
  readonly async: boolean;
  readonly generator: boolean;
  /** A constructor (`__init__`, Java/C# constructors): never a Returns section. */
  readonly isConstructor: boolean;
  readonly params: readonly ParamInfo[];
  readonly typeParams: readonly string[];
  readonly returnType?: string;
  readonly returnsValue: boolean;
  /** Exception types raised or thrown in the body (or declared with `throws`), in order. */
  readonly throws: readonly string[];
  /** Rust: the body can return `Err` (explicitly or through `?`). */
  readonly errors: boolean;
  /** Rust: the body can panic (`panic!`, `unwrap`, `expect`, `assert!`…). */
  readonly panics: boolean;
  /** Python classes: attributes assigned on `self` in `__init__`. */
  readonly attributes: readonly ParamInfo[];
  /** A stub (`pass`, `...`, `raise NotImplementedError`, empty): documents what overrides do. */
  readonly stub: boolean;
}

/** Node types that open a new function or class scope: their bodies are not this function's. */
const SCOPES = new Set([
  'function_definition',
  'function_declaration',
  'generator_function_declaration',
  'method_definition',
  'method_declaration',
  'constructor_declaration',
  'arrow_function',
  'function_expression',
  'function',
  'generator_function',
  'lambda',
  'lambda_expression',
  'class_definition',
  'class_declaration',
  'class',
  'function_item',
  'closure_expression',
  'local_function_statement',
  'anonymous_function',
  'anonymous_function_creation_expression',
  'func_literal',
  'method',
  'singleton_method',
  'block',
  'do_block',
]);

/** Descendants of `root` in this function's own scope (nested functions and classes skipped). */
export function ownNodes(root: Node, lang: CorpusLanguage): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [...root.namedChildren.filter((c): c is Node => c !== null)].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    // `block` is a Ruby closure but a plain statement block elsewhere.
    const scope = SCOPES.has(n.type) && !(n.type === 'block' && lang !== 'ruby');
    if (scope) continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return out;
}

const hasToken = (n: Node, token: string): boolean => n.children.some((c) => c?.type === token);

function isAsync(fn: Node, lang: CorpusLanguage): boolean {
  if (hasToken(fn, 'async')) return true;
  if (lang === 'rust') return fn.children.some((c) => c?.type === 'function_modifiers' && /\basync\b/.test(c.text));
  if (lang === 'c-sharp') return fn.children.some((c) => c?.type === 'modifier' && c.text === 'async');
  return false;
}

/** The exception's type from a raise/throw operand: `new Foo(...)`, `Foo(...)`, `Foo`. */
function thrownType(operand: Node | null | undefined): string | undefined {
  if (!operand) return undefined;
  const t = operand.type;
  if (t === 'call' || t === 'call_expression') return thrownType(operand.childForFieldName('function'));
  if (t === 'new_expression') return thrownType(operand.childForFieldName('constructor'));
  if (t === 'object_creation_expression')
    return (operand.childForFieldName('type') ?? operand.namedChildren.find((c) => c?.type === 'name'))?.text;
  if (/^(identifier|constant|attribute|member_expression|qualified_identifier|scoped_identifier|name)$/.test(t))
    return operand.text;
  return undefined;
}

function pushUnique(list: string[], item: string | undefined): void {
  if (item && !list.includes(item)) list.push(item);
}

const PANIC_MACROS = /^(panic|unreachable|todo|unimplemented|assert|assert_eq|assert_ne)$/;

function bodyFacts(fn: Node, lang: CorpusLanguage, body: Node) {
  const throws: string[] = [];
  let returnsValue = false;
  let generator = false;
  let errors = false;
  let panics = false;
  if (lang === 'java' || lang === 'c-sharp')
    for (const c of fn.namedChildren)
      if (c?.type === 'throws') for (const t of c.namedChildren) pushUnique(throws, t?.text);
  for (const n of ownNodes(body, lang)) {
    switch (n.type) {
      case 'return_statement':
      case 'return_expression':
        if (n.namedChildCount > 0) returnsValue = true;
        break;
      case 'yield':
      case 'yield_expression':
        generator = true;
        break;
      case 'raise_statement':
        pushUnique(throws, thrownType(n.namedChildren[0]));
        break;
      case 'throw_statement':
      case 'throw_expression':
        pushUnique(throws, thrownType(n.namedChildren[0]));
        break;
      case 'call':
        // Ruby: `raise Foo, "message"` / `raise Foo.new(...)`.
        if (lang === 'ruby' && n.childForFieldName('method')?.text === 'raise' && !n.childForFieldName('receiver')) {
          const arg = n.childForFieldName('arguments')?.namedChildren[0];
          const recv = arg?.type === 'call' ? arg.childForFieldName('receiver') : arg;
          pushUnique(throws, recv?.type === 'constant' || recv?.type === 'scope_resolution' ? recv.text : undefined);
        }
        break;
      case 'macro_invocation':
        if (PANIC_MACROS.test(n.childForFieldName('macro')?.text ?? '')) panics = true;
        break;
      case 'try_expression':
        errors = true;
        break;
      case 'call_expression': {
        const f = n.childForFieldName('function');
        if (lang === 'rust' && f?.text === 'Err') errors = true;
        if (
          lang === 'rust' &&
          f?.type === 'field_expression' &&
          /^(unwrap|expect)$/.test(f.childForFieldName('field')?.text ?? '')
        )
          panics = true;
        break;
      }
    }
  }
  return { throws, returnsValue, generator, errors, panics };
}

const VOID =
  /^(void|None|never|undefined|\(\)|Promise<void>|Task|ValueTask|IAsyncEnumerable<.*>|Generator<.*>|Iterator<.*>)$/;

function typeText(n: Node | null | undefined): string | undefined {
  const t = n?.text
    .replace(/^:\s*/, '')
    .replace(/^->\s*/, '')
    .trim();
  return t || undefined;
}

/** Does the function return a value, from its declared return type where the language has one? */
function declaredReturn(fn: Node, lang: CorpusLanguage): { type?: string | undefined; returns?: boolean } {
  switch (lang) {
    case 'java':
    case 'c-sharp': {
      if (fn.type === 'constructor_declaration') return { returns: false };
      const type = typeText(fn.childForFieldName('type') ?? fn.childForFieldName('returns'));
      return { type, returns: !!type && !VOID.test(type) };
    }
    case 'cpp': {
      const type = typeText(fn.childForFieldName('type'));
      const pointer = fn.childForFieldName('declarator')?.type === 'pointer_declarator';
      return { type, returns: pointer || (!!type && !VOID.test(type)) };
    }
    case 'go': {
      const type = typeText(fn.childForFieldName('result'));
      return { type, returns: !!type };
    }
    case 'python': {
      const type = typeText(fn.childForFieldName('return_type'));
      if (!type) return {};
      const unwrapped = pythonType(type).type;
      return VOID.test(unwrapped) ? { type: unwrapped, returns: false } : { type: unwrapped };
    }
    case 'rust': {
      const type = typeText(fn.childForFieldName('return_type'));
      return { type, returns: !!type && !VOID.test(type) };
    }
    default: {
      const type = typeText(fn.childForFieldName('return_type'));
      if (type && VOID.test(type)) return { type, returns: false };
      return type ? { type } : {};
    }
  }
}

function typeParameters(fn: Node): string[] {
  const tp = fn.childForFieldName('type_parameters') ?? fn.parent?.childForFieldName('parameters');
  if (!tp || !/type_parameter|template_parameter_list/.test(tp.type)) return [];
  return tp.namedChildren
    .filter((c): c is Node => !!c && /type_parameter/.test(c.type))
    .map(
      (c) => (c.childForFieldName('name') ?? c.namedChildren.find((k) => /identifier/.test(k?.type ?? '')) ?? c).text,
    );
}

/** Ruby returns its last expression: a value unless it is an assignment, a raise or output. */
function rubyImplicitReturn(body: Node): boolean {
  const last = body.namedChildren[body.namedChildCount - 1];
  if (!last || /assignment|comment|if|unless|while|until|for/.test(last.type)) return false;
  const method =
    last.type === 'call' ? last.childForFieldName('method')?.text : last.type === 'identifier' ? last.text : '';
  return !/^(raise|puts|print|p|pp|fail)$/.test(method ?? '');
}

/** The shape of one function node (as `locateFunctions` finds it). */
export function functionShape(fn: Node, name: string, lang: CorpusLanguage): FunctionShape {
  const body = fn.childForFieldName('body');
  const facts = body
    ? bodyFacts(fn, lang, body)
    : { throws: [], returnsValue: false, generator: false, errors: false, panics: false };
  const declared = declaredReturn(fn, lang);
  const constructor =
    fn.type === 'constructor_declaration' ||
    (lang === 'python' && name === '__init__') ||
    (/script|tsx/.test(lang) && name === 'constructor') ||
    (lang === 'php' && name === '__construct') ||
    (lang === 'ruby' && name === 'initialize');
  let returnsValue = declared.returns ?? facts.returnsValue;
  // An expression-bodied arrow function returns its expression.
  if (declared.returns === undefined && body && fn.type === 'arrow_function' && body.type !== 'statement_block')
    returnsValue = true;
  if (lang === 'ruby' && body && !constructor) returnsValue ||= rubyImplicitReturn(body);
  const generator = facts.generator || /generator/.test(fn.type) || hasToken(fn, '*');
  const statements = body
    ? body.namedChildren.filter(
        (c): c is Node =>
          !!c && c.type !== 'comment' && !(c.type === 'expression_statement' && c.namedChildren[0]?.type === 'string'),
      )
    : [];
  const stub = statements.every(
    (c) =>
      c.type === 'pass_statement' ||
      c.text === '...' ||
      /NotImplemented|UnsupportedOperationException|todo!|unimplemented!/.test(c.text),
  );
  return {
    name,
    kind: 'function',
    async: isAsync(fn, lang),
    generator,
    isConstructor: constructor,
    params: parametersOf(fn, lang),
    typeParams: typeParameters(fn),
    ...(declared.type ? { returnType: declared.type } : {}),
    returnsValue: !constructor && returnsValue,
    throws: facts.throws,
    errors: facts.errors,
    panics: facts.panics,
    attributes: [],
    stub,
  };
}

/** A Python class: its `__init__`'s parameters, and the attributes `__init__` assigns on `self`. */
export function pythonClassShape(cls: Node): FunctionShape {
  const name = cls.childForFieldName('name')?.text ?? '';
  const init = cls
    .childForFieldName('body')
    ?.namedChildren.map((c) => (c?.type === 'decorated_definition' ? c.childForFieldName('definition') : c))
    .find((c) => c?.type === 'function_definition' && c.childForFieldName('name')?.text === '__init__');
  const shape = init ? functionShape(init, '__init__', 'python') : undefined;
  const attributes: ParamInfo[] = [];
  const initBody = init?.childForFieldName('body');
  if (initBody) {
    for (const n of ownNodes(initBody, 'python')) {
      if (n.type !== 'assignment') continue;
      const left = n.childForFieldName('left');
      if (left?.type !== 'attribute' || left.childForFieldName('object')?.text !== 'self') continue;
      const attr = left.childForFieldName('attribute')?.text;
      if (!attr || attr.startsWith('_') || attributes.some((a) => a.name === attr)) continue;
      const annotated = typeText(n.childForFieldName('type'));
      const param = shape?.params.find((p) => p.name === attr);
      const type = annotated ?? param?.type;
      attributes.push({ name: attr, kind: 'positional', ...(type ? { type } : {}) });
    }
  }
  return {
    name,
    kind: 'class',
    async: false,
    generator: false,
    isConstructor: true,
    params: shape?.params ?? [],
    typeParams: [],
    returnsValue: false,
    throws: shape?.throws ?? [],
    errors: false,
    panics: false,
    attributes,
    stub: false,
  };
}
