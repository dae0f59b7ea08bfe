/**
 * The corpus manifest: which Debian binary packages are mined, grouped into families (one per
 * language) and, inside a family, by Debian source package (the project). The manifest is chosen
 * once from the local apt lists by a fixed rule (`selectManifest`, run by `makeManifest.ts`) and
 * committed, so every build mines the same list. Pure functions: parsing apt's `Packages` index,
 * the selection rule and the manifest's validation; no file system or network here.
 */
import { hashString } from '../../src/mining/random';

/** One family of Debian packages that carries source code of one language. */
export interface FamilySpec {
  readonly name: string;
  /** The language the family is mined for (files of other languages are mined too). */
  readonly language: string;
  /** Binary package names of the family. */
  readonly pattern: RegExp;
  /** Folder prefixes inside the package where the sources land; stripped from corpus paths. */
  readonly roots: readonly string[];
  /** Only architecture-independent packages (pure-language ones, not compiled extensions). */
  readonly archAllOnly: boolean;
  /** Sum of the chosen packages' Installed-Size, KiB. */
  readonly budgetKb: number;
}

export const FAMILIES: readonly FamilySpec[] = [
  {
    name: 'python3',
    language: 'python',
    pattern: /^python3-[a-z0-9].*$/,
    roots: ['usr/lib/python3/dist-packages/'],
    archAllOnly: true,
    budgetKb: 540 * 1024,
  },
  {
    name: 'node',
    language: 'javascript',
    pattern: /^node-[a-z0-9].*$/,
    roots: ['usr/share/nodejs/', 'usr/lib/nodejs/'],
    archAllOnly: true,
    budgetKb: 450 * 1024,
  },
  {
    // Browser libraries; often the same source package as a node-* package (then one project).
    name: 'libjs',
    language: 'javascript',
    pattern: /^libjs-[a-z0-9].*$/,
    roots: ['usr/share/javascript/'],
    archAllOnly: true,
    budgetKb: 200 * 1024,
  },
  {
    name: 'golang',
    language: 'go',
    pattern: /^golang-.*-dev$/,
    roots: ['usr/share/gocode/src/'],
    archAllOnly: false,
    budgetKb: 440 * 1024,
  },
  {
    name: 'librust',
    language: 'rust',
    pattern: /^librust-[a-z0-9][a-z0-9-]*-dev$/,
    roots: ['usr/share/cargo/registry/'],
    archAllOnly: false,
    budgetKb: 130 * 1024,
  },
  {
    name: 'ruby',
    language: 'ruby',
    pattern: /^ruby-[a-z0-9].*$/,
    roots: ['usr/lib/ruby/vendor_ruby/', 'usr/share/rubygems-integration/all/gems/'],
    archAllOnly: true,
    budgetKb: 350 * 1024,
  },
  {
    name: 'php',
    language: 'php',
    pattern: /^php-[a-z0-9].*$/,
    roots: ['usr/share/php/'],
    archAllOnly: false,
    budgetKb: 250 * 1024,
  },
];

/** Packages that never carry the project's source: debug symbols, docs, test suites, examples. */
const NOT_SOURCE = /-(dbg|dbgsym|doc|docs|examples|tests?|common-doc)$/;

/** One stanza of apt's `Packages` index, reduced to what selection needs. */
export interface IndexEntry {
  readonly package: string;
  /** The source package (the project); the binary name when the index gives none. */
  readonly source: string;
  readonly version: string;
  readonly architecture: string;
  readonly installedKb: number;
}

/** Parses apt's `Packages` text (deb822 stanzas); continuation lines are ignored. */
export function parsePackagesIndex(text: string): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1]!, m[2]!.trim());
    }
    const pkg = fields.get('Package');
    if (!pkg) continue;
    out.push({
      package: pkg,
      // `Source: name (version)` when the source version differs from the binary's.
      source: (fields.get('Source') ?? pkg).split(/\s+/)[0]!,
      version: fields.get('Version') ?? '',
      architecture: fields.get('Architecture') ?? '',
      installedKb: Number(fields.get('Installed-Size') ?? 0) || 0,
    });
  }
  return out;
}

export interface SelectionRule {
  readonly seed: number;
  /** Smaller packages (metapackages, feature stubs) are skipped, KiB. */
  readonly minInstalledKb: number;
  /** Larger packages are skipped (one project must not dominate), KiB. */
  readonly maxInstalledKb: number;
}

export const DEFAULT_RULE: SelectionRule = { seed: 15, minInstalledKb: 12, maxInstalledKb: 8 * 1024 };

/** A project of the manifest: a Debian source package and the binary packages mined from it. */
export interface ManifestProject {
  readonly source: string;
  readonly packages: readonly string[];
}

export interface ManifestFamily {
  readonly name: string;
  readonly language: string;
  readonly projects: readonly ManifestProject[];
}

export interface Manifest {
  readonly rule: SelectionRule & { readonly budgetsKb: Readonly<Record<string, number>> };
  readonly families: readonly ManifestFamily[];
}

