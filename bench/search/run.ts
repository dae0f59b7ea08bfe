/**
 * `npm run bench:search`: Find Code by Description on projects the default model never trained
 * on, each treated as a workspace. For a sample of documented functions (seed fixed), the query
 * is the function's summary and its project is searched with that summary removed from the index;
 * MRR and recall@1/5/10 per language for BM25 alone, the model's re-rank alone (code → comment
 * score of the sentence given each candidate) and their weighted combination. The weights are
 * chosen on validation projects; the test projects are scored once with them. Then the p50
 * latency of one search over a 5,000-function index (BM25 top 50, then re-rank), beside the p50
 * of writing one comment with the same model in the same run (the reference).
 *
 * Projects: with `--corpus <dir>` (valid.jsonl and test.jsonl whose records carry project, lang,
 * path, code and summary) the corpus's own split; without it, local code the model did not train
 * on: Python packages of /usr/lib/python3/dist-packages and npm packages in node_modules, less
 * those of the projects in its training corpus (trainingPackages), split by a seeded shuffle of
 * projects.
 * Flags: --queries N per language and split (default 100), --candidates N (50), --latency N
 * queries (30), --model <dir>, --json <file>, --seed N.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { FunctionIndex, type IndexedFunction } from '../../src/retrieval/functionIndex';
import { peekConfigFile } from '../../src/modelFolder/format';
import { buildFunctionIndex } from '../../src/mining/indexMining';
import type { CorpusLanguage } from '../../src/parsing/languages';
import { ParserPool } from '../../src/parsing/parser';
import { seededRandom, shuffleInPlace } from '../../src/mining/random';
import {
  DEFAULT_CANDIDATES,
  DEFAULT_RERANK_WEIGHTS,
  KEYWORD_GUARD,
  NO_KEYWORD_GUARD,
  searchCode,
  type KeywordGuard,
  type RerankWeights,
} from '../../src/inference/codeSearch';
import { ModelRunner } from '../../src/inference/modelRunner';
import {
  BM25_ONLY,
  chooseGuard,
  chooseWeights,
  MODEL_ONLY,
  rankMetrics,
  scoreQuery,
  shortlist,
  type ScoredQuery,
} from './evaluate';
import { REPO_ROOT as ROOT, MEDIA_MODEL_DIR } from '../../scripts/paths';

const CACHE = path.join(ROOT, '.cache', 'search-bench');
const log = (s: string): void => void process.stderr.write(`${s}\n`);

interface Project {
  readonly name: string;
  readonly lang: CorpusLanguage;
  readonly split: 'valid' | 'test';
  readonly functions: readonly IndexedFunction[];
}

/**
 * The Debian packages of the projects a model trained on: its config.json names its corpus
 * (meta.training.corpus, relative to the repository), and the corpus's projects.json beside it
 * (scripts/corpus/build.ts) gives each project's packages and split. Undefined when the model
 * names no corpus or that corpus is not on this machine.
 */
function trainingPackages(modelDir: string): ReadonlySet<string> | undefined {
  const corpus = peekConfigFile(modelDir)?.meta?.training?.corpus;
  if (!corpus) return undefined;
  const file = path.join(path.dirname(path.resolve(ROOT, corpus)), 'projects.json');
  if (!fs.existsSync(file)) return undefined;
  const projects = JSON.parse(fs.readFileSync(file, 'utf8')) as { split: string | null; packages: string[] }[];
  return new Set(projects.filter((p) => p.split === 'train').flatMap((p) => p.packages));
}

/** The Debian package of a local project, by Debian's naming: `py:dateutil` is python3-dateutil, `js:@a/b` node-a-b. */
function debianPackage(project: string): string {
  const name = project.slice(3).replace(/^@/, '').replace(/[/_]/g, '-').toLowerCase();
  return `${project.startsWith('py:') ? 'python3' : 'node'}-${name}`;
}

const MIN_DOCUMENTED = 10;
const MIN_FUNCTIONS = 30;

