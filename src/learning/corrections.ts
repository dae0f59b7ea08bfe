/**
 * The user's verdicts on generated doc comments. When a comment is inserted, the parts the model
 * (or the workspace index) wrote — the summary and each parameter description that is not a
 * placeholder — are remembered with the function they describe: its name and a hash of its
 * signature line, which survive edits elsewhere in the file. When the file is saved, its documented
 * functions as mining reads them are compared with what was inserted: each part was kept as is,
 * edited (the new text is the correction) or deleted. A kept or edited summary is a code → comment
 * pair the workspace's learning runs train on, weighted above mined pairs.
 *
 * Pure (no `vscode`): the host records insertions and saves (src/host/corrections.ts). The store
 * is one JSON file in the workspace's own storage, written atomically, code and texts scrubbed of
 * secrets (src/retrieval/secrets.ts) before they are written.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CorpusRecord } from '../mining/dataset';
import type { RememberedComment } from '../inference/translation';
import { readGuardedTextSync } from '../files/guardedRead';
import { parseDoc, stripDocDelimiters, summarize } from '../docComments/read';
import type { CorpusLanguage } from '../parsing/languages';
import { hashString } from '../mining/random';
import { scrubSecrets } from '../retrieval/secrets';
import { DESCRIPTION, SUMMARY } from '../docComments/builder';

export type Verdict = 'kept' | 'edited' | 'deleted';

/** `summary`, or `param <name>` for a parameter's description. */
export type PartName = 'summary' | `param ${string}`;

export interface InsertedPart {
  readonly part: PartName;
  /** The text as inserted. */
  readonly inserted: string;
}

export interface JudgedPart extends InsertedPart {
  readonly verdict: Verdict;
  /** The text at the last save (edited: the correction); absent when deleted. */
  readonly now?: string;
}

/** A generated comment as inserted, before any save. */
export interface Insertion {
  readonly id: string;
  /** The document's URI, as a string. */
  readonly uri: string;
  /** The file's path ('/' separators), as mining names it: where learning runs split by file. */
  readonly path: string;
  readonly lang: CorpusLanguage;
  readonly name: string;
  /** {@link signatureOf} the function. */
  readonly signature: string;
  /** 1-based line of the function when it was documented (the nearest wins among equal signatures). */
  readonly line: number;
  readonly insertedAt: string;
  readonly parts: readonly InsertedPart[];
}

/** An insertion with the verdict of its last save. */
export interface Correction extends Omit<Insertion, 'parts'> {
  readonly decidedAt: string;
  /** The function's code as mining reads it (doc comment cut out) at the last save, scrubbed. */
  readonly code: string;
  readonly parts: readonly JudgedPart[];
}

/** A documented function of the saved text, as the miner gives it (src/mining/mine.ts `Pair`). */
export interface SavedFunction {
  readonly name: string;
  /** 1-based. */
  readonly line: number;
  readonly code: string;
  readonly summary: string;
  readonly params: readonly { readonly name: string; readonly description: string }[];
}

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * A hash of the function's signature line: the first line of its code that names it (decorators
 * above it left out), whitespace collapsed. The same before and after its doc comment changes, and
 * whatever else in the file moves.
 */
export function signatureOf(code: string, name: string): string {
  const word = new RegExp(`(^|[^\\w$])${name.replace(/[$^.*+?()[\]{}|\\]/g, '\\$&')}([^\\w$]|$)`);
  const line = code.split(/\r?\n/).find((l) => word.test(l)) ?? code.split(/\r?\n/)[0] ?? '';
  return hashString(collapse(line)).toString(16);
}

/**
 * The generated parts of an inserted doc comment, read from its text as inserted (placeholders
 * as their default text): the summary unless it is the placeholder, and each parameter
 * description that is not one.
 */
export function generatedParts(commentText: string): InsertedPart[] {
  const doc = parseDoc(stripDocDelimiters(commentText));
  const out: InsertedPart[] = [];
  const summary = summarize(doc.description);
  if (summary && !summary.includes(SUMMARY)) out.push({ part: 'summary', inserted: summary });
  for (const p of doc.params)
    if (p.description.trim() && !p.description.includes(DESCRIPTION))
      out.push({ part: `param ${p.name}`, inserted: collapse(p.description) });
  return out;
}

function partNow(fn: SavedFunction, part: PartName): string | undefined {
  if (part === 'summary') return fn.summary.trim() || undefined;
  const name = part.slice('param '.length);
  const d = fn.params.find((p) => p.name === name)?.description;
  return d?.trim() ? collapse(d) : undefined;
}

function judge(part: InsertedPart, now: string | undefined): JudgedPart {
  if (now === undefined) return { ...part, verdict: 'deleted' };
  return { ...part, verdict: collapse(now) === collapse(part.inserted) ? 'kept' : 'edited', now };
}

/**
 * The verdict of one save on an insertion: `saved` are the saved text's documented functions
 * (mining's view), `text` the saved text. The insertion's function is the documented one with its
 * name and signature nearest its line; when none is documented but its signature line is still in
 * the text, the comment was deleted; when the function is gone (renamed, removed), undefined.
 */
