/**
 * The text gate: a sentence a model wrote (a summary, a parameter description) goes into a doc
 * comment only when it reads as words; otherwise the comment keeps the placeholder the user fills.
 * A decoder that copies pieces of identifiers fails in recognisable ways, and each rule here names
 * one of them, taken from real output of the bundled models on real projects:
 *  - a word or sub-word said twice: "The width width.", "The level of the level.",
 *    "The dunder dund.", "Theee.", "The highlightlight.", "The back_style_style", and in a model's
 *    code span a name the code does not have: "`try_join_join`", "`DeepTagDeepTag`";
 *  - a cut word, a piece of one of the code's identifiers glued to another word or left alone:
 *    "The animation of theimation.", "The allspect.", "The name of the spect.";
 *  - (model text only) an identifier the code does not have ("The force_writ_stream"), a sentence
 *    that only restates the parameter's name ("The text_reader", "whether to black_point"), one
 *    that shares nothing with the name ("The name of the resource." for `indent`) or names what
 *    the function never does ("The url of the resource."), and low confidence;
 *  - (a model's parameter description) not a complete phrase: it stops on a word that needs one
 *    after it or on a dash ("The x2 of the d2 -"), leaves a bracket or quote open, ends on "to"
 *    and an inflected word ("The object to truncated.", "The class to supports."), or says a
 *    two-word phrase twice ("Whether to skip the result to skip"). Measured by `bench:params`.
 * A person's text (a description borrowed from the project, a reused summary) is held only to
 * plain repeats (a word twice in a row, an identifier's piece twice): people name things no word
 * list knows. `bench:doctext` counts what the rules reject of the test projects' own doc comments.
 * Refusing such words while decoding instead (a veto in the beam, tried on 244 validation functions
 * of model v3) removed two thirds of the stutters, but turned 7 placeholders into fluent wrong
 * sentences and no comment into a right one: the stutter is the model's own sign that it does not
 * know, so it stays a placeholder here.
 * Every path that inserts generated text goes through here: the builder gates each description it
 * is given, and `acceptedSummary` judges the model's summary (confidence included) where it is
 * decoded.
 */
import { meanTokenProbability } from '../core/lengthScore';
import { splitIdentifier } from '../retrieval/retrieval';
import { isDocWord } from './docWords';

export type TextProblem =
  | 'empty'
  | 'repeatedWord'
  | 'repeatedSubword'
  | 'cutWord'
  | 'madeUpIdentifier'
  | 'restatesName'
  | 'brokenPhrase'
  | 'repeatedPhrase'
  | 'offTopic'
  | 'ungrounded'
  | 'lowConfidence';

/** Who wrote the text: a model, or a person (a description borrowed from the project, a reused summary). */
export type TextSource = 'model' | 'project' | 'reused';

export interface GateContext {
  /** The function's code: its identifiers and their pieces count as words. */
  readonly code?: string;
  /** For a parameter's description: the parameter's name. */
  readonly param?: string;
  /** Model text is held to more rules than a person's; unknown counts as the model's. */
  readonly source?: TextSource;
  /** Mean token probability of model text (0..1), when known, and the least it must be. */
  readonly confidence?: number;
  readonly minConfidence?: number;
}

/**
 * Below this mean token probability the default model's own summary is not inserted. On the bench
 * the model's confidence hardly separates broken sentences from good ones, so the text rules do
 * the work and this bar, the parameter model's (its `meta.minConfidence`), only drops the least
 * sure; `bench:doctext` prints how many it drops.
 */
export const SUMMARY_MIN_CONFIDENCE = 0.1;

const ARTICLES = new Set(['a', 'an', 'the']);
/** Words between two copies of a word in "The level of the level.", "The errors to errors.". */
const LINKS = new Set(['a', 'an', 'the', 'of', 'to', 'for']);
/** "end to end", "one to one": a word said twice on purpose. */
const ON_PURPOSE = new Set([
  'end',
  'one',
  'peer',
  'point',
  'side',
  'day',
  'back',
  'face',
  'case',
  'step',
  'time',
  'row',
  'line',
  'page',
  'word',
  'bit',
  'byte',
  'many',
]);
/** Words that say nothing about what a parameter is. */
const FILLER = new Set([
  ...ARTICLES,
  'of',
  'to',
  'for',
  'in',
  'on',
  'is',
  'be',
  'and',
  'or',
  'given',
  'this',
  'that',
  'it',
  'its',
  'if',
  'optional',
  'use',
  'used',
  'whether',
]);

