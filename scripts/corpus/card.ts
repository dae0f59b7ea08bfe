/**
 * The corpus card (CORPUS.md): what a build produced, rendered from the build's stats.json so the
 * card can be regenerated without rebuilding. Also the target check that fails a build which fell
 * short, with a message naming each missed target.
 */
import type { SplitName } from '../../src/mining/dedupSplit';
import type { Dropped } from './assemble';

export interface LengthStats {
  readonly code: number[];
  readonly summary: number[];
}

export interface CorpusStats {
  readonly builtAt: string;
  readonly seconds: number;
  readonly phases: Record<string, number>;
  readonly jobs: number;
  readonly seed: number;
  readonly manifest: { family: string; language: string; projects: number; packages: number }[];
  readonly download: { downloaded: number; reused: number; failed: { name: string; reason: string }[] };
  readonly mining: {
    projectsMined: number;
    projectsReused: number;
    files: number;
    megabytes: number;
    mined: number;
    afterFilter: number;
    skippedFiles: Record<string, number>;
    skippedPairs: Record<string, number>;
    failed: { name: string; reason: string }[];
  };
  readonly dropped: Dropped;
  readonly projectCap: number;
  readonly maxSummaryRepeats: number;
  readonly maxProjectShare: number;
  readonly pairs: number;
  /** Pairs per language per split. */
  readonly perLanguage: Record<string, Record<SplitName, number>>;
  /** Projects per split (with at least one pair), and per main language. */
  readonly projects: Record<SplitName, number>;
  readonly projectsByLanguage: Record<string, Record<SplitName, number>>;
  /** Percentiles (p10, p50, p90, p99) of code tokens and summary words, per language. */
  readonly lengths: Record<string, LengthStats>;
  readonly topSummaries: { summary: string; count: number; projects: number }[];
  readonly licences: { licence: string; projects: number; pairs: number }[];
  readonly sha256: Record<SplitName, string>;
  readonly bytes: Record<SplitName, number>;
}

export interface Targets {
  readonly minPairs: number;
  readonly minProjects: number;
  readonly minLanguagePairs: number;
  readonly languages: readonly string[];
}

export const SPLITS: readonly SplitName[] = ['train', 'valid', 'test'];

/** Each missed target as a sentence; empty when all are met. */
export function missedTargets(
  stats: Pick<CorpusStats, 'pairs' | 'perLanguage' | 'projects'>,
  targets: Targets,
): string[] {
  const out: string[] = [];
  if (stats.pairs < targets.minPairs) out.push(`${stats.pairs} pairs, fewer than the ${targets.minPairs} required`);
  const projects = SPLITS.reduce((s, k) => s + (stats.projects[k] ?? 0), 0);
  if (projects < targets.minProjects)
    out.push(`${projects} projects with pairs, fewer than the ${targets.minProjects} required`);
  for (const lang of targets.languages) {
    const per = stats.perLanguage[lang] ?? { train: 0, valid: 0, test: 0 };
    const total = SPLITS.reduce((s, k) => s + (per[k] ?? 0), 0);
    if (total < targets.minLanguagePairs)
      out.push(`${lang}: ${total} pairs, fewer than the ${targets.minLanguagePairs} required`);
    for (const k of ['valid', 'test'] as const) if (!per[k]) out.push(`${lang}: no pairs in ${k}`);
  }
  return out;
}

