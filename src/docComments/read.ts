/**
 * Turns a raw doc comment into text: strips the comment syntax of each convention (docstring
 * quotes, `/** *\/`, `///`, `//`, `#`), cleans inline markup while keeping its text (`{@link X}`,
 * `<see cref="X"/>`, `<c>x</c>`, Markdown links), and parses the structured parts (parameters,
 * return value, exceptions) of JSDoc/Javadoc/PHPDoc/Doxygen/YARD tags, C# XML docs, Python
 * reST/Google/NumPy sections and Rust `# Arguments` sections. The summary is the first sentence
 * of the first paragraph.
 */

export interface DocParam {
  readonly name: string;
  readonly type?: string;
  readonly description: string;
}

export interface StructuredDoc {
  /** The free text before any tag or section, inline markup cleaned. */
  readonly description: string;
  readonly params: readonly DocParam[];
  readonly returns?: string;
  readonly throws: readonly string[];
}

function dedent(lines: string[]): string[] {
  let indent = Infinity;
  for (const l of lines) {
    if (l.trim() === '') continue;
    indent = Math.min(indent, l.length - l.trimStart().length);
  }
  if (!Number.isFinite(indent)) return lines.map(() => '');
  return lines.map((l) => l.slice(indent).trimEnd());
}

function trimBlankEdges(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}

