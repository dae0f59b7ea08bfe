/**
 * Punctuation of the text a doc comment is made of, normalised once for every format: a sentence
 * ends with one period (never ".."), a NumPy or Sphinx default follows a description without its
 * period (never ".,"), and a parameter's default is stated once and is the function's own, even
 * when a description borrowed from another function already states one ("Defaults to 2.").
 * The builder passes every summary and description through here; nothing else adds periods.
 */

/** How a format states a parameter's default after its description. */
export type DefaultStyle =
  /** Google: "Desc. Defaults to 2." */
  | 'sentence'
  /** NumPy: "Desc, by default 2." */
  | 'byDefault'
  /** Sphinx, epytext: "Desc, defaults to 2." */
  | 'defaultsTo'
  /** The format shows the default elsewhere (JSDoc's `[x=2]`) or not at all. */
  | 'none';

/** Runs of dots, spaces before punctuation, and ".," / ",." collapsed. */
function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\s+([.,;:!?])(?=\s|$)/g, '$1')
    .replace(/(?<!\.)\.\.(?!\.)/g, '.')
    .replace(/\.\s*\.(?=\s|$)/g, '.')
    .replace(/[.,]\s*,/g, ',')
    .replace(/,\s*\./g, '.');
}

/** The text without the punctuation that ends it ("Desc.." -> "Desc", "Desc," -> "Desc"; "?" and "!" stay). */
export function withoutFinalStop(text: string): string {
  return tidy(text).replace(/(?<!\b(?:e\.g|i\.e|etc))[\s.,;:]+$/, '');
}

/** Upper-cases the first letter unless the text starts with an identifier or a code span. */
function capitalised(text: string): string {
  const first = /^\S+/.exec(text)?.[0] ?? '';
  if (!/^[a-z]/.test(first) || /[_`$()[\]]|[a-z][A-Z]|\.\w/.test(first)) return text;
  return first[0]!.toUpperCase() + text.slice(1);
}

/** One sentence or more: collapsed, capitalised, ending with exactly one period (or "?", "!"). */
export function finishSentence(text: string): string {
  const s = withoutFinalStop(text);
  if (!s) return s;
  const end = /[.!?]$/.test(s) ? '' : '.';
  return capitalised(s) + end;
}

/** A default value as written, for comparing: quotes, backticks and a final period ignored. */
function defaultKey(value: string): string {
  return value
    .trim()
    .replace(/\.$/, '')
    .replace(/^[`'"]+|[`'"]+$/g, '')
    .replace(/^(none|null|nil|undefined)$/i, 'none')
    .replace(/^(true|false)$/i, (b) => b.toLowerCase());
}

/** Whether two written defaults are the same value (`"x"`, `'x'` and `` `x` `` are). */
export function sameDefault(a: string, b: string): boolean {
  return defaultKey(a) === defaultKey(b);
}

const STATED_DEFAULT =
  /(?:^|[.;:,(]\s*)(?:the\s+)?(?:defaults?\s+(?:to|is|value\s+is)|by\s+default(?:\s+is)?|default\s*[:=]|default\s+value\s*[:=])\s+((?:[^.]|\.(?=\S))+?)\s*\)?\s*\.?\s*$/i;

/** A default spoken of anywhere in a description ("By default, no parsing is done."). */
const MENTIONS_DEFAULT = /\b(by default|defaults? (?:to|is)|default value|default:)/i;

/** One written value (`2`, `"bar.complete"`, `None`), not a phrase ("the current directory"). */
const LITERAL = /^(`[^`]*`|"[^"]*"|'[^']*'|\S+)$/;

/**
 * The default a description states in its last sentence ("... Defaults to 2.", "..., by default 2",
 * "(default: 2)"), and the description without it; `literal` when it is one written value rather
 * than a phrase. Undefined when it states none there.
 */
export function statedDefault(text: string): { value: string; rest: string; literal: boolean } | undefined {
  const t = tidy(text);
  const m = STATED_DEFAULT.exec(t);
  if (!m) return undefined;
  const value = m[1]!.trim();
  return { value, rest: t.slice(0, m.index), literal: LITERAL.test(value) };
}

/** The sentence that states a default in this style ('none': nothing). */
function defaultClause(style: DefaultStyle, value: string): string {
  switch (style) {
    case 'sentence':
      return ` Defaults to ${value}.`;
    case 'byDefault':
      return `, by default ${value}.`;
    case 'defaultsTo':
      return `, defaults to ${value}.`;
    case 'none':
      return '';
  }
}

/** A described parameter as a doc comment writes it: what the user may edit, and what follows. */
export interface ParamText {
  /** The description (the placeholder's text); undefined: the format's empty placeholder. */
  readonly text?: string;
  /** Literal text after it: the default, and the final period where the text has none. */
  readonly tail: string;
}

/** The tail after an empty placeholder, as the formats have always written it. */
function placeholderTail(style: DefaultStyle, value: string | undefined): string {
  if (value === undefined) return '';
  switch (style) {
    case 'sentence':
      return `. Defaults to ${value}.`;
    case 'byDefault':
      return `, by default ${value}`;
    case 'defaultsTo':
      return `, defaults to ${value}`;
    case 'none':
      return '';
  }
}

/**
 * A parameter's description and default, punctuated once: the description's own statement of a
 * default is dropped (the function's default, if it has one, is stated after it in the format's
 * style), `marker` (e.g. " (from `f` in a.py)") goes before the description's final period, and
 * the line ends with one period.
 */
export function paramText(
  description: string | undefined,
  options: { readonly default?: string; readonly style: DefaultStyle; readonly marker?: string },
): ParamText {
  const value = options.default;
  const tidied = description === undefined ? '' : withoutFinalStop(description);
  if (!tidied) return { tail: placeholderTail(options.style, value) };
  // The function's default, when it has one, replaces a written value the description states (it
  // may be another function's); a default said in words ("Defaults to the current directory.") says
  // more than the value and stays, and then the format states none. Without a default of its own
  // the function cannot contradict the description, which stays as it is.
  const stated = value !== undefined ? statedDefault(tidied) : undefined;
  const prose =
    (stated !== undefined && !stated.literal) || (value !== undefined && !stated && MENTIONS_DEFAULT.test(tidied));
  const keepStated = prose || (stated && options.style === 'none' && sameDefault(stated.value, value!));
  const core = stated && !keepStated ? withoutFinalStop(stated.rest) : tidied;
  if (!core) return { tail: placeholderTail(options.style, value) };
  const marked = `${core}${options.marker ?? ''}`;
  if (value === undefined || options.style === 'none' || prose) return { text: finishSentence(marked), tail: '' };
  if (options.style === 'sentence') return { text: finishSentence(marked), tail: defaultClause('sentence', value) };
  return { text: capitalised(marked), tail: defaultClause(options.style, value) };
}