export function judgeSave(
  insertion: Insertion,
  saved: readonly SavedFunction[],
  text: string,
  now: Date = new Date(),
): Correction | undefined {
  const same = saved.filter((f) => f.name === insertion.name && signatureOf(f.code, f.name) === insertion.signature);
  const fn = same.sort((a, b) => Math.abs(a.line - insertion.line) - Math.abs(b.line - insertion.line))[0];
  const base = { ...insertion, decidedAt: now.toISOString() };
  if (fn)
    return {
      ...base,
      line: fn.line,
      code: scrubSecrets(fn.code),
      parts: insertion.parts.map((p) => judge(p, partNow(fn, p.part))),
    };
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex(
    (l) => l.includes(insertion.name) && signatureOf(l, insertion.name) === insertion.signature,
  );
  if (at < 0) return undefined;
  return {
    ...base,
    line: at + 1,
    code: '',
    parts: insertion.parts.map((p) => judge(p, undefined)),
  };
}

/** Secrets scrubbed from everything a correction stores as text. */
export function scrubbed(c: Correction): Correction {
  return {
    ...c,
    code: scrubSecrets(c.code),
    parts: c.parts.map((p) => ({
      ...p,
      inserted: scrubSecrets(p.inserted),
      ...(p.now !== undefined ? { now: scrubSecrets(p.now) } : {}),
    })),
  };
}

/**
 * How many times a learning run repeats a correction's pair among the mined pairs: an edited
 * summary is the user saying what the model should have written; a kept one confirms it.
 */
export const CORRECTION_WEIGHT: Readonly<Record<'kept' | 'edited', number>> = { edited: 4, kept: 2 };

/** The summary a correction teaches: kept or edited, with the function's code; else undefined. */
function taughtSummary(c: Correction): (JudgedPart & { verdict: 'kept' | 'edited'; now: string }) | undefined {
  const s = c.parts.find((p) => p.part === 'summary');
  return s && s.verdict !== 'deleted' && c.code && s.now
    ? (s as JudgedPart & { verdict: 'kept' | 'edited'; now: string })
    : undefined;
}

/** The corrections that teach a summary (kept or edited): what a learning run learns from. */
export function learnableCorrections(corrections: readonly Correction[]): Correction[] {
  return corrections.filter((c) => taughtSummary(c) !== undefined);
}

/** How many corrections teach a summary (kept or edited). */
export function learnableCount(corrections: readonly Correction[]): number {
  return learnableCorrections(corrections).length;
}

/** The code → comment pairs the corrections teach (kept and edited summaries), each repeated by its weight. */
export function correctionPairs(corrections: readonly Correction[]): CorpusRecord[] {
  const out: CorpusRecord[] = [];
  for (const c of corrections) {
    const s = taughtSummary(c);
    if (!s) continue;
    const record: CorpusRecord = {
      lang: c.lang,
      path: c.path,
      name: c.name,
      line: c.line,
      code: c.code,
      doc: s.now,
      summary: s.now,
      params: [],
      throws: [],
    };
    for (let i = 0; i < CORRECTION_WEIGHT[s.verdict]; i++) out.push(record);
  }
  return out;
}

/** Most comments a workspace's decoder memory holds (the most recently decided). */
export const MAX_REMEMBERED = 200;

/**
 * What the decoder memory of a workspace holds (src/core/decoderMemory.ts): each kept or edited
 * summary with its function's code and file, the `max` most recently decided.
 */
export function rememberedComments(corrections: readonly Correction[], max = MAX_REMEMBERED): RememberedComment[] {
  return learnableCorrections(corrections)
    .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt))
    .slice(-max)
    .map((c) => ({ path: c.path, code: c.code, summary: taughtSummary(c)!.now }));
}

/** Counts of each verdict over every part. */
export function verdictCounts(corrections: readonly Correction[]): Record<Verdict, number> {
  const n: Record<Verdict, number> = { kept: 0, edited: 0, deleted: 0 };
  for (const c of corrections) for (const p of c.parts) n[p.verdict]++;
  return n;
}

export const CORRECTIONS_FILE = 'corrections.json';
const VERSION = 1;
/** Corrections are short texts: a store past this size (or a device, a FIFO, a link) is not read. */
const CORRECTIONS_MAX_BYTES = 64 << 20;

/**
 * The workspace's corrections, one JSON file in its storage folder. A damaged file is set aside
 * (renamed `.damaged-<time>`) rather than overwritten, and reads as empty.
 */
export class CorrectionStore {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = path.join(dir, CORRECTIONS_FILE);
  }

  list(): Correction[] {
    let raw: string;
    try {
      raw = readGuardedTextSync(this.file, { maxBytes: CORRECTIONS_MAX_BYTES, noFollow: true });
    } catch {
      return [];
    }
    try {
      const data = JSON.parse(raw) as { version?: unknown; corrections?: unknown };
      if (data.version !== VERSION || !Array.isArray(data.corrections)) throw new Error('unknown layout');
      return data.corrections as Correction[];
    } catch {
      fs.renameSync(this.file, `${this.file}.damaged-${Date.now()}`);
      return [];
    }
  }

  /** Adds or replaces (by id) corrections, scrubbed; writes atomically. */
  put(corrections: readonly Correction[]): void {
    const byId = new Map(this.list().map((c) => [c.id, c]));
    for (const c of corrections) byId.set(c.id, scrubbed(c));
    this.write([...byId.values()]);
  }

  /** Forgets every correction (the file is removed). */
  clear(): void {
    fs.rmSync(this.file, { force: true });
  }

  private write(corrections: readonly Correction[]): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${JSON.stringify({ version: VERSION, corrections }, null, 1)}\n`);
    fs.renameSync(tmp, this.file);
  }
}