/** The text inside a doc comment or docstring, without delimiters, dedented. */
export function stripDocDelimiters(raw: string): string {
  let text = raw.replace(/\r\n?/g, '\n').trim();
  let lines: string[];
  const docstring = /^[rRuUbBfF]{0,2}("""|'''|"|')([\s\S]*)\1$/.exec(text);
  if (docstring) {
    const inner = docstring[2]!.split('\n');
    // The first line of a docstring has no indentation of its own (PEP 257 trim).
    const first = inner[0]!.trim();
    lines = [first, ...dedent(inner.slice(1))];
  } else if (text.startsWith('/*')) {
    text = text.replace(/^\/\*[*!]?/, '').replace(/\*\/$/, '');
    lines = dedent(text.split('\n').map((l) => l.replace(/^\s*\*(?!\/)/, '')));
  } else {
    lines = dedent(text.split('\n').map((l) => l.trim().replace(/^(\/\/[/!]?|#)/, '')));
  }
  return trimBlankEdges(lines).join('\n');
}

/** Inline markup to plain text, keeping the words: `{@link Foo#bar label}` -> `label`. */
export function cleanInline(text: string): string {
  return text
    .replace(/\{@(?:link|linkplain|linkcode)\s+([^}\s]+)\s+([^}]+)\}/g, '$2')
    .replace(/\{@(?:link|linkplain|linkcode|code|literal|value|inheritDoc)\s*([^}]*)\}/g, (_m, t: string) =>
      t.trim().replace(/#/g, '.').replace(/^\./, ''),
    )
    .replace(/<(?:see|seealso)\s+(?:cref|href|langword)="(?:[A-Z]:)?([^"]*)"\s*\/>/g, '$1')
    .replace(/<(?:paramref|typeparamref)\s+name="([^"]*)"\s*\/>/g, '$1')
    .replace(/<\/?(?:c|code|b|i|em|strong|para|p|tt|see|summary|remarks|value)(?:\s[^>]*)?>/g, '')
    .replace(/<br\s*\/?>/g, ' ')
    .replace(/\[`([^`\]]+)`\](?:\([^)]*\))?/g, '`$1`')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/:(?:func|meth|class|attr|mod|obj|data|exc|py:\w+):`~?([^`]+)`/g, '$1')
    .replace(/``([^`]+)``/g, '`$1`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

interface Sectioned {
  description: string[];
  params: DocParam[];
  returns?: string;
  throws: string[];
}

function parseXml(text: string): Sectioned {
  const out: Sectioned = { description: [], params: [], throws: [] };
  const summary = /<summary>([\s\S]*?)<\/summary>/.exec(text);
  out.description = (summary ? summary[1]! : text.replace(/<(param|returns|exception|typeparam)\b[\s\S]*?<\/\1>/g, ''))
    .split('\n')
    .map((l) => l.trim());
  for (const m of text.matchAll(/<param\s+name="([^"]*)"\s*>([\s\S]*?)<\/param>/g)) {
    out.params.push({ name: m[1]!, description: collapse(cleanInline(m[2]!)) });
  }
  const ret = /<returns>([\s\S]*?)<\/returns>/.exec(text);
  if (ret) out.returns = collapse(cleanInline(ret[1]!));
  for (const m of text.matchAll(/<exception\s+cref="([^"]*)"\s*>([\s\S]*?)<\/exception>/g)) {
    out.throws.push(collapse(`${m[1]} ${cleanInline(m[2]!)}`));
  }
  return out;
}

/** `{type}` with nested braces at the start of a JSDoc tag body, and the rest. */
function leadingBraced(body: string): [string, string] | undefined {
  if (!body.startsWith('{')) return undefined;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}' && --depth === 0) return [body.slice(1, i), body.slice(i + 1).trimStart()];
  }
  return undefined;
}

function stripLeadingType(body: string): string {
  const braced = leadingBraced(body);
  if (braced) return braced[1];
  const php = /^([\w\\|[\]<>]+)\s+(?=[a-z])/.exec(body);
  return php && /[A-Z\\|[\]]|^(string|int|float|bool|array|mixed|void|null|object|callable|iterable)\b/.test(php[1]!)
    ? body.slice(php[0].length)
    : body;
}

/** `@param {T} name desc`, `@param [name=x] desc`, PHP `@param T $name desc`, YARD `@param name [T] desc`. */
function splitTagParam(body: string): { name: string; type?: string; text: string } | undefined {
  let type: string | undefined;
  let rest = body;
  const braced = leadingBraced(rest);
  if (braced) [type, rest] = braced;
  const php = /^([^\s$]+)\s+\$(\w+)\s*(.*)$/.exec(rest);
  if (php && !type) return { name: php[2]!, type: php[1]!, text: php[3]! };
  const m = /^(\[[^\]]*\]|\$?[\w.]+)\s*(?:\[([^\]]*)\]\s*)?-?\s*([\s\S]*)$/.exec(rest);
  if (!m) return undefined;
  const name = m[1]!
    .replace(/^\[|\]$/g, '')
    .replace(/=.*$/, '')
    .replace(/^\$/, '');
  type = type ?? m[2];
  return { name, ...(type ? { type } : {}), text: m[3]! };
}

const TAG = /^[@\\](\w+)\s*(.*)$/;
const REST =
  /^:(param|parameter|arg|argument|key|keyword|type|returns?|rtype|raises?|except|exception)\b\s*([^:]*):\s*(.*)$/;
const SECTION =
  /^(Args|Arguments|Parameters|Params|Keyword Args|Returns?|Yields?|Raises|Throws|Examples?|Notes?|See Also|Attributes|Panics|Errors|Safety)\s*:?\s*$/;
const MD_SECTION = /^#+\s+(Arguments|Parameters|Returns|Examples?|Errors|Panics|Safety)\s*$/;

/** Parses tags and sections of any supported convention (they do not collide in practice). */
function parseTagged(text: string): Sectioned {
  const out: Sectioned = { description: [], params: [], throws: [] };
  type Mode = 'description' | 'param' | 'returns' | 'throws' | 'other';
  let mode: Mode = 'description';
  let current: { name: string; type?: string; text: string[] } | undefined;
  let returns: string[] = [];
  let paramIndent = -1;
  const flush = (): void => {
    if (current)
      out.params.push({
        name: current.name,
        ...(current.type ? { type: current.type } : {}),
        description: collapse(cleanInline(current.text.join(' '))),
      });
    current = undefined;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const next = lines[i + 1]?.trim() ?? '';
    const tag = TAG.exec(line);
    const rest = REST.exec(line);
    const section = SECTION.exec(line) ?? MD_SECTION.exec(line);
    if (tag && !/^(brief|short|summary|details)$/.test(tag[1]!)) {
      flush();
      const [, name, body] = tag as unknown as [string, string, string];
      if (/^(param|arg|argument|tparam|property|prop)$/.test(name!)) {
        const m = splitTagParam(body);
        if (m) {
          current = { name: m.name, ...(m.type ? { type: m.type } : {}), text: [m.text] };
          mode = 'param';
        } else mode = 'other';
      } else if (/^returns?$/.test(name)) {
        mode = 'returns';
        returns = [stripLeadingType(body)];
      } else if (/^(throws|exception|raises)$/.test(name)) {
        mode = 'throws';
        out.throws.push(body);
      } else mode = 'other';
    } else if (tag) {
      // @brief / \brief: its text is the description.
      out.description.push(tag[2]!);
      mode = 'description';
    } else if (rest) {
      flush();
      const [, kind, name, body] = rest as unknown as [string, string, string, string];
      if (/^(param|parameter|arg|argument|key|keyword)$/.test(kind)) {
        const parts = name.trim().split(/\s+/);
        current = {
          name: parts[parts.length - 1]!,
          ...(parts.length > 1 ? { type: parts.slice(0, -1).join(' ') } : {}),
          text: [body],
        };
        mode = 'param';
      } else if (/^returns?$/.test(kind)) {
        mode = 'returns';
        returns = [body];
      } else if (/^(raises?|except|exception)$/.test(kind)) {
        mode = 'throws';
        out.throws.push(`${name.trim()} ${body}`.trim());
      } else mode = 'other';
    } else if (section && (SECTION.test(line) ? !next.startsWith('-') || /^-+$/.test(next) : true)) {
      flush();
      const s = section[1]!;
      mode = /^(Args|Arguments|Parameters|Params|Keyword Args)$/.test(s)
        ? 'param'
        : /^(Returns?|Yields?)$/.test(s)
          ? 'returns'
          : /^(Raises|Throws|Errors)$/.test(s)
            ? 'throws'
            : 'other';
      if (mode === 'returns') returns = [];
      paramIndent = -1;
      if (/^-+$/.test(next)) i++; // NumPy underline
    } else if (mode === 'param') {
      const indent = lines[i]!.length - lines[i]!.trimStart().length;
      const google = /^[*-]?\s*`?(\**[\w$]+)`?\s*(?:\(([^)]*)\))?\s*(?::|\s-)\s*(.*)$/.exec(line);
      const numpy = /^([\w$]+)\s+:\s+(.+)$/.exec(line);
      if (line === '') flush();
      else if (numpy) {
        flush();
        current = { name: numpy[1]!, type: numpy[2]!, text: [] };
        paramIndent = indent;
      } else if (google && (paramIndent < 0 || indent <= paramIndent || !current)) {
        flush();
        current = { name: google[1]!, ...(google[2] ? { type: google[2] } : {}), text: [google[3]!] };
        paramIndent = indent;
      } else if (current) current.text.push(line);
    } else if (mode === 'returns') {
      if (line === '' && returns.join('').trim() !== '') mode = 'other';
      else returns.push(line);
    } else if (mode === 'throws') {
      if (line !== '' && out.throws.length > 0 && /^\s/.test(lines[i]!))
        out.throws[out.throws.length - 1] += ` ${line}`;
      else if (line !== '') out.throws.push(line);
    } else if (mode === 'description') out.description.push(lines[i]!);
    else if (mode === 'other' && current) current.text.push(line);
  }
  flush();
  const r = collapse(cleanInline(returns.join(' ')));
  if (r) out.returns = r;
  return out;
}

/** Parses a stripped doc text (see {@link stripDocDelimiters}) into its structured parts. */
export function parseDoc(text: string): StructuredDoc {
  const parsed = /<(summary|param|returns)\b/.test(text) ? parseXml(text) : parseTagged(text);
  const description = trimBlankEdges(parsed.description.map((l) => cleanInline(l).trimEnd())).join('\n');
  return {
    description,
    params: parsed.params,
    ...(parsed.returns ? { returns: parsed.returns } : {}),
    throws: parsed.throws.map((t) => collapse(cleanInline(t))).filter(Boolean),
  };
}

/** The first sentence of the first paragraph, on one line. */
export function summarize(description: string): string {
  const paragraph = collapse(description.split(/\n\s*\n/)[0] ?? '');
  const m = /^(.*?[.!?])(?=\s+[A-Z(`"'[]|\s*$)/.exec(paragraph);
  const sentence = m ? m[1]! : paragraph;
  // "e.g." and "i.e." do not end a sentence.
  if (/\b(e\.g|i\.e|etc|vs)\.$/i.test(sentence) && sentence.length < paragraph.length) return paragraph;
  return sentence;
}