/** What counts as a word for this code: its identifiers and their pieces, lower-cased. */
interface CodeWords {
  readonly identifiers: ReadonlySet<string>;
  readonly pieces: ReadonlySet<string>;
}

let lastCode: { code: string; words: CodeWords } | undefined;

function codeWords(code: string): CodeWords {
  if (lastCode?.code === code) return lastCode.words;
  const identifiers = new Set<string>();
  const pieces = new Set<string>();
  for (const id of code.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []) {
    identifiers.add(id.toLowerCase());
    for (const p of splitIdentifier(id)) pieces.add(p.toLowerCase());
  }
  const words = { identifiers, pieces };
  lastCode = { code, words };
  return words;
}

/** The word and the stems it may be an inflection of ("values" -> "value", "copied" -> "copy"). */
function stems(w: string): string[] {
  const out = [w];
  const strip = (suffix: string, add = ''): void => {
    if (w.length > suffix.length + 2 && w.endsWith(suffix)) out.push(w.slice(0, -suffix.length) + add);
  };
  strip('s');
  strip('es');
  strip('ies', 'y');
  strip('ied', 'y');
  strip('ed');
  strip('d');
  strip('ing');
  strip('ing', 'e');
  strip('er');
  strip('ers');
  strip('ly');
  strip('able');
  return out;
}

function known(w: string, code: CodeWords | undefined): boolean {
  return stems(w).some((s) => isDocWord(s) || (code !== undefined && (code.pieces.has(s) || code.identifiers.has(s))));
}

/**
 * The text's tokens, with code spans (`x`), quoted strings, links and reST targets (<Name>) left
 * out; a token after a comma, colon or other break starts a new run, so "A `x`, a `y`" does not
 * read as "a a".
 */
function runs(text: string): string[][] {
  const out: string[][] = [[]];
  const cleaned = text.replace(/`[^`]*`|"[^"]*"|'[^'\s][^']*'|\bhttps?:\/\/\S+|<[^<>]*>/g, ' , ');
  for (const raw of cleaned.split(/\s+/)) {
    if (/^[([{"'`]/.test(raw)) out.push([]);
    const t = raw.replace(/^[^\w$]+|[^\w$]+$/g, '').replace(/'s$/, '');
    if (t) out[out.length - 1]!.push(t);
    if (!t || /[,;:()[\]{}!?]|[^.]\.$|'s$/.test(raw)) out.push([]);
  }
  return out.filter((r) => r.length > 0);
}

const isIdentifierLike = (t: string): boolean =>
  /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(t) && (/[_.]/.test(t.replace(/^_+/, '')) || /[a-z][A-Z]/.test(t));

/** "Close closes", "init initializes": a name followed by its verb, as Go's summaries begin. */
const VERB_ENDING = /^(s|es|d|ed|ing|izes|ises|ializes|ialises|ifies)$/;

/**
 * Adjacent copies ("width width") or, for model text, a stutter ("dunder dund", "help helper"),
 * but not a name followed by its verb ("Close closes").
 */
function stutter(a: string, b: string, strict: boolean): boolean {
  if (a === b) return !/^\d+$/.test(a);
  if (!strict) return false;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (short.length < 4 || !long.startsWith(short)) return false;
  return !(short === a && VERB_ENDING.test(long.slice(short.length)));
}

/**
 * Whether a run of words says a word twice: adjacent ("width width", "dunder dund"), or across a
 * link: always with "of" ("The level of the level."), and with "to" or "for" where the second copy
 * ends the text or the text is short ("The errors to errors."); "Add a metric to the metric
 * family.", "strings to strings, indicating..." and "end to end" are meant.
 */