/** Groups binary packages by source package; projects and their packages sorted by name. */
export function groupBySource(entries: readonly Pick<IndexEntry, 'package' | 'source'>[]): ManifestProject[] {
  const bySource = new Map<string, Set<string>>();
  for (const e of entries) {
    const set = bySource.get(e.source) ?? new Set<string>();
    set.add(e.package);
    bySource.set(e.source, set);
  }
  return [...bySource.keys()].sort().map((source) => ({ source, packages: [...bySource.get(source)!].sort() }));
}

/**
 * The rule: per family, the packages whose name matches, that are not debug/doc/test packages,
 * whose Installed-Size lies in the bounds (and, for Python and Ruby, architecture `all`); their
 * source packages ordered by a seeded hash of the source name; whole sources taken in that order
 * until the family's size budget is spent. A source already taken by an earlier family is not
 * taken again: its packages of this family join that project. The newest version of a package wins when the index lists several.
 */
export function selectManifest(
  index: readonly IndexEntry[],
  rule: SelectionRule = DEFAULT_RULE,
  families: readonly FamilySpec[] = FAMILIES,
): Manifest {
  const newest = new Map<string, IndexEntry>();
  for (const e of index) {
    const prev = newest.get(e.package);
    if (!prev || prev.version < e.version) newest.set(e.package, e);
  }
  /** Source package to the family index and project that took it. */
  const taken = new Map<string, { family: number; packages: string[] }>();
  const chosenByFamily: { source: string; packages: string[] }[][] = families.map(() => []);
  families.forEach((fam, fi) => {
    const eligible = [...newest.values()].filter(
      (e) =>
        fam.pattern.test(e.package) &&
        !NOT_SOURCE.test(e.package) &&
        e.installedKb >= rule.minInstalledKb &&
        e.installedKb <= rule.maxInstalledKb &&
        (!fam.archAllOnly || e.architecture === 'all'),
    );
    const projects = groupBySource(eligible).sort(
      (a, b) => hashString(a.source, rule.seed) - hashString(b.source, rule.seed) || (a.source < b.source ? -1 : 1),
    );
    const size = new Map(eligible.map((e) => [e.package, e.installedKb]));
    let used = 0;
    for (const p of projects) {
      const earlier = taken.get(p.source);
      if (earlier) {
        // The same project seen through another family: its packages join it.
        earlier.packages.push(...p.packages);
        continue;
      }
      const kb = p.packages.reduce((s, name) => s + size.get(name)!, 0);
      if (used + kb > fam.budgetKb) continue;
      used += kb;
      const chosen = { source: p.source, packages: [...p.packages] };
      chosenByFamily[fi]!.push(chosen);
      taken.set(p.source, { family: fi, packages: chosen.packages });
    }
  });
  const out: ManifestFamily[] = families.map((fam, fi) => ({
    name: fam.name,
    language: fam.language,
    projects: chosenByFamily[fi]!.map((p) => ({ source: p.source, packages: p.packages.sort() })).sort((a, b) =>
      a.source < b.source ? -1 : 1,
    ),
  }));
  return {
    rule: { ...rule, budgetsKb: Object.fromEntries(families.map((f) => [f.name, f.budgetKb])) },
    families: out,
  };
}

const NAME = /^[a-z0-9][a-z0-9+.-]*$/;

/** Checks a parsed manifest.json; throws a message naming the first problem. */
export function parseManifest(json: unknown): Manifest {
  const fail = (what: string): never => {
    throw new Error(`corpus manifest: ${what}; regenerate it with npm run corpus:manifest or fix it by hand.`);
  };
  if (!json || typeof json !== 'object') fail('not a JSON object');
  const m = json as Partial<Manifest>;
  if (!m.rule || typeof m.rule.seed !== 'number') fail('missing rule.seed');
  if (!Array.isArray(m.families) || m.families.length === 0) fail('no families');
  const seenPackages = new Set<string>();
  const seenSources = new Set<string>();
  for (const f of m.families!) {
    if (typeof f.name !== 'string' || typeof f.language !== 'string') fail('a family without name or language');
    if (!Array.isArray(f.projects)) fail(`family ${f.name} has no projects list`);
    for (const p of f.projects) {
      if (typeof p.source !== 'string' || !NAME.test(p.source)) fail(`bad source name ${JSON.stringify(p.source)}`);
      if (seenSources.has(p.source)) fail(`source ${p.source} listed twice`);
      seenSources.add(p.source);
      if (!Array.isArray(p.packages) || p.packages.length === 0) fail(`source ${p.source} lists no packages`);
      for (const name of p.packages) {
        if (typeof name !== 'string' || !NAME.test(name)) fail(`bad package name ${JSON.stringify(name)}`);
        if (seenPackages.has(name)) fail(`package ${name} listed twice`);
        seenPackages.add(name);
      }
    }
  }
  return m as Manifest;
}

/** Every family's install prefixes (a project may hold packages of several families). */
export const ALL_ROOTS: readonly string[] = FAMILIES.flatMap((f) => f.roots);
