/**
 * Builds a whole doc comment for a function's shape in a chosen format: the summary, then the
 * sections its convention expects (parameters with types and defaults, returns or yields,
 * raises, class attributes; Rust's `# Errors` / `# Panics`). Text the user is to write is a
 * placeholder: the summary (pre-filled with the model's sentence when there is one) and every
 * description (pre-filled from `DocDescriptions` when a description model provides them).
 *
 * All text taken from the code or the model passes through `escapeCommentText`, the one place
 * that keeps inserted text from ending the comment early. Every summary and description passes the
 * text gate (`textGate.ts`: broken model output becomes the placeholder) and is punctuated once
 * (`punctuation.ts`); a description borrowed from another function of the workspace says where it
 * came from unless the request turns that off.
 */
import { blockCommentText, docstringText, lineCommentText } from './escape';
import type { CorpusLanguage } from '../parsing/languages';
import type { DocFormat, DocSections } from './formats';
import type { FunctionShape, ParamInfo } from './shape';
import type { ParamDescription } from '../retrieval/paramDescriptions';
import { finishSentence, paramText, type DefaultStyle } from './punctuation';
import { renderTemplate, type Placeholder, type Segment, type TemplateLine } from './template';
import { gateText, paramDescriptionProblem } from './textGate';
import { jsTypeOfDefault, jsTypeOfName } from './types';

/**
 * Descriptions written by a model or borrowed from the workspace; any that is missing, or that the
 * text gate rejects, stays a placeholder. A plain string is held to the gate's rules for human text.
 */
export interface DocDescriptions {
  readonly summary?: string;
  readonly params?: Readonly<Record<string, string | ParamDescription>>;
  readonly returns?: string;
  /** The function's code the descriptions were written for: the text gate reads its identifiers. */
  readonly code?: string;
}

export interface DocRequest {
  readonly lang: CorpusLanguage;
  readonly format: DocFormat;
  readonly sections: DocSections;
  readonly descriptions?: DocDescriptions;
  /**
   * A description borrowed from another function of the workspace ends with where it came from,
   * " (from `fn` in path)" (`seq2seq.docComment.markBorrowed`); default true.
   */
  readonly markBorrowed?: boolean;
}

export const DESCRIPTION = '_description_';
export const SUMMARY = '_summary_';

/** Escapes text placed inside a comment of this format so that it cannot close the comment. */
export function escapeCommentText(format: DocFormat, text: string): string {
  switch (format) {
    case 'google':
    case 'numpy':
    case 'sphinx':
    case 'epytext':
    case 'pep257':
      // Escaped backslashes rather than a raw docstring: the builder writes the quotes itself.
      return docstringText(text).replace(/\\/g, '\\\\');
    case 'xmldoc':
      return lineCommentText(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    case 'godoc':
    case 'rustdoc':
    case 'yard':
      return lineCommentText(text);
    case 'javadoc':
      return blockCommentText(text, 'java');
    default:
      return blockCommentText(text);
  }
}

/** The trailing marker of a description borrowed from `from`: " (from `load` in utils/io.py)". */
export function borrowedMarker(from: { readonly name: string; readonly path: string }): string {
  return ` (from \`${from.name}\` in ${from.path})`;
}

/**
 * A parameter's description as placeholder and literal tail (its default in the format's `style`),
 * gated and punctuated; the empty placeholder when there is none or the gate rejects it.
 */
function paramSegments(req: DocRequest, p: ParamInfo, style: DefaultStyle): [Placeholder, string] {
  const d = req.descriptions;
  const given = d?.params?.[p.name];
  const entry: ParamDescription | undefined = typeof given === 'string' ? { text: given, source: 'project' } : given;
  const text = entry && paramDescriptionProblem(entry, p.name, d?.code) === undefined ? entry.text : undefined;
  const marker =
    text !== undefined && entry?.source === 'project' && entry.from && req.markBorrowed !== false
      ? borrowedMarker(entry.from)
      : undefined;
  const t = paramText(text, {
    ...(p.default !== undefined ? { default: p.default } : {}),
    style,
    ...(marker ? { marker } : {}),
  });
  return [ph(t.text), t.tail];
}

/** A return description: gated and punctuated like the others. */
function returnsText(req: DocRequest): string | undefined {
  const d = req.descriptions;
  const text = gateText(d?.returns, d?.code !== undefined ? { code: d.code } : {});
  return text !== undefined ? finishSentence(text) : undefined;
}

class Lines {
  readonly lines: Segment[][] = [];
  constructor(private readonly format: DocFormat) {}
  /** Appends a line of parts; strings are escaped, placeholders are escaped inside. */
  add(...parts: (Segment | undefined)[]): void {
    this.lines.push(
      parts
        .filter((p): p is Segment => p !== undefined && p !== '')
        .map((p) =>
          typeof p === 'string'
            ? escapeCommentText(this.format, p)
            : { placeholder: escapeCommentText(this.format, p.placeholder) },
        ),
    );
  }
  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1]!.length > 0) this.lines.push([]);
  }
}