function repeatedWord(words: readonly string[], short: boolean, last: boolean, strict: boolean): boolean {
  for (let i = 0; i + 1 < words.length; i++) {
    if (stutter(words[i]!, words[i + 1]!, strict)) return true;
    if (!strict) continue;
    for (let k = 2; k <= 3 && i + k < words.length; k++) {
      if (!LINKS.has(words[i + k - 1]!)) break;
      const w = words[i]!;
      if (w !== words[i + k] || w.length < 3 || LINKS.has(w)) continue;
      if (k === 2 && words[i + 1] === 'to' && ON_PURPOSE.has(w)) continue;
      // "X of the X" is never meant; "X to the X ..." is when the sentence goes on.
      if (words[i + 1] === 'of' || short || (last && i + k === words.length - 1)) return true;
    }
  }
  return false;
}

/**
 * A sub-word said twice inside one token: "highlightlight", "Theee", "back_style_style",
 * "jar-jar". Dotted names repeat on purpose (`rich.console.Console`), and so do hyphenated words
 * that only start alike ("non-none").
 */
function repeatedSubword(token: string, code: CodeWords | undefined, strict: boolean): boolean {
  if (code?.identifiers.has(token.toLowerCase())) return false;
  const dashed = token.toLowerCase().split('-');
  for (let i = 0; i + 1 < dashed.length; i++) if (strict && dashed[i] && dashed[i] === dashed[i + 1]) return true;
  // Pieces of one identifier; dotted names, paths and units ("kg/kg") repeat on purpose.
  for (const part of token.split(/[^\w$]+/)) {
    const pieces = splitIdentifier(part)
      .map((p) => p.toLowerCase())
      .filter((p) => !/^\d+$/.test(p) && p.length > 1);
    for (let i = 0; i + 1 < pieces.length; i++) {
      const [a, b] = [pieces[i]!, pieces[i + 1]!];
      if (a === b || (strict && Math.min(a.length, b.length) >= 3 && (a.startsWith(b) || b.startsWith(a)))) return true;
    }
    if (!strict) continue;
    if (repeatedBlock(pieces)) return true;
    for (const p of pieces) {
      if (!/[a-z]/.test(p) || code?.pieces.has(p)) continue;
      if (/([a-z])\1\1/.test(p) && !/^(www|x+|z+)$/.test(p)) return true;
      if ((/([a-z]{3,})\1/.test(p) || /([a-z]{2})\1\1/.test(p)) && !known(p, code)) return true;
    }
  }
  return false;
}

/** Pieces that say a run of two or more of them twice in a row: "DeepTagDeepTag". */
function repeatedBlock(pieces: readonly string[]): boolean {
  for (let k = 2; 2 * k <= pieces.length; k++)
    for (let i = 0; i + 2 * k <= pieces.length; i++)
      if (pieces.slice(i, i + k).every((p, j) => p === pieces[i + k + j])) return true;
  return false;
}

/**
 * The names inside a model's code spans ("`try_join_join`", "`Easy2::new_new`"), which runs()
 * leaves out of the word rules; repeatedSubword passes over those the code has.
 */
