/**
 * `npm run corpus:build`: the training corpus from Debian packages. Downloads the manifest's
 * packages (cached), mines each project in parallel processes (cached), assembles the corpus
 * (duplicates, caps, split by project), writes train/valid/test.jsonl atomically with
 * projects.json and stats.json, renders the card (CORPUS.md), and fails with a clear message when
 * a target (pairs, projects, pairs per language) is missed. See CORPUS.md for the schema.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { Command } from 'commander';
import { percentiles } from '../../src/mining/corpus';
import { normalizeCode, normalizeDescription, type SplitName } from '../../src/mining/dedupSplit';
import { assemble, type Item } from './assemble';
import { signatureFromBase64 } from './nearDup';
import { missedTargets, renderCard, SPLITS, type CorpusStats, type Targets } from './card';
import { downloadDebs } from './debian';
import { parseManifest } from './manifest';
import { mineProjects, minedFile, type ProjectJob } from './mining';
import type { CorpusRecord, MineResult } from './records';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Options extends Targets {
  out: string;
  manifest: string;
  card: string;
  cardOnly: boolean;
  jobs: number;
  seed: number;
  limit?: number;
  families?: string[];
  maxProjectShare: number;
  maxSummaryRepeats: number;
  valid: number;
  test: number;
}

function parseArgs(argv: string[]): Options {
  const list = (v: string): string[] =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const cmd = new Command('corpus:build')
    .option('--out <dir>', 'output folder', path.join(ROOT, '.cache', 'corpus'))
    .option('--manifest <file>', 'manifest', path.join(ROOT, 'scripts', 'corpus', 'manifest.json'))
    .option('--card <file>', 'where to write the card', path.join(ROOT, 'scripts', 'corpus', 'CORPUS.md'))
    .option('--card-only', 'render the card from <out>/stats.json and stop', false)
    .option('--jobs <n>', 'mining processes', Number, 2)
    .option('--seed <n>', 'seed of the split and the caps', Number, 15)
    .option('--limit <n>', 'only the first N projects of each family (a small build)', Number)
    .option('--families <names>', 'only these families (comma-separated)', list)
    .option('--min-pairs <n>', 'fail below this many pairs', Number, 300_000)
    .option('--min-projects <n>', 'fail below this many projects', Number, 1_000)
    .option('--min-language-pairs <n>', 'fail when a required language has fewer pairs', Number, 10_000)
    .option('--languages <names>', 'languages required', list, ['python', 'javascript', 'go', 'rust', 'ruby', 'php'])
    .option('--max-project-share <x>', 'no project above this share of the corpus', Number, 0.02)
    .option('--max-summary-repeats <n>', 'pairs per repeated summary within a project', Number, 5)
    .option('--valid <x>', 'share of pairs in valid (per language)', Number, 0.05)
    .option('--test <x>', 'share of pairs in test (per language)', Number, 0.05);
  cmd.parse(argv);
  const o = cmd.opts<Options & { limit?: number }>();
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`--${k}: not a number; pass a number.`);
  }
  return { ...o, out: path.resolve(o.out) };
}

const log = (msg: string): void => console.log(`[corpus ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const fmt = (x: number): string => x.toLocaleString('en-US');

/** The manifest's projects as jobs, with their downloaded .deb files (failed packages left out). */
function jobsOf(options: Options): { jobs: ProjectJob[]; stats: CorpusStats['manifest']; packages: string[] } {
  const manifest = parseManifest(JSON.parse(fs.readFileSync(options.manifest, 'utf8')));
  const jobs: ProjectJob[] = [];
  const stats: CorpusStats['manifest'] = [];
  for (const fam of manifest.families) {
    if (options.families && !options.families.includes(fam.name)) continue;
    const projects = options.limit !== undefined ? fam.projects.slice(0, options.limit) : fam.projects;
    stats.push({
      family: fam.name,
      language: fam.language,
      projects: projects.length,
      packages: projects.reduce((s, p) => s + p.packages.length, 0),
    });
    for (const p of projects) {
      jobs.push({ project: p.source, family: fam.name, packages: p.packages.map((name) => ({ name, deb: '' })) });
    }
  }
  return { jobs, stats, packages: jobs.flatMap((j) => j.packages.map((p) => p.name)) };
}