const ph = (text: string | undefined, fallback = DESCRIPTION): Placeholder => ({
  placeholder: text?.trim() || fallback,
});

/** How a parameter is named in the format: Python's `*args`, PHP's `$x`, JSDoc's `[x=1]`. */
function pyName(p: ParamInfo): string {
  return p.kind === 'rest' ? `*${p.name}` : p.kind === 'kwargs' ? `**${p.name}` : p.name;
}

function jsType(p: ParamInfo): string {
  const t =
    p.type ??
    (p.default !== undefined ? jsTypeOfDefault(p.default) : undefined) ??
    (p.kind === 'destructured' ? 'Object' : jsTypeOfName(p.name)) ??
    '*';
  return p.kind === 'rest' ? `...${t.replace(/\[\]$/, '')}` : t;
}

function rubyType(p: ParamInfo): string {
  if (p.kind === 'rest') return 'Array';
  if (p.kind === 'kwargs') return 'Hash';
  if (p.kind === 'block') return 'Proc';
  const d = p.default?.trim();
  if (d === undefined) return 'Object';
  if (/^-?\d+$/.test(d)) return 'Integer';
  if (/^-?\d*\.\d+$/.test(d)) return 'Float';
  if (/^['"]/.test(d)) return 'String';
  if (/^:/.test(d)) return 'Symbol';
  if (d === 'true' || d === 'false') return 'Boolean';
  if (d === 'nil') return 'nil';
  if (d.startsWith('[')) return 'Array';
  if (d.startsWith('{')) return 'Hash';
  return 'Object';
}

function pythonSections(shape: FunctionShape, req: DocRequest, out: Lines): void {
  const f = req.format;
  const params = shape.params;
  const retType = shape.returnType;
  const returns = shape.returnsValue && !shape.generator;
  if (f === 'google') {
    const section = (title: string, body: () => void): void => {
      out.blank();
      out.add(`${title}:`);
      body();
    };
    const typed = (p: ParamInfo): string => {
      const parts = [p.type, p.optional ? 'optional' : undefined].filter(Boolean);
      return parts.length ? ` (${parts.join(', ')})` : '';
    };
    if (params.length)
      section('Args', () => {
        for (const p of params) out.add(`    ${pyName(p)}${typed(p)}: `, ...paramSegments(req, p, 'sentence'));
      });
    if (shape.kind === 'class' && shape.attributes.length)
      section('Attributes', () => {
        for (const a of shape.attributes) out.add(`    ${a.name}${typed(a)}: `, ph(undefined));
      });
    if (returns) section('Returns', () => out.add('    ', retType ? `${retType}: ` : '', ph(returnsText(req))));
    if (shape.generator) section('Yields', () => out.add('    ', retType ? `${retType}: ` : '', ph(returnsText(req))));
    if (shape.throws.length) section('Raises', () => shape.throws.forEach((t) => out.add(`    ${t}: `, ph(undefined))));
  } else if (f === 'numpy') {
    const section = (title: string, body: () => void): void => {
      out.blank();
      out.add(title);
      out.add('-'.repeat(title.length));
      body();
    };
    const typed = (p: ParamInfo): string => {
      const parts = [p.type, p.optional ? 'optional' : undefined].filter(Boolean);
      return parts.length ? ` : ${parts.join(', ')}` : '';
    };
    if (params.length)
      section('Parameters', () => {
        for (const p of params) {
          out.add(`${pyName(p)}${typed(p)}`);
          out.add('    ', ...paramSegments(req, p, 'byDefault'));
        }
      });
    if (shape.kind === 'class' && shape.attributes.length)
      section('Attributes', () => {
        for (const a of shape.attributes) {
          out.add(`${a.name}${typed(a)}`);
          out.add('    ', ph(undefined));
        }
      });
    const typeLine = (): void => {
      out.add(retType ?? '_type_');
      out.add('    ', ph(returnsText(req)));
    };
    if (returns) section('Returns', typeLine);
    if (shape.generator) section('Yields', typeLine);
    if (shape.throws.length)
      section('Raises', () => {
        for (const t of shape.throws) {
          out.add(t);
          out.add('    ', ph(undefined));
        }
      });
  } else if (f === 'sphinx' || f === 'epytext') {
    const tag = (name: string): string => (f === 'sphinx' ? `:${name}` : `@${name}`);
    out.blank();
    for (const p of params) {
      out.add(`${tag('param')} ${p.name}: `, ...paramSegments(req, p, 'defaultsTo'));
      if (p.type) out.add(`${tag('type')} ${p.name}: ${p.type}${p.optional ? ', optional' : ''}`);
    }
    if (shape.kind === 'class')
      for (const a of shape.attributes) {
        out.add(`${tag('ivar')} ${a.name}: `, ph(undefined));
        if (a.type) out.add(`${tag(f === 'sphinx' ? 'vartype' : 'type')} ${a.name}: ${a.type}`);
      }
    for (const t of shape.throws) out.add(`${tag(f === 'sphinx' ? 'raises' : 'raise')} ${t}: `, ph(undefined));
    if (returns || shape.generator) {
      out.add(`${tag(shape.generator ? 'yield' : 'return')}: `, ph(returnsText(req)));
      if (retType) out.add(`${tag(shape.generator ? 'ytype' : 'rtype')}: ${retType}`);
    }
  }
}

function tagSections(shape: FunctionShape, req: DocRequest, out: Lines): void {
  const f = req.format;
  const desc = (p: ParamInfo): Segment => paramSegments(req, p, 'none')[0];
  const tags: (() => void)[] = [];
  if (f === 'jsdoc' && shape.async) tags.push(() => out.add('@async'));
  if (f === 'jsdoc' && shape.generator) tags.push(() => out.add('@generator'));
  for (const t of shape.typeParams) {
    if (f === 'jsdoc') tags.push(() => out.add(`@template ${t}`));
    else if (f === 'tsdoc') tags.push(() => out.add(`@typeParam ${t} - `, ph(undefined)));
    else if (f === 'javadoc') tags.push(() => out.add(`@param <${t}> `, ph(undefined)));
    else if (f === 'doxygen') tags.push(() => out.add(`@tparam ${t} `, ph(undefined)));
  }
  for (const p of shape.params) {
    tags.push(() => {
      switch (f) {
        case 'jsdoc': {
          const name = p.default !== undefined ? `[${p.name}=${p.default}]` : p.optional ? `[${p.name}]` : p.name;
          return out.add(`@param {${jsType(p)}} ${name} - `, desc(p));
        }
        case 'tsdoc':
          return out.add(`@param ${p.name} - `, desc(p));
        case 'phpdoc':
          return out.add(`@param ${p.type ?? 'mixed'} ${p.kind === 'rest' ? '...' : ''}$${p.name} `, desc(p));
        case 'yard':
          return out.add(`@param ${p.name} [${rubyType(p)}] `, desc(p));
        default:
          return out.add(`@param ${p.name} `, desc(p));
      }
    });
  }
  if (shape.returnsValue && !(f === 'jsdoc' && shape.generator)) {
    tags.push(() => {
      switch (f) {
        case 'jsdoc':
          return out.add(`@returns {${shape.returnType ?? (shape.async ? 'Promise<*>' : '*')}} `, ph(returnsText(req)));
        case 'tsdoc':
          return out.add('@returns ', ph(returnsText(req)));
        case 'phpdoc':
          return out.add(`@return ${shape.returnType ?? 'mixed'} `, ph(returnsText(req)));
        case 'yard':
          return out.add('@return [Object] ', ph(returnsText(req)));
        default:
          return out.add('@return ', ph(returnsText(req)));
      }
    });
  }
  if (f === 'jsdoc' && shape.generator) tags.push(() => out.add('@yields {*} ', ph(returnsText(req))));
  for (const t of shape.throws) {
    tags.push(() => {
      switch (f) {
        case 'jsdoc':
          return out.add(`@throws {${t}} `, ph(undefined));
        case 'tsdoc':
          return out.add(`@throws {@link ${t}} `, ph(undefined));
        case 'yard':
          return out.add(`@raise [${t}] `, ph(undefined));
        default:
          return out.add(`@throws ${t} `, ph(undefined));
      }
    });
  }
  if (tags.length) out.blank();
  for (const t of tags) t();
}

function xmlSections(shape: FunctionShape, req: DocRequest, out: Lines): void {
  const x = (s: string): string => escapeCommentText('xmldoc', s);
  // The tags are markup: only the text inside them is escaped.
  const tag = (open: string, close: string, text: Placeholder): void => {
    out.lines.push([open, { placeholder: x(text.placeholder) }, close]);
  };
  for (const t of shape.typeParams) tag(`<typeparam name="${x(t)}">`, '</typeparam>', ph(undefined));
  for (const p of shape.params) tag(`<param name="${x(p.name)}">`, '</param>', paramSegments(req, p, 'none')[0]);
  if (shape.returnsValue) tag('<returns>', '</returns>', ph(returnsText(req)));
  for (const t of shape.throws) tag(`<exception cref="${x(t)}">`, '</exception>', ph(undefined));
}

function rustSections(shape: FunctionShape, out: Lines): void {
  if (shape.errors) {
    out.blank();
    out.add('# Errors');
    out.blank();
    out.add('Returns an error if ', ph(undefined));
  }
  if (shape.panics) {
    out.blank();
    out.add('# Panics');
    out.blank();
    out.add('Panics if ', ph(undefined));
  }
}

/** The summary's sentence: Go's starts with the function's name. */
function summaryText(shape: FunctionShape, req: DocRequest): string {
  const d = req.descriptions;
  // A model's summary was judged whole (confidence included) by `acceptedSummary`; here only as words.
  const s = finishSentence(
    gateText(d?.summary, { ...(d?.code !== undefined ? { code: d.code } : {}), source: 'reused' }) ?? '',
  );
  if (req.format !== 'godoc' || !s || s === shape.name || s.startsWith(`${shape.name} `)) return s;
  return `${shape.name} ${s[0]!.toLowerCase()}${s.slice(1)}`;
}

/** The doc comment's content lines (no delimiters), the summary first. */
export function docBody(shape: FunctionShape, req: DocRequest): Segment[][] {
  const out = new Lines(req.format);
  const summary = summaryText(shape, req);
  if (req.format === 'doxygen') out.add('@brief ', ph(summary, SUMMARY));
  else out.add(ph(summary, SUMMARY));
  if (req.sections === 'full' && req.format !== 'pep257' && req.format !== 'godoc') {
    if (req.lang === 'python') pythonSections(shape, req, out);
    else if (req.format === 'xmldoc') xmlSections(shape, req, out);
    else if (req.format === 'rustdoc') rustSections(shape, out);
    else tagSections(shape, req, out);
  }
  return out.lines;
}

/** Wraps the content in the format's comment syntax (Python: the docstring's quotes). */
export function docTemplate(shape: FunctionShape, req: DocRequest): TemplateLine[] {
  const body = docBody(shape, req);
  switch (req.format) {
    case 'google':
    case 'numpy':
    case 'sphinx':
    case 'epytext':
    case 'pep257':
      if (body.length === 1) return [['"""', ...body[0]!, '"""']];
      return [['"""', ...body[0]!], ...body.slice(1), ['"""']];
    case 'xmldoc': {
      const [summary, ...rest] = body;
      return [['/// <summary>'], ['/// ', ...summary!], ['/// </summary>'], ...rest.map((l) => ['/// ', ...l])];
    }
    case 'rustdoc':
      return body.map((l) => (l.length ? ['/// ', ...l] : ['///']));
    case 'godoc':
      return body.map((l) => ['// ', ...l]);
    case 'yard':
      return body.map((l) => (l.length ? ['# ', ...l] : ['#']));
    default:
      return [['/**'], ...body.map((l) => (l.length ? [' * ', ...l] : [' *'])), [' */']];
  }
}

/** The doc comment as text or snippet, each line indented, lines joined with `eol`. */
export function renderDoc(
  shape: FunctionShape,
  req: DocRequest,
  options: { indent: string; eol: string; snippet: boolean },
): string {
  return renderTemplate(docTemplate(shape, req), options);
}
