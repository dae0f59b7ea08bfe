/**
 * From mined pairs to a corpus: duplicates removed across projects (exact normalised code, exact
 * code+summary, and near-duplicate code by MinHash), each repeated summary capped within its
 * project, each project capped to a share of the corpus, then projects split into train / valid /
 * test by a seeded hash, stratified by each project's main language so every language reaches
 * valid and test. Pure: works on light items (keys, not the records), so the build can stream
 * the records from disk twice instead of holding them.
 */
import { assignFiles, type SplitName } from '../../src/mining/dedupSplit';
import { hashString } from '../../src/mining/random';
import { NearDupIndex, type NearDupOptions } from './nearDup';

/** What assembly needs to know of one mined pair. */
export interface Item {
  readonly project: string;
  readonly lang: string;
  /** Normalised code (or a hash of it). */
  readonly codeKey: string;
  /** Normalised summary. */
  readonly summaryKey: string;
  /** Stable identity inside its project (path, line), for seeded choices. */
  readonly id: string;
}

export interface AssembleOptions {
  readonly seed: number;
  /** No project above this share of the corpus. Default 0.02. */
  readonly maxProjectShare?: number;
  /** At most this many pairs per (project, summary). Default 5. */
  readonly maxSummaryRepeats?: number;
  readonly validFraction?: number;
  readonly testFraction?: number;
  /** Near-duplicate detection; `false` turns it off. */
  readonly nearDup?: NearDupOptions | false;
}

export interface Dropped {
  duplicateCode: number;
  nearDuplicate: number;
  summaryCap: number;
  projectCap: number;
}

export interface Assembly {
  /** Split of each kept item (by index in the input), undefined for dropped ones. */
  readonly split: (SplitName | undefined)[];
  readonly projectSplit: Map<string, SplitName>;
  readonly dropped: Dropped;
  /** The project cap applied (pairs). */
  readonly projectCap: number;
}

/** Keeps the first item of each code (exact, normalised): input order decides. */
export function exactDuplicates(items: readonly Item[], keep: boolean[]): number {
  const seen = new Set<string>();
  let n = 0;
  items.forEach((it, i) => {
    if (!keep[i]) return;
    if (seen.has(it.codeKey)) {
      keep[i] = false;
      n++;
    } else seen.add(it.codeKey);
  });
  return n;
}

/**
 * Drops items whose code nearly copies a kept item of another project. `signature(i)` gives the
 * MinHash signature of item i (computed with the same options, e.g. by `NearDupIndex.signature`).
 */
export function nearDuplicates(
  items: readonly Item[],
  keep: boolean[],
  signature: (i: number) => Uint32Array,
  options: NearDupOptions = {},
): number {
  const index = new NearDupIndex(options);
  const projectIds = new Map<string, number>();
  let n = 0;
  items.forEach((it, i) => {
    if (!keep[i]) return;
    let p = projectIds.get(it.project);
    if (p === undefined) projectIds.set(it.project, (p = projectIds.size));
    const sig = signature(i);
    if (index.check(sig, p) !== undefined) {
      keep[i] = false;
      n++;
    } else index.add(sig, p);
  });
  return n;
}

/** Keeps at most `limit` items per group, chosen by a seeded hash of their ids. */
function capGroups(
  items: readonly Item[],
  keep: boolean[],
  groupOf: (it: Item) => string,
  limit: number,
  seed: number,
): number {
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    if (!keep[i]) return;
    const g = groupOf(it);
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  });
  let n = 0;
  for (const list of groups.values()) {
    if (list.length <= limit) continue;
    const order = list
      .map((i) => ({ i, h: hashString(`${items[i]!.project}\u0000${items[i]!.id}`, seed) }))
      .sort((a, b) => a.h - b.h || a.i - b.i);
    for (const { i } of order.slice(limit)) {
      keep[i] = false;
      n++;
    }
  }
  return n;
}

/** Caps each repeated summary within a project. */
export function capSummaries(items: readonly Item[], keep: boolean[], limit: number, seed: number): number {
  return capGroups(items, keep, (it) => `${it.project}\u0000${it.summaryKey}`, limit, seed);
}

/**
 * Caps each project at `share` of the corpus. The corpus shrinks as projects are capped, so the
 * cap is recomputed until no project exceeds it. Returns the pairs dropped and the final cap.
 */
export function capProjects(items: readonly Item[], keep: boolean[], share: number, seed: number): [number, number] {
  let dropped = 0;
  for (;;) {
    const total = keep.filter(Boolean).length;
    const cap = Math.max(1, Math.floor(total * share));
    const n = capGroups(items, keep, (it) => it.project, cap, seed);
    dropped += n;
    if (n === 0) return [dropped, cap];
  }
}

/** The language with most kept pairs in each project (ties: name order). */
export function mainLanguages(items: readonly Item[], keep: readonly boolean[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  items.forEach((it, i) => {
    if (!keep[i]) return;
    const c = counts.get(it.project) ?? new Map<string, number>();
    c.set(it.lang, (c.get(it.lang) ?? 0) + 1);
    counts.set(it.project, c);
  });
  const out = new Map<string, string>();
  for (const [project, c] of counts) {
    const best = [...c.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    out.set(project, best[0]);
  }
  return out;
}

/**
 * Whole projects to splits: within each main language, projects in seeded-hash order fill test,
 * then valid, to their shares of that language's pairs; the rest is train.
 */
export function splitProjects(
  items: readonly Item[],
  keep: readonly boolean[],
  options: Pick<AssembleOptions, 'seed' | 'validFraction' | 'testFraction'>,
): Map<string, SplitName> {
  const main = mainLanguages(items, keep);
  const byLang = new Map<string, Map<string, number>>();
  items.forEach((it, i) => {
    if (!keep[i]) return;
    const lang = main.get(it.project)!;
    const m = byLang.get(lang) ?? new Map<string, number>();
    m.set(it.project, (m.get(it.project) ?? 0) + 1);
    byLang.set(lang, m);
  });
  const out = new Map<string, SplitName>();
  for (const lang of [...byLang.keys()].sort()) {
    const assigned = assignFiles(byLang.get(lang)!, {
      seed: options.seed,
      validFraction: options.validFraction ?? 0.05,
      testFraction: options.testFraction ?? 0.05,
    });
    for (const [p, s] of assigned) out.set(p, s);
  }
  return out;
}

/** The whole assembly. Items must come in a deterministic order (projects by name, then file order). */
export function assemble(
  items: readonly Item[],
  signature: (i: number) => Uint32Array,
  options: AssembleOptions,
): Assembly {
  const keep = items.map(() => true);
  const dropped: Dropped = { duplicateCode: 0, nearDuplicate: 0, summaryCap: 0, projectCap: 0 };
  dropped.duplicateCode = exactDuplicates(items, keep);
  if (options.nearDup !== false) dropped.nearDuplicate = nearDuplicates(items, keep, signature, options.nearDup ?? {});
  dropped.summaryCap = capSummaries(items, keep, options.maxSummaryRepeats ?? 5, options.seed);
  const [projectCapDropped, projectCap] = capProjects(items, keep, options.maxProjectShare ?? 0.02, options.seed);
  dropped.projectCap = projectCapDropped;
  const projectSplit = splitProjects(items, keep, options);
  return {
    split: items.map((it, i) => (keep[i] ? projectSplit.get(it.project) : undefined)),
    projectSplit,
    dropped,
    projectCap,
  };
}