function localProjectDirs(): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  const py = '/usr/lib/python3/dist-packages';
  if (fs.existsSync(py))
    for (const e of fs.readdirSync(py, { withFileTypes: true }))
      if (e.isDirectory() && !/[-.]info$|^__|^_/.test(e.name))
        out.push({ name: `py:${e.name}`, dir: path.join(py, e.name) });
  const nm = path.join(ROOT, 'node_modules');
  for (const e of fs.readdirSync(nm, { withFileTypes: true })) {
    if (!e.isDirectory() && !e.isSymbolicLink()) continue;
    if (e.name.startsWith('.') || e.name === 'typescript') continue;
    const dirs = e.name.startsWith('@')
      ? fs.readdirSync(path.join(nm, e.name)).map((s) => ({ name: `${e.name}/${s}`, dir: path.join(nm, e.name, s) }))
      : [{ name: e.name, dir: path.join(nm, e.name) }];
    out.push(
      ...dirs.filter((d) => !d.name.startsWith('@tensorflow/')).map((d) => ({ name: `js:${d.name}`, dir: d.dir })),
    );
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Mines the local projects once (cached in .cache/search-bench); those in `trained` are left out. */
async function localProjects(seed: number, trained: ReadonlySet<string>): Promise<Project[]> {
  const cacheFile = path.join(CACHE, 'projects.json');
  let mined: { name: string; functions: IndexedFunction[] }[];
  if (fs.existsSync(cacheFile)) mined = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as typeof mined;
  else {
    const parsers = new ParserPool();
    mined = [];
    try {
      for (const { name, dir } of localProjectDirs()) {
        const { index } = await buildFunctionIndex(dir, parsers);
        const functions = index.functions().filter((f) => f.lang === 'python' || f.lang === 'javascript');
        if (functions.length > 0) mined.push({ name, functions: [...functions] });
        log(`mined ${name}: ${functions.length} functions`);
      }
    } finally {
      parsers.dispose();
    }
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(cacheFile, JSON.stringify(mined));
  }
  const byLang = new Map<CorpusLanguage, { name: string; functions: IndexedFunction[] }[]>();
  const untrained = mined.filter((p) => !trained.has(debianPackage(p.name)));
  log(`${mined.length - untrained.length} local projects left out: the model trained on them`);
  for (const p of untrained) {
    const lang = p.name.startsWith('py:') ? 'python' : 'javascript';
    const fns = p.functions.filter((f) => f.lang === lang);
    if (fns.length < MIN_FUNCTIONS || fns.filter((f) => f.summary).length < MIN_DOCUMENTED) continue;
    byLang.set(lang, [...(byLang.get(lang) ?? []), { name: p.name, functions: fns }]);
  }
  const out: Project[] = [];
  for (const [lang, projects] of byLang) {
    shuffleInPlace(projects, seededRandom(seed));
    projects.forEach((p, i) => out.push({ ...p, lang, split: i % 2 === 0 ? 'valid' : 'test' }));
  }
  return out;
}

/** Projects from a corpus split by project (documented functions only: the records are pairs). */
function corpusProjects(dir: string): Project[] {
  const out: Project[] = [];
  for (const split of ['valid', 'test'] as const) {
    const groups = new Map<string, IndexedFunction[]>();
    for (const line of fs.readFileSync(path.join(dir, `${split}.jsonl`), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as {
        project: string;
        lang: CorpusLanguage;
        path: string;
        code: string;
        summary: string;
        name?: string;
        line?: number;
      };
      const key = `${r.lang}\0${r.project}`;
      const fn: IndexedFunction = {
        path: r.path,
        lang: r.lang,
        name: r.name ?? '',
        line: r.line ?? 0,
        code: r.code,
        summary: r.summary,
      };
      groups.set(key, [...(groups.get(key) ?? []), fn]);
    }
    for (const [key, functions] of groups) {
      const [lang, name] = key.split('\0') as [CorpusLanguage, string];
      if (functions.length >= MIN_DOCUMENTED) out.push({ name, lang, split, functions });
    }
  }
  return out;
}

/** `n` documented functions of the split's projects in one language, sampled with a fixed seed. */
function sampleQueries(projects: readonly Project[], n: number, seed: number): { project: Project; index: number }[] {
  const all = projects.flatMap((p) => p.functions.flatMap((f, index) => (f.summary ? [{ project: p, index }] : [])));
  return shuffleInPlace(all, seededRandom(seed)).slice(0, n);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
}

const pct = (x: number): string => (100 * x).toFixed(1);

/** "moved down": % of queries whose right answer ranks lower than under BM25 alone. */
function table(rows: { lang: string; system: string; m: ReturnType<typeof rankMetrics> }[]): string {
  const lines = [
    '| language | system | queries | MRR | R@1 | R@5 | R@10 | moved down |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { lang, system, m } of rows)
    lines.push(
      `| ${lang} | ${system} | ${m.queries} | ${m.mrr.toFixed(3)} | ${pct(m.recall1)} | ${pct(m.recall5)} | ${pct(m.recall10)} | ${pct(m.movedDown)} |`,
    );
  return lines.join('\n');
}

/** The training packages of the model, for the local projects; none, with a warning, when unknown. */
function localTraining(modelDir: string): ReadonlySet<string> {
  const trained = trainingPackages(modelDir);
  if (!trained) log(`warning: ${modelDir} names no training corpus found here; local projects it trained on stay in`);
  return trained ?? new Set();
}

const guardText = (g: KeywordGuard): string =>
  g === NO_KEYWORD_GUARD ? 'none' : `displacement >= ${g.minDisplacement}, model margin < ${g.maxModelMargin}`;

async function main(): Promise<void> {
  const opts = new Command()
    .option('--model <dir>', 'model folder', MEDIA_MODEL_DIR)
    .option('--corpus <dir>', 'corpus split by project (valid.jsonl, test.jsonl)')
    .option('--queries <n>', 'sampled queries per language and split', '100')
    .option('--candidates <n>', 'BM25 candidates re-ranked', '50')
    .option('--latency <n>', 'timed searches over the 5,000-function index', '30')
    .option(
      '--shortlists <list>',
      "also score re-ranking only BM25's top N (comma-separated; from the same model scores) and time it",
      '10,20',
    )
    .option('--seed <n>', 'sampling seed', '17')
    .option('--doc2code', 'also score the comment → code direction (doubles the model time)', false)
    .option('--json <file>', 'also write the results as JSON')
    .option('--valid-only', 'score the validation projects only (to choose rules without seeing the test split)', false)
    .option('--save-scores <file>', "write every query's candidate scores as JSON (to try rules without the model)")
    .parse()
    .opts<{
      doc2code: boolean;
      model: string;
      corpus?: string;
      queries: string;
      candidates: string;
      latency: string;
      shortlists: string;
      seed: string;
      json?: string;
      validOnly: boolean;
      saveScores?: string;
    }>();
  const seed = Number(opts.seed);
  const k = Number(opts.candidates);
  log((await selectBackend({ setting: 'auto' })).reason);
  const projects = opts.corpus ? corpusProjects(opts.corpus) : await localProjects(seed, localTraining(opts.model));
  const runner = await ModelRunner.load(opts.model);
  const scored: Record<'valid' | 'test', ScoredQuery[]> = { valid: [], test: [] };
  const langs = [...new Set(projects.map((p) => p.lang))].sort();
  for (const split of opts.validOnly ? (['valid'] as const) : (['valid', 'test'] as const))
    for (const lang of langs) {
      const ps = projects.filter((p) => p.split === split && p.lang === lang);
      const sample = sampleQueries(ps, Number(opts.queries), seed);
      log(
        `${split} ${lang}: ${ps.length} projects, ${ps.reduce((n, p) => n + p.functions.length, 0)} functions, ${sample.length} queries`,
      );
      sample.forEach(({ project, index }, i) => {
        scored[split].push(scoreQuery(project.name, project.functions, index, k, runner, opts.doc2code));
        if ((i + 1) % 25 === 0) log(`  ${i + 1}/${sample.length}`);
      });
    }
  if (opts.saveScores) fs.writeFileSync(opts.saveScores, JSON.stringify(scored));
  if (opts.validOnly) {
    log('--valid-only: scores written; no test projects, no latency.');
    return;
  }
  const chosen = chooseWeights(scored.valid);
  // What the extension ships: its weights over BM25's top DEFAULT_CANDIDATES, without and with the
  // keyword guard; the guard chosen here on validation is printed beside the shipped one.
  const shipped = (split: 'valid' | 'test'): ScoredQuery[] =>
    scored[split].map((q) => shortlist(q, DEFAULT_CANDIDATES));
  const guardChoice = chooseGuard(shipped('valid'), DEFAULT_RERANK_WEIGHTS);
  const systems: [string, RerankWeights, KeywordGuard, boolean][] = [
    ['BM25', BM25_ONLY, NO_KEYWORD_GUARD, false],
    ['model re-rank', MODEL_ONLY, NO_KEYWORD_GUARD, false],
    [`combination ${JSON.stringify(chosen.weights)}`, chosen.weights, NO_KEYWORD_GUARD, false],
    [
      `shipped: top ${DEFAULT_CANDIDATES}, ${JSON.stringify(DEFAULT_RERANK_WEIGHTS)}`,
      DEFAULT_RERANK_WEIGHTS,
      NO_KEYWORD_GUARD,
      true,
    ],
    [`shipped + keyword guard (${guardText(KEYWORD_GUARD)})`, DEFAULT_RERANK_WEIGHTS, KEYWORD_GUARD, true],
  ];
  const rows = (split: 'valid' | 'test') =>
    langs.flatMap((lang) =>
      systems.map(([system, w, g, top]) => ({
        lang,
        system,
        m: rankMetrics(
          (top ? shipped(split) : scored[split]).filter((q) => q.lang === lang),
          w,
          g,
        ),
      })),
    );

  // Shorter shortlists, from the same scores: weights chosen again on validation for each.
  const shortlists = opts.shortlists
    .split(',')
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n < k);
  const shortRows = shortlists.map((n) => {
    const cut = (split: 'valid' | 'test') => scored[split].map((q) => shortlist(q, n));
    const w = chooseWeights(cut('valid'));
    return {
      n,
      weights: w.weights,
      rows: langs.flatMap((lang) =>
        (
          [
            ['BM25', BM25_ONLY],
            [`top ${n} re-ranked, ${JSON.stringify(w.weights)}`, w.weights],
          ] as [string, RerankWeights][]
        ).map(([system, weights]) => ({
          lang,
          system,
          m: rankMetrics(
            cut('test').filter((q) => q.lang === lang),
            weights,
          ),
        })),
      ),
    };
  });

  // Latency: a 5,000-function index made of the projects' functions; reference: one comment.
  const pool = projects.flatMap((p) => p.functions.map((f) => ({ ...f, path: `${p.name}/${f.path}` })));
  shuffleInPlace(pool, seededRandom(seed));
  const index = new FunctionIndex('/bench');
  const byFile = new Map<string, IndexedFunction[]>();
  for (const f of pool.slice(0, 5000)) byFile.set(f.path, [...(byFile.get(f.path) ?? []), f]);
  for (const [p, fns] of byFile) index.setFile(p, fns);
  const queries = pool.filter((f) => f.summary).slice(0, Number(opts.latency));
  searchCode(index, queries[0]!.summary!, runner, { weights: chosen.weights, candidates: k }); // warm-up
  const searchMs = queries.map((q) => {
    const t0 = performance.now();
    searchCode(index, q.summary!, runner, { weights: chosen.weights, candidates: k });
    return performance.now() - t0;
  });
  const shortMs = shortRows.map(({ n, weights }) =>
    median(
      queries.map((q) => {
        const t0 = performance.now();
        searchCode(index, q.summary!, runner, { weights, candidates: n });
        return performance.now() - t0;
      }),
    ),
  );
  const bm25Ms = queries.map((q) => {
    const t0 = performance.now();
    index.search(q.summary!, k);
    return performance.now() - t0;
  });
  const commentMs = queries.map((q) => {
    const t0 = performance.now();
    runner.translate({ direction: 'code2doc', text: q.code, decoding: DECODING_DEFAULTS });
    return performance.now() - t0;
  });
  runner.dispose();

  const out = [
    `Projects: ${opts.corpus ? `corpus ${opts.corpus}` : 'local (Python dist-packages, npm packages the model did not train on)'}; ` +
      langs
        .map(
          (l) =>
            `${l}: ${projects.filter((p) => p.lang === l && p.split === 'valid').length} validation / ${projects.filter((p) => p.lang === l && p.split === 'test').length} test`,
        )
        .join(', '),
    `Queries: up to ${opts.queries} per language and split, sampled with seed ${seed}; BM25 top ${k} re-ranked.`,
    `Weights chosen on validation (macro MRR ${chosen.mrr.toFixed(3)}): ${JSON.stringify(chosen.weights)}`,
    `Keyword guard chosen on validation for the shipped re-rank (macro MRR ${guardChoice.mrr.toFixed(3)}, ` +
      `moved down ${pct(guardChoice.movedDown)} %): ${guardText(guardChoice.guard)}; shipped: ${guardText(KEYWORD_GUARD)}`,
    '',
    '### Validation projects',
    table(rows('valid')),
    '',
    '### Test projects',
    table(rows('test')),
    '',
    ...shortRows.flatMap(({ n, rows: r }) => [`### Test projects, BM25's top ${n} re-ranked`, table(r), '']),
    `### Latency over a ${index.size}-function index (${queries.length} queries)`,
    ...shortRows.map(({ n }, i) => `top ${n} re-ranked: search p50 ${shortMs[i]!.toFixed(0)} ms`),
    `search p50 ${median(searchMs).toFixed(0)} ms (BM25 alone p50 ${median(bm25Ms).toFixed(1)} ms); ` +
      `reference, one comment (beam 4) p50 ${median(commentMs).toFixed(0)} ms; ratio ${(median(searchMs) / median(commentMs)).toFixed(2)}`,
  ].join('\n');
  process.stdout.write(`${out}\n`);
  if (opts.json)
    fs.writeFileSync(
      opts.json,
      JSON.stringify(
        { weights: chosen, guard: guardChoice, valid: rows('valid'), test: rows('test'), searchMs, bm25Ms, commentMs },
        null,
        1,
      ),
    );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:search: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