function codeSpanNames(text: string): string[] {
  return (text.match(/`[^`]*`/g) ?? []).flatMap((s) => s.match(/[A-Za-z_$][\w$]*/g) ?? []);
}

/**
 * A word that is no word: not a known word or one of the code's, yet it shares a start or an end of
 * at least three letters with one of the code's identifier pieces ("theimation" / `animation`,
 * "dund" / `dunder`, "consolement" / `console`): a piece of an identifier, cut or glued.
 */
function cutWord(word: string, code: CodeWords): boolean {
  const w = word.toLowerCase();
  if (w.length < 3 || !/^[a-z]+$/.test(w) || known(w, code)) return false;
  for (const p of code.pieces) {
    if (p.length < 4 || p === w) continue;
    let pre = 0;
    while (pre < w.length && pre < p.length && w[pre] === p[pre]) pre++;
    let suf = 0;
    while (suf < w.length && suf < p.length && w[w.length - 1 - suf] === p[p.length - 1 - suf]) suf++;
    if (pre >= 3 || suf >= 3) return true;
  }
  return false;
}

/** The name's pieces, lower-cased ("force_readable" -> force, readable). */
const nameWords = (name: string): string[] => splitIdentifier(name).map((p) => p.toLowerCase());

/**
 * Words a parameter's description may use without the code using them: what kind of thing the
 * parameter is. Any other word of a model's description must come from the code or the name.
 */
const KINDS = new Set(
  (
    'value number integer int float string str text list array dict dictionary map mapping set tuple ' +
    'object instance class type function callable callback method boolean bool flag true false none null ' +
    'file path directory folder name key item items element index count size length width height amount ' +
    'option options argument arguments keyword positional data default id identifier format pattern ' +
    'new current first last maximum minimum max min whether when which where what how many number'
  ).split(' '),
);

/** Why a model's description of parameter `param` says nothing about it, if it does not. */
function paramProblem(words: readonly string[], param: string, code: CodeWords | undefined): TextProblem | undefined {
  const name = nameWords(param);
  const whole = param.toLowerCase().replace(/^[_*$]+/, '');
  const isName = (w: string): boolean => w === whole || name.includes(w) || stems(w).some((s) => name.includes(s));
  const content = words.filter((w) => !FILLER.has(w) && !isName(w));
  if (content.length === 0) return 'restatesName';
  // Shares no word (or the start of one) with the name: "The name of the resource." for `indent`.
  const about = (w: string): boolean =>
    isName(w) ||
    nameWords(w).some((x) =>
      name.some((n) => (n.length < 4 ? x === n : x.startsWith(n.slice(0, Math.max(3, n.length - 3))))),
    );
  if (!words.some(about)) return 'offTopic';
  // Names something the function never mentions: "The url of the resource."
  if (
    code &&
    content.some(
      (w) => !/^\d/.test(w) && !stems(w).some((s) => KINDS.has(s) || code.pieces.has(s) || code.identifiers.has(s)),
    )
  )
    return 'ungrounded';
  return undefined;
}

/**
 * Words a model's phrase cannot end on: articles, "of", conjunctions, possessives ("The x2 of
 * the"). Other prepositions can ("The file to write to.", "the module we are interested in"):
 * they end 4.2% of people's parameter descriptions on the validation projects, these words 7 of
 * 3,001 (5 a stranded "of": "The data to obtain the size of").
 */
const NEEDS_MORE = new Set([
  'a',
  'an',
  'the',
  'of',
  'and',
  'or',
  'but',
  'nor',
  'than',
  'whether',
  'its',
  'their',
  'your',
  'my',
  'our',
]);

/**
 * Whether a model's description is not a complete phrase: it stops on a dash, comma, colon or
 * other joining mark or on a word of NEEDS_MORE, leaves a bracket, backtick or double quote open,
 * or ends on "to" and a past participle or a word in -s ("The date to commits."), which the model
 * writes from a function's name and people hardly ever do (2 of 3,001 validation descriptions:
 * "mapped to colors", "attach to requests").
 */
function brokenPhrase(text: string): boolean {
  const end = text.trim().replace(/\.+$/, '').trimEnd();
  if (/[-–—,:;(/&+=[{<]$/.test(end)) return true;
  const last = /([\w$']+)[^\w$]*$/.exec(end)?.[1];
  if (last !== undefined && NEEDS_MORE.has(last.toLowerCase())) return true;
  if (/\bto\s+[a-z]+([^eb]ed|[^suia]s)$/i.test(end)) return true;
  const count = (ch: string): number => text.split(ch).length - 1;
  return (
    count('(') !== count(')') ||
    count('[') !== count(']') ||
    count('{') !== count('}') ||
    count('`') % 2 === 1 ||
    count('"') % 2 === 1
  );
}

/**
 * Whether a model's description says a two-word phrase twice, one of its words more than filler:
 * "If True, since the since the Get", "The path to the relative to the path." A person's longer
 * text does so on purpose ("the value of max_value ... the value"); a model's few words do not.
 */
function repeatedPhrase(parts: readonly string[][]): boolean {
  const seen = new Set<string>();
  for (const run of parts)
    for (let i = 0; i + 1 < run.length; i++) {
      const [a, b] = [run[i]!.toLowerCase(), run[i + 1]!.toLowerCase()];
      if (FILLER.has(a) && FILLER.has(b)) continue;
      const key = `${a} ${b}`;
      if (seen.has(key)) return true;
      seen.add(key);
    }
  return false;
}