/** A mined record with its MinHash signature (base64), as the mining processes write it. */
type MinedRecord = CorpusRecord & { readonly sig: string };

async function* readRecords(file: string): AsyncGenerator<MinedRecord> {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield JSON.parse(line) as MinedRecord;
}

const codeTokens = (code: string): number => (code.match(/[\p{L}\p{N}_$]+|[^\s\p{L}\p{N}_$]/gu) ?? []).length;

async function build(options: Options): Promise<void> {
  const started = Date.now();
  const phases: Record<string, number> = {};
  let phaseStart = Date.now();
  const phase = (name: string): void => {
    phases[name] = (Date.now() - phaseStart) / 1000;
    phaseStart = Date.now();
  };
  const cache = path.join(options.out, 'cache');
  fs.mkdirSync(cache, { recursive: true });
  const { jobs, stats: manifestStats, packages } = jobsOf(options);
  log(`${fmt(jobs.length)} projects, ${fmt(packages.length)} packages; output ${options.out}`);

  const dl = await downloadDebs(packages, path.join(cache, 'debs'), {
    parallel: 8,
    batchSize: 100,
    onProgress: (done, total) => log(`download ${fmt(done)}/${fmt(total)} packages`),
  });
  for (const [name, why] of dl.failed) log(`FAILED to download ${name}: ${why} (skipped)`);
  log(`download: ${fmt(dl.downloaded)} fetched, ${fmt(dl.reused)} reused, ${fmt(dl.failed.size)} failed`);
  phase('download');

  const ready = jobs
    .map((j) => ({
      ...j,
      packages: j.packages.filter((p) => dl.debs.has(p.name)).map((p) => ({ ...p, deb: dl.debs.get(p.name)! })),
    }))
    .filter((j) => j.packages.length > 0);
  let lastLog = 0;
  let reusedProjects = 0;
  const results = await mineProjects(ready, cache, {
    jobs: options.jobs,
    onResult: (r, p) => {
      reusedProjects = p.reused;
      for (const f of r.failed) log(`FAILED ${f.name} (${r.project}): ${f.reason} (skipped)`);
      if (Date.now() - lastLog > 15_000 || p.projects === ready.length) {
        lastLog = Date.now();
        log(
          `mine ${fmt(p.projects)}/${fmt(ready.length)} projects (${fmt(p.reused)} cached), ` +
            `${fmt(p.files)} files, ${fmt(p.pairs)} pairs`,
        );
      }
    },
  });
  phase('mine');

  // Pass 1: light items for assembly, in project-name then file order.
  const minedDir = path.join(cache, 'mined');
  const items: Item[] = [];
  const sigs: Uint32Array[] = [];
  for (const r of results) {
    if (r.pairs === 0) continue;
    for await (const rec of readRecords(minedFile(minedDir, r.project))) {
      items.push({
        project: rec.project,
        lang: rec.lang,
        codeKey: createHash('sha1').update(normalizeCode(rec.code)).digest('base64'),
        summaryKey: normalizeDescription(rec.summary),
        id: `${rec.package}/${rec.path}:${rec.line}`,
      });
      sigs.push(signatureFromBase64(rec.sig));
    }
  }
  log(`assemble ${fmt(items.length)} pairs from ${fmt(results.filter((r) => r.pairs > 0).length)} projects`);
  const asm = assemble(items, (i) => sigs[i]!, {
    seed: options.seed,
    maxProjectShare: options.maxProjectShare,
    maxSummaryRepeats: options.maxSummaryRepeats,
    validFraction: options.valid,
    testFraction: options.test,
  });
  sigs.length = 0;
  log(
    `dropped: ${fmt(asm.dropped.duplicateCode)} duplicate code, ${fmt(asm.dropped.nearDuplicate)} near-duplicates, ` +
      `${fmt(asm.dropped.summaryCap)} repeated summaries, ${fmt(asm.dropped.projectCap)} over the project cap (${fmt(asm.projectCap)})`,
  );
  phase('assemble');

  // Pass 2: write the splits (temporary names until the targets are checked) and gather stats.
  const tmp = Object.fromEntries(SPLITS.map((k) => [k, path.join(options.out, `${k}.jsonl.tmp`)])) as Record<
    SplitName,
    string
  >;
  const streams = Object.fromEntries(SPLITS.map((k) => [k, fs.createWriteStream(tmp[k])])) as Record<
    SplitName,
    fs.WriteStream
  >;
  const hashes = Object.fromEntries(SPLITS.map((k) => [k, createHash('sha256')])) as Record<
    SplitName,
    ReturnType<typeof createHash>
  >;
  const bytes: Record<SplitName, number> = { train: 0, valid: 0, test: 0 };
  const perLanguage: CorpusStats['perLanguage'] = {};
  const lengths = new Map<string, { code: number[]; summary: number[] }>();
  const summaries = new Map<string, { count: number; projects: Set<string> }>();
  const projectPairs = new Map<string, Record<string, number>>();
  let index = 0;
  for (const r of results) {
    if (r.pairs === 0) continue;
    for await (const rec of readRecords(minedFile(minedDir, r.project))) {
      const split = asm.split[index++];
      if (!split) continue;
      const { sig: _sig, ...record } = rec;
      const line = `${JSON.stringify(record)}\n`;
      hashes[split].update(line);
      bytes[split] += Buffer.byteLength(line);
      if (!streams[split].write(line)) await new Promise<void>((res) => streams[split].once('drain', () => res()));
      (perLanguage[rec.lang] ??= { train: 0, valid: 0, test: 0 })[split]++;
      const len = lengths.get(rec.lang) ?? { code: [], summary: [] };
      len.code.push(codeTokens(rec.code));
      len.summary.push(rec.summary.split(/\s+/).filter(Boolean).length);
      lengths.set(rec.lang, len);
      const key = normalizeDescription(rec.summary);
      const s = summaries.get(key) ?? { count: 0, projects: new Set<string>() };
      s.count++;
      s.projects.add(rec.project);
      summaries.set(key, s);
      const pp = projectPairs.get(rec.project) ?? {};
      pp[rec.lang] = (pp[rec.lang] ?? 0) + 1;
      projectPairs.set(rec.project, pp);
    }
  }
  await Promise.all(SPLITS.map((k) => new Promise((res) => streams[k].end(res))));
  phase('write');

  const projectSplit = asm.projectSplit;
  const licenceOf = new Map(
    results.map((r) => [r.project, [...new Set(r.packages.map((p) => p.license))].join(' / ') || 'unknown']),
  );
  const projects = { train: 0, valid: 0, test: 0 };
  const projectsByLanguage: CorpusStats['projectsByLanguage'] = {};
  const licences = new Map<string, { projects: number; pairs: number }>();
  for (const [project, pp] of projectPairs) {
    const split = projectSplit.get(project)!;
    projects[split]++;
    const main = Object.entries(pp).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    (projectsByLanguage[main] ??= { train: 0, valid: 0, test: 0 })[split]++;
    const lic = licenceOf.get(project) ?? 'unknown';
    const l = licences.get(lic) ?? { projects: 0, pairs: 0 };
    l.projects++;
    l.pairs += Object.values(pp).reduce((a, b) => a + b, 0);
    licences.set(lic, l);
  }
  const pairs = SPLITS.reduce((s, k) => s + Object.values(perLanguage).reduce((t, r) => t + r[k], 0), 0);
  const sum = (f: (r: MineResult) => number): number => results.reduce((s, r) => s + f(r), 0);
  const merge = (f: (r: MineResult) => Record<string, number | undefined>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(f(r))) out[k] = (out[k] ?? 0) + (v ?? 0);
    return out;
  };
  const stats: CorpusStats = {
    builtAt: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    phases,
    jobs: options.jobs,
    seed: options.seed,
    manifest: manifestStats,
    download: {
      downloaded: dl.downloaded,
      reused: dl.reused,
      failed: [...dl.failed].map(([name, reason]) => ({ name, reason })),
    },
    mining: {
      projectsMined: results.length,
      projectsReused: reusedProjects,
      files: sum((r) => r.files),
      megabytes: sum((r) => r.bytes) / 1e6,
      mined: sum((r) => r.mined),
      afterFilter: sum((r) => r.pairs),
      skippedFiles: merge((r) => r.skippedFiles),
      skippedPairs: merge((r) => r.skippedPairs),
      failed: results.flatMap((r) => r.failed),
    },
    dropped: asm.dropped,
    projectCap: asm.projectCap,
    maxSummaryRepeats: options.maxSummaryRepeats,
    maxProjectShare: options.maxProjectShare,
    pairs,
    perLanguage,
    projects,
    projectsByLanguage,
    lengths: Object.fromEntries(
      [...lengths].map(([l, v]) => [
        l,
        { code: percentiles(v.code, [10, 50, 90, 99]), summary: percentiles(v.summary, [10, 50, 90, 99]) },
      ]),
    ),
    topSummaries: [...summaries]
      .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
      .slice(0, 15)
      .map(([summary, s]) => ({ summary, count: s.count, projects: s.projects.size })),
    licences: [...licences]
      .sort((a, b) => b[1].projects - a[1].projects || (a[0] < b[0] ? -1 : 1))
      .map(([licence, l]) => ({ licence, ...l })),
    sha256: Object.fromEntries(SPLITS.map((k) => [k, hashes[k].digest('hex')])) as Record<SplitName, string>,
    bytes,
  };
  const projectsOut = results.map((r) => ({
    project: r.project,
    version: r.packages[0]?.version ?? '',
    packages: r.packages.map((p) => p.name),
    licence: licenceOf.get(r.project),
    split: projectSplit.get(r.project) ?? null,
    pairs: projectPairs.get(r.project) ?? {},
    failed: r.failed,
  }));
  writeAtomic(path.join(options.out, 'projects.json'), JSON.stringify(projectsOut, null, 1));
  writeAtomic(path.join(options.out, 'stats.json'), JSON.stringify(stats, null, 1));
  const missed = missedTargets(stats, options);
  if (missed.length > 0) {
    for (const k of SPLITS) fs.rmSync(tmp[k], { force: true });
    throw new Error(
      `the corpus misses its targets: ${missed.join('; ')}. No split was written (stats in ${path.join(options.out, 'stats.json')}). ` +
        'Add packages to the manifest (raise the family budgets in scripts/corpus/manifest.ts and run npm run corpus:manifest), ' +
        'or lower the targets with --min-pairs / --min-projects / --min-language-pairs for a small build.',
    );
  }
  for (const k of SPLITS) fs.renameSync(tmp[k], path.join(options.out, `${k}.jsonl`));
  const card = renderCard(stats);
  writeAtomic(path.join(options.out, 'CORPUS.md'), card);
  writeAtomic(options.card, card);
  log(
    `done in ${(stats.seconds / 60).toFixed(1)} min: ${fmt(pairs)} pairs, ` +
      `${fmt(projects.train + projects.valid + projects.test)} projects; ` +
      SPLITS.map((k) => `${k} ${fmt(Object.values(perLanguage).reduce((t, r) => t + r[k], 0))}`).join(', '),
  );
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv);
  if (options.cardOnly) {
    const stats = JSON.parse(fs.readFileSync(path.join(options.out, 'stats.json'), 'utf8')) as CorpusStats;
    writeAtomic(options.card, renderCard(stats));
    log(`wrote ${options.card}`);
    return;
  }
  await build(options);
}

main().catch((e: unknown) => {
  console.error(`corpus:build failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