const n = (x: number): string => x.toLocaleString('en-US');

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string =>
    `| ${cells.map((c) => (typeof c === 'number' ? n(c) : c)).join(' | ')} |`;
  return [line(head), `| ${head.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The card's Markdown. */
export function renderCard(s: CorpusStats): string {
  const langs = Object.keys(s.perLanguage).sort(
    (a, b) =>
      SPLITS.reduce((t, k) => t + s.perLanguage[b]![k], 0) - SPLITS.reduce((t, k) => t + s.perLanguage[a]![k], 0),
  );
  const total = (k: SplitName): number => langs.reduce((t, l) => t + s.perLanguage[l]![k], 0);
  const minutes = (x: number): string => `${(x / 60).toFixed(1)} min`;
  const md: string[] = [];
  md.push('# Training corpus from Debian packages');
  md.push('');
  md.push(
    'Built by `npm run corpus:build` from the packages listed in `scripts/corpus/manifest.json`, ' +
      "mined with the project's own miner (src/mining/mine.ts). The corpus itself is not committed; " +
      'this card is the record of one build (regenerate it with `npm run corpus:build -- --card-only`).',
  );
  md.push('');
  md.push(`Built ${s.builtAt} in **${minutes(s.seconds)}** with ${s.jobs} mining processes (seed ${s.seed}).`);
  md.push(
    `Phases: ${Object.entries(s.phases)
      .map(([k, v]) => `${k} ${minutes(v)}`)
      .join(', ')}.`,
  );
  md.push('');
  md.push('## Sources');
  md.push('');
  md.push(
    'A project is a Debian source package; its binary packages of the manifest are mined together. ' +
      'The manifest is chosen from the apt lists (Debian 12 "bookworm", main, amd64) by the rule in ' +
      '`scripts/corpus/manifest.ts` (`selectManifest`): per family, packages of the name pattern that are ' +
      'not debug/doc/test packages, Installed-Size between the bounds (Python, JavaScript and Ruby: ' +
      "architecture `all` only), source packages ordered by a seeded hash and taken whole until the family's " +
      'size budget is spent.',
  );
  md.push('');
  md.push(
    table(
      ['family', 'language', 'projects', 'packages'],
      s.manifest.map((f) => [f.family, f.language, f.projects, f.packages]),
    ),
  );
  md.push('');
  md.push(
    `Downloads: ${n(s.download.downloaded)} fetched, ${n(s.download.reused)} reused from the cache; ` +
      `${s.download.failed.length + s.mining.failed.length} packages failed` +
      (s.download.failed.length + s.mining.failed.length
        ? ` (${[...s.download.failed, ...s.mining.failed]
            .slice(0, 20)
            .map((f) => `\`${f.name}\`: ${f.reason}`)
            .join('; ')})`
        : '') +
      '.',
  );
  md.push('');
  md.push('## Pairs per language and split');
  md.push('');
  md.push(
    table(
      ['language', 'train', 'valid', 'test', 'total'],
      [
        ...langs.map((l) => {
          const r = s.perLanguage[l]!;
          return [l, r.train, r.valid, r.test, r.train + r.valid + r.test];
        }),
        ['**all**', total('train'), total('valid'), total('test'), s.pairs],
      ],
    ),
  );
  md.push('');
  md.push('## Projects per split');
  md.push('');
  md.push(
    "Split by project (whole source packages), stratified by each project's main language; no project " +
      'is in two splits.',
  );
  md.push('');
  const plangs = Object.keys(s.projectsByLanguage).sort();
  md.push(
    table(
      ['main language', 'train', 'valid', 'test'],
      [
        ...plangs.map((l) => [
          l,
          s.projectsByLanguage[l]!.train,
          s.projectsByLanguage[l]!.valid,
          s.projectsByLanguage[l]!.test,
        ]),
        ['**all**', s.projects.train, s.projects.valid, s.projects.test],
      ],
    ),
  );
  md.push('');
  md.push('## Hygiene');
  md.push('');
  md.push(
    `Mined ${n(s.mining.projectsMined)} projects (${n(s.mining.projectsReused)} reused from an earlier build's cache), ` +
      `${n(s.mining.files)} files (${n(Math.round(s.mining.megabytes))} MB) into ${n(s.mining.mined)} pairs; ` +
      `${n(s.mining.afterFilter)} after dropping trivial pairs (${Object.entries(s.mining.skippedPairs)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}).`,
  );
  md.push(
    `Files skipped (noDocs: no doc-comment opener, so not parsed; excluded: documentation folders of the ` +
      `package; test, vendored, generated, minified: the strict file rules of src/mining/filters.ts): ` +
      `${Object.entries(s.mining.skippedFiles)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}.`,
  );
  md.push('');
  md.push(
    table(
      ['step', 'pairs dropped'],
      [
        ['exact duplicate code (normalised whitespace), across and within projects', s.dropped.duplicateCode],
        [
          'near-duplicate code from another project (MinHash, estimated Jaccard ≥ 0.8 of 5-token shingles)',
          s.dropped.nearDuplicate,
        ],
        [`same summary more than ${s.maxSummaryRepeats} times in one project`, s.dropped.summaryCap],
        [
          `project above ${s.maxProjectShare * 100} % of the corpus (cap ${n(s.projectCap)} pairs)`,
          s.dropped.projectCap,
        ],
      ],
    ),
  );
  md.push('');
  md.push('## Lengths');
  md.push('');
  md.push('Code in tokens (words and symbols), summaries in words; percentiles p10 / p50 / p90 / p99.');
  md.push('');
  md.push(
    table(
      ['language', 'code tokens', 'summary words'],
      langs
        .filter((l) => s.lengths[l])
        .map((l) => [l, s.lengths[l]!.code.join(' / '), s.lengths[l]!.summary.join(' / ')]),
    ),
  );
  md.push('');
  md.push('## Most repeated summaries (after capping)');
  md.push('');
  md.push(
    table(
      ['summary', 'pairs', 'projects'],
      s.topSummaries.map((t) => [`\`${t.summary.replace(/[|`]/g, ' ').slice(0, 90)}\``, t.count, t.projects]),
    ),
  );
  md.push('');
  md.push('## Licences');
  md.push('');
  md.push("As named by each project's `usr/share/doc/<package>/copyright` (the `Files: *` paragraph).");
  md.push('');
  md.push(
    table(
      ['licence', 'projects', 'pairs'],
      s.licences.slice(0, 25).map((l) => [l.licence, l.projects, l.pairs]),
    ),
  );
  if (s.licences.length > 25) {
    const rest = s.licences.slice(25);
    md.push(
      `| (${rest.length} others) | ${n(rest.reduce((t, l) => t + l.projects, 0))} | ${n(rest.reduce((t, l) => t + l.pairs, 0))} |`,
    );
  }
  md.push('');
  md.push('## Files and hashes');
  md.push('');
  md.push(
    table(
      ['split', 'file', 'MB', 'sha256'],
      SPLITS.map((k) => [k, `${k}.jsonl`, (s.bytes[k] / 1e6).toFixed(1), `\`${s.sha256[k]}\``]),
    ),
  );
  md.push('');
  md.push('## Record schema');
  md.push('');
  md.push('One JSON object per line:');
  md.push('');
  md.push('```ts');
  md.push(RECORD_SCHEMA);
  md.push('```');
  md.push('');
  return md.join('\n');
}

export const RECORD_SCHEMA = `{
  project: string;   // Debian source package (the unit of the split)
  version: string;   // its version
  package: string;   // the binary package the file came from
  lang: string;      // python | javascript | typescript | go | rust | ruby | php | ...
  path: string;      // file inside the project, install prefix removed ("sympy/core/add.py")
  name: string;      // function name ('' if anonymous)
  line: number;      // 1-based first line of the function
  code: string;      // the function without its doc comment, dedented
  doc: string;       // the whole doc comment without delimiters (tags kept)
  summary: string;   // its first sentence: the target
  params: { name: string; type?: string; description: string }[];
  returns?: string;
  throws: string[];
  license: string;   // licence of the Files: * paragraph of the package's copyright file
}`;