/** Why `text` should not go into a doc comment, or undefined when it may. */
export function textProblem(text: string | undefined, context: GateContext = {}): TextProblem | undefined {
  if (!text?.trim()) return 'empty';
  const parts = runs(text);
  const toks = parts.flat();
  const code = context.code !== undefined ? codeWords(context.code) : undefined;
  const short = toks.length <= 6;
  // A person's text (a borrowed description, a reused summary) is held only to plain repeats:
  // it names things no word list knows ("murmur3", "kg/kg") and says "the key of the key registry".
  const strict = context.source !== 'project' && context.source !== 'reused';
  if (
    parts.some((r, i) =>
      repeatedWord(
        r.map((t) => t.toLowerCase()),
        short,
        i === parts.length - 1,
        strict,
      ),
    )
  )
    return 'repeatedWord';
  if (toks.some((t) => repeatedSubword(t, code, strict))) return 'repeatedSubword';
  if (!strict) return undefined;
  if (codeSpanNames(text).some((n) => repeatedSubword(n, code, strict))) return 'repeatedSubword';
  if (toks.length === 0) return 'empty';
  if (code && toks.some((t) => cutWord(t, code))) return 'cutWord';
  if (
    code &&
    toks.some((t) => isIdentifierLike(t) && !t.split('.').every((p) => code.identifiers.has(p.toLowerCase())))
  )
    return 'madeUpIdentifier';
  if (context.param !== undefined) {
    const problem = paramProblem(
      toks.map((t) => t.toLowerCase()),
      context.param,
      code,
    );
    if (problem) return problem;
    // The end and the brackets are read from the text as written: runs() drops a final "-".
    if (brokenPhrase(text)) return 'brokenPhrase';
    if (repeatedPhrase(parts)) return 'repeatedPhrase';
  }
  if (context.confidence !== undefined && context.confidence < (context.minConfidence ?? 0)) return 'lowConfidence';
  return undefined;
}

/** A parameter's description as the gate reads it: who wrote it and, for the model's, its confidence. */
export interface DescriptionToGate {
  readonly text: string;
  readonly source: TextSource;
  readonly confidence?: number;
}

/**
 * Why the description `d` of parameter `param` of `code` leaves the placeholder in its doc comment
 * (the model's held to `minConfidence`, when given), or undefined when it goes in. The builder,
 * `seq2seq document` and `bench:params` all decide by it.
 */
export function paramDescriptionProblem(
  d: DescriptionToGate,
  param: string,
  code?: string,
  minConfidence?: number,
): TextProblem | undefined {
  return textProblem(d.text, {
    ...(code !== undefined ? { code } : {}),
    param,
    source: d.source,
    ...(d.confidence !== undefined ? { confidence: d.confidence } : {}),
    ...(minConfidence !== undefined ? { minConfidence } : {}),
  });
}

/** The text when it passes the gate, else undefined (the caller keeps its placeholder). */
export function gateText(text: string | undefined, context: GateContext = {}): string | undefined {
  return text !== undefined && textProblem(text, context) === undefined ? text : undefined;
}

/** What a translation's best candidate needs for the summary gate. */
export interface SummaryCandidate {
  readonly text: string;
  readonly logProb: number;
  readonly tokens: readonly unknown[];
  /** Set when the text is a documented function's summary reused as it is (a person's words). */
  readonly reusedFrom?: unknown;
}

/**
 * The summary to insert from a translation's candidates (best first), or undefined for the
 * placeholder: the first non-empty one, when a reused summary reads as words, or when a generated
 * one reads as words and is at least SUMMARY_MIN_CONFIDENCE sure.
 */
export function acceptedSummary(candidates: readonly SummaryCandidate[], code: string): string | undefined {
  const best = candidates.find((c) => c.text.trim());
  if (!best) return undefined;
  const reused = best.reusedFrom !== undefined;
  const problem = textProblem(best.text, {
    code,
    source: reused ? 'reused' : 'model',
    ...(reused ? {} : { confidence: meanTokenProbability(best), minConfidence: SUMMARY_MIN_CONFIDENCE }),
  });
  return problem === undefined ? best.text.trim() : undefined;
}
