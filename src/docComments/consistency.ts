/**
 * Keeping doc comments true: what an existing doc comment says that its function no longer
 * matches (parameters missing, extra or renamed; a documented return on a function that returns
 * nothing; an exception the body no longer mentions), and the smallest edits that fix exactly
 * those entries. Every other byte of the comment is left as the user wrote it: entries are
 * removed as whole lines, renamed in place, and new entries copy the layout of their neighbours.
 */
import type { AnalyzedFunction } from './analyze';
import { DESCRIPTION } from './builder';
import type { ParamInfo } from './shape';
import { jsTypeOfDefault, jsTypeOfName } from './types';
import { scanDoc, type DocEntry, type ScannedDoc } from './scan';
import { closingMarkerAt, opensDocstring, stripClosingMarker } from './syntax';

export type DocIssueKind = 'missing-param' | 'extra-param' | 'renamed-param' | 'stale-returns' | 'stale-raises';

export interface DocIssue {
  readonly kind: DocIssueKind;
  readonly message: string;
  /** Offsets in the document of what the issue is about (the entry, or the doc's first line). */
  readonly start: number;
  readonly end: number;
}

export interface TextEdit {
  /** [start, end) offsets in the document, replaced by `text`. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Plan {
  issues: DocIssue[];
  deletions: DocEntry[];
  renames: [DocEntry, ParamInfo][];
  missing: ParamInfo[];
  scanned: ScannedDoc;
}

/** Parameters a doc comment is expected to list. */
function expectedParams(fn: AnalyzedFunction): ParamInfo[] {
  return fn.shape.params.filter((p) => p.kind !== 'block' && p.name !== '...');
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function plan(fn: AnalyzedFunction): Plan | undefined {
  const doc = fn.doc;
  if (!doc) return undefined;
  const scanned = scanDoc(doc.text);
  const starts = lineStarts(doc.text);
  const at = (e: DocEntry | undefined): [number, number] =>
    e
      ? [doc.start + starts[e.start]!, doc.start + (starts[e.end] ?? doc.text.length)]
      : [doc.start, doc.start + (starts[1] ?? doc.text.length)];
  const issues: DocIssue[] = [];
  const deletions: DocEntry[] = [];
  const renames: [DocEntry, ParamInfo][] = [];
  let missing: ParamInfo[] = [];
  const name = fn.shape.name;
  const documented = scanned.entries.filter((e) => e.kind === 'param' && !e.name.includes('.'));
  const expected = expectedParams(fn);
  if (documented.length > 0 && !fn.shape.params.some((p) => p.kind === 'destructured')) {
    const names = new Set(expected.map((p) => p.name));
    const seen = new Set(documented.map((e) => e.name));
    const extra = documented.filter((e) => !names.has(e.name));
    missing = expected.filter((p) => !seen.has(p.name));
    // An extra entry where the signature has a missing parameter at the same position is a rename.
    for (const e of [...extra]) {
      const p = expected[documented.indexOf(e)];
      if (!p || !missing.includes(p)) continue;
      extra.splice(extra.indexOf(e), 1);
      missing.splice(missing.indexOf(p), 1);
      renames.push([e, p]);
      const [s, t] = at(e);
      issues.push({
        kind: 'renamed-param',
        message: `The doc comment documents \`${e.name}\`, which is now \`${p.name}\`.`,
        start: s,
        end: t,
      });
    }
    for (const e of extra) {
      deletions.push(e);
      const [s, t] = at(e);
      issues.push({
        kind: 'extra-param',
        message: `The doc comment documents \`${e.name}\`, which ${name} no longer takes.`,
        start: s,
        end: t,
      });
    }
    for (const p of missing) {
      const [s, t] = at(undefined);
      issues.push({
        kind: 'missing-param',
        message: `The doc comment does not document the parameter \`${p.name}\`.`,
        start: s,
        end: t,
      });
    }
  }
  if (fn.shape.kind === 'function' && !fn.shape.returnsValue && !fn.shape.generator && !fn.shape.stub) {
    const returns = scanned.entries.filter((e) => e.kind === 'returns');
    for (const e of returns) deletions.push(e);
    if (returns.length > 0) {
      const [s, t] = at(returns[0]);
      issues.push({
        kind: 'stale-returns',
        message: `The doc comment documents a return value, but ${name} returns nothing.`,
        start: s,
        end: t,
      });
    }
  }
  if (!fn.shape.stub) {
    // The code without the doc comment (a Python docstring sits inside the function).
    const code =
      fn.code.slice(0, Math.max(0, doc.start - fn.startOffset)) + fn.code.slice(Math.max(0, doc.end - fn.startOffset));
    for (const e of scanned.entries.filter((x) => x.kind === 'raises' && x.name)) {
      const last = e.name.split(/[.:\\]+/).pop()!;
      if (new RegExp(`\\b${escapeRe(last)}\\b`).test(code)) continue;
      deletions.push(e);
      const [s, t] = at(e);
      issues.push({
        kind: 'stale-raises',
        message: `The doc comment says ${name} raises \`${e.name}\`, which its body no longer raises.`,
        start: s,
        end: t,
      });
    }
  }
  return { issues, deletions, renames, missing, scanned };
}

/** Where the doc comment disagrees with its function; empty when it agrees or there is none. */
export function docIssues(fn: AnalyzedFunction): DocIssue[] {
  return plan(fn)?.issues ?? [];
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** A new parameter entry in the layout of `ref` (an existing entry of the same comment). */
function newEntryLines(scanned: ScannedDoc, ref: DocEntry, p: ParamInfo, python: boolean, numpy: boolean): string[] {
  const line = scanned.lines[ref.start]!;
  const col = scanned.contentColumn[ref.start]!;
  const prefix = line.slice(0, col);
  const text = line.slice(col);
  const written = python ? (p.kind === 'rest' ? `*${p.name}` : p.kind === 'kwargs' ? `**${p.name}` : p.name) : p.name;
  const type = p.type;
  const dash = /^\S+(?:\s+\{[^}]*\})?\s+\[?[\w$.]+(?:=[^\]]*)?\]?\s+-\s/.test(text) ? '- ' : '';
  let m: RegExpExecArray | null;
  if (text.startsWith('<param')) return [`${prefix}<param name="${p.name}">${DESCRIPTION}</param>`];
  if (text.startsWith(':param')) {
    const out = [`${prefix}:param ${p.name}: ${DESCRIPTION}`];
    if (type && ref.related.length > 0) out.push(`${prefix}:type ${p.name}: ${type}`);
    return out;
  }
  if ((m = /^([@\\])(param|arg|argument)(\[[^\]]*\])?\s+(.*)$/.exec(text))) {
    const [, sigil, tag, , body] = m as unknown as [string, string, string, string | undefined, string];
    const head = `${prefix}${sigil}${tag}`;
    if (body.startsWith('{')) {
      const inferred =
        type ?? (p.default !== undefined ? jsTypeOfDefault(p.default) : undefined) ?? jsTypeOfName(p.name);
      return [`${head} {${inferred ?? '*'}} ${p.name} ${dash}${DESCRIPTION}`];
    }
    if (/^[^\s$[]+\s+(\.\.\.)?\$/.test(body)) return [`${head} ${type ?? 'mixed'} $${p.name} ${DESCRIPTION}`];
    if (/^[\w$]+\s+\[[^\]]*\]/.test(body)) return [`${head} ${p.name} [Object] ${DESCRIPTION}`];
    if (/^[\w$]+:/.test(body)) return [`${head} ${p.name}: ${DESCRIPTION}`];
    return [`${head} ${p.name} ${dash}${DESCRIPTION}`];
  }
  if (numpy) {
    const next = ref.end > ref.start + 1 ? scanned.lines[ref.start + 1]! : undefined;
    const indent = next !== undefined ? /^[ \t]*/.exec(next)![0] : `${prefix}    `;
    return [`${prefix}${written}${type ? ` : ${type}` : ''}`, `${indent}${DESCRIPTION}`];
  }
  const typed = /^\S+\s*\(/.test(text) && type ? ` (${type})` : '';
  return [`${prefix}${written}${typed}: ${DESCRIPTION}`];
}

/**
 * The edits that make the doc comment agree with its function; offsets are the document's.
 * Empty when there is nothing to fix.
 */
export function docFixEdits(fn: AnalyzedFunction, eol = '\n'): TextEdit[] {
  const p = plan(fn);
  const doc = fn.doc;
  if (!p || !doc || p.issues.length === 0) return [];
  const { scanned } = p;
  const starts = lineStarts(doc.text);
  const n = scanned.lines.length;
  const edits: TextEdit[] = [];
  const off = (line: number, col = 0): number => doc.start + (line < n ? starts[line]! + col : doc.text.length);
  const blank = (i: number): boolean =>
    i >= 0 && i < n && stripClosingMarker(scanned.lines[i]!.slice(scanned.contentColumn[i])).trim() === '';

  // Lines to delete: entries, their related lines, and sections left with no entries.
  const doomed = new Set<number>();
  const mark = (a: number, b: number): void => {
    for (let i = a; i < b; i++) doomed.add(i);
  };
  for (const e of p.deletions) {
    mark(e.start, e.end);
    for (const [a, b] of e.related) mark(a, b);
  }
  for (const s of scanned.sections) {
    const inside = scanned.entries.filter((e) => e.start >= s.start && e.end <= s.end);
    if (inside.length > 0 && inside.every((e) => doomed.has(e.start))) mark(s.start, s.end);
  }
  // A run of deleted lines between a blank line and a blank (or closing) line takes one blank with it.
  for (const i of [...doomed].sort((a, b) => a - b)) {
    if (doomed.has(i - 1)) continue;
    let j = i;
    while (doomed.has(j)) j++;
    if (i > 1 && blank(i - 1) && !doomed.has(i - 1) && (j >= n - 1 || blank(j))) doomed.add(i - 1);
  }
  const lines = [...doomed].sort((a, b) => a - b);
  let tail: { start: number; end: number; text: string } | undefined;
  for (let k = 0; k < lines.length;) {
    const a = lines[k]!;
    let b = a + 1;
    while (lines.includes(b)) b++;
    k = lines.indexOf(b - 1) + 1;
    const closed = closingMarkerAt(scanned.lines[n - 1]!) !== undefined;
    if (a > 0 && b < n) edits.push({ start: off(a), end: off(b), text: '' });
    else if (a > 0 && !closed) {
      // The last lines of a line-comment block: remove them with the line break before them.
      const start = off(a) - (doc.text[starts[a]! - 2] === '\r' ? 2 : 1);
      tail = { start, end: doc.start + doc.text.length, text: '' };
      edits.push(tail);
    } else {
      // The entry shares a line with the comment's delimiters: remove only its text.
      const last = scanned.lines[b - 1]!;
      const close = closingMarkerAt(last);
      const end = close !== undefined && b === n ? off(b - 1, close) : off(b - 1, last.length);
      edits.push({ start: off(a, scanned.contentColumn[a]), end, text: '' });
    }
  }

  for (const [e, param] of p.renames) {
    if (e.nameColumn === undefined || !e.written) continue;
    const written = e.written;
    const prefix = written.slice(0, written.length - e.name.length);
    edits.push({
      start: off(e.start, e.nameColumn),
      end: off(e.start, e.nameColumn + written.length),
      text: prefix + param.name,
    });
    for (const [a] of e.related) {
      const line = scanned.lines[a]!;
      const m = new RegExp(`^(\\s*\\S*?[:@](?:type|vartype)\\s+)${escapeRe(e.name)}\\b`).exec(line);
      if (m) edits.push({ start: off(a, m[1]!.length), end: off(a, m[1]!.length + e.name.length), text: param.name });
    }
  }

  if (p.missing.length > 0) {
    const params = expectedParams(fn);
    const entries = scanned.entries.filter((e) => e.kind === 'param' && !doomed.has(e.start));
    const entryOf = (name: string): DocEntry | undefined =>
      entries.find((e) => e.name === name) ?? p.renames.find(([, q]) => q.name === name)?.[0];
    const python = fn.shape.kind === 'class' || opensDocstring(doc.text);
    const numpy = scanned.sections.some((s) => s.kind === 'param' && s.headerLines === 2);
    const byLine = new Map<number, string[]>();
    for (const m of p.missing) {
      const index = params.indexOf(m);
      let after: DocEntry | undefined;
      for (let i = index - 1; i >= 0 && !after; i--) after = entryOf(params[i]!.name);
      const ref = after ?? entries[0] ?? p.renames[0]?.[0];
      if (!ref) continue;
      const line = after ? after.end : ref.start;
      const text = newEntryLines(scanned, ref, m, python, numpy);
      byLine.set(line, [...(byLine.get(line) ?? []), ...text]);
    }
    for (const [line, texts] of byLine) {
      const at = off(line);
      // New entries where the removed tail of a line-comment block began: they replace it.
      if (tail && at >= tail.start && at <= tail.end) tail.text += texts.map((t) => eol + t).join('');
      else edits.push({ start: at, end: at, text: texts.map((t) => t + eol).join('') });
    }
  }
  return edits.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Applies non-overlapping edits to a text (for previews and tests). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = '';
  let pos = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}
