/**
 * `npm run bench:learning`: does the model get better at a workspace by learning from the comments
 * its user keeps and corrects? Each simulated workspace is one project (at least `--min-functions`
 * documented functions). A user writes the project's doc comments in file order: for each
 * function the current model proposes a comment and the "user" keeps the author's text (a kept
 * proposal when it is the same, else an edited one: the correction). Every `--every` corrections a
 * learning run trains exactly as the extension's idle-time run does — the documented functions so
 * far split by file with the corrections and the files the current model learned in earlier runs
 * moved to training, the corrections weighted (src/learning/learningCorpus.ts; the learned files
 * tracked as the extension's learning history tracks them, src/learning/policy.ts
 * `lineageTrainedFiles`), the same fine-tuning job and defaults, `--threads` threads for
 * at most `--minutes` of their CPU time as the extension counts it (src/learning/policy.ts
 * `learningBudget`; `--clock wall` counts wall time instead) — and the guard with its margin
 * decides whether the new model replaces the current one. Before each run the proposals of the
 * current model, the base model and in-project BM25 (the most similar function documented so far,
 * from another file) for the next `--window` functions are scored with chrF (paired bootstrap of
 * the current model against the base), every system reading its neighbours from the functions
 * documented so far. Prints a Markdown table per project, writes `--out`/learning.svg (and
 * learning.png where ImageMagick's `convert` is installed), `--json` (the points, after each
 * project) and `--proposals` (every scored proposal).
 * `--project` picks projects by name; `--from` draws the tables and chart from `--json` files of
 * earlier runs (e.g. projects run in separate processes).
 *
 * `--tiny`: a self-contained check in a few minutes: a synthetic project and a tiny base model
 * trained first on another comment convention (no corpus or bundled model needed), documented far
 * enough for a learning run with GUARD_MIN_FUNCTIONS held-out functions, whose model the guard can
 * install.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { readCorpus, writeCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { corpusChrf, pairedBootstrapChrf } from '../../src/training/chrf';
import { guardFineTune, modelOutputs } from '../../src/training/guard';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { ModelRunner } from '../../src/inference/modelRunner';
import type { WorkspaceOf } from '../../src/training/predictions';
import { prepareTrainJob } from '../../src/training/job';
import type { TrainConfigFile } from '../../src/training/trainConfigFile';
import {
  BM25_PROJECT,
  projectBaselines,
  projectWorkspaceOf,
  projectWorkspaces,
} from '../../src/training/projectBenchmark';
import { LAST_DIR } from '../../src/training/trainer';
import { FINE_TUNE_JOB_DEFAULTS } from '../../src/training/trainingDefaults';
import { rememberedComments, type Correction } from '../../src/learning/corrections';
import { learningSplits } from '../../src/learning/learningCorpus';
import { learningBudget, LEARNING_DEFAULTS, lineageTrainedFiles, type HistoryEntry } from '../../src/learning/policy';
import { MEDIA_MODEL_DIR } from '../../scripts/paths';

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const collect = (v: string, acc: string[]): string[] => [...acc, v];

export interface Point {
  readonly corrections: number;
  readonly scored: number;
  readonly model: number;
  readonly base: number;
  readonly bm25: number;
  /** Share of paired resamples where the current model's chrF is above the base's. */
  readonly overBase: number;
  /** The learning run just before this point: its guard's sentence. */
  readonly run?: string;
  /** chrF of the current model alone, where the learning model also remembers corrections. */
  readonly alone?: number;
}

/**
 * Proposals for `order[from..to)` as the user meets them one after another: each with the
 * workspace of every function documented before it (its own file left out, as the extension's
 * neighbours are) and, with the memory, the corrections of all of them ({@link userCorrection}:
 * the user keeps the author's text). Without and with the decoder memory, from one model.
 */
async function rollingProposals(
  dir: string,
  order: readonly CorpusRecord[],
  from: number,
  to: number,
): Promise<{ alone: string[]; remembering: string[] }> {
  const runner = await ModelRunner.load(dir);
  try {
    const alone: string[] = [];
    const remembering: string[] = [];
    const corrections = order.slice(0, to).map((r, i) => userCorrection(r, '', i));
    for (let i = from; i < to; i++) {
      const r = order[i]!;
      const ws = projectWorkspaceOf(projectWorkspaces(order.slice(0, i)))(r);
      const remembered = rememberedComments(corrections.slice(0, i));
      const request = { direction: 'code2doc' as const, text: r.code, language: r.lang, decoding: DECODING_DEFAULTS };
      // The engine worker computes the memory's entries between requests; the user's time between
      // two functions is far longer than that.
      if (ws && remembered.length) runner.rememberMissing(ws, remembered, Infinity);
      const plain = runner.translate(request, ws).candidates[0]?.text ?? '';
      alone.push(plain);
      remembering.push(
        ws && remembered.length ? (runner.translate(request, { ...ws, remembered }).candidates[0]?.text ?? '') : plain,
      );
    }
    return { alone, remembering };
  } finally {
    runner.dispose();
  }
}

interface Simulation {
  /** Training config of each learning run (the extension's defaults unless --tiny). */
  readonly config: TrainConfigFile;
  readonly every: number;
  readonly maxCorrections: number;
  readonly window: number;
  /**
   * The learning model also remembers the corrections in its decoder (src/core/decoderMemory.ts),
   * as the extension does unless `seq2seq.learning.rememberCorrections` is off; `--no-memory` turns it off.
   */
  readonly memory: boolean;
  /** Learning runs (fine-tuning and the guard) every `every` corrections; `--no-runs` measures the memory alone. */
  readonly runs: boolean;
  /**
   * Each scored function proposed with what the workspace holds just before it (the functions
   * before it documented, their corrections remembered), as in the editor where every save counts
   * at once; otherwise with what it holds at the point (`--rolling`).
   */
  readonly rolling: boolean;
  /** Called with each point's proposals (`--proposals`). */
  readonly onProposals?: (project: string, corrections: number, proposals: Proposal[]) => void;
}

/** One scored function at one point: what each system proposed, and what the author wrote. */
export interface Proposal {
  readonly path: string;
  readonly name: string;
  readonly reference: string;
  readonly model: string;
  readonly base: string;
  readonly bm25: string;
}

/** The functions in file order, as a user documenting the project front to back meets them. */
export function fileOrder(records: readonly CorpusRecord[]): CorpusRecord[] {
  return [...records].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
}

/**
 * What the simulated user records for `r`, the `nth` function documented (from 0), when the model
 * proposed `proposal`: kept, or edited to the author's text; a minute after the one before.
 */
export function userCorrection(r: CorpusRecord, proposal: string, nth: number): Correction {
  const kept = proposal.trim() === r.summary.trim();
  const at = new Date(Date.UTC(2026, 0, 1) + nth * 60_000).toISOString();
  return {
    id: `${r.path}:${r.line}`,
    uri: `file://${r.path}`,
    path: r.path,
    lang: r.lang,
    name: r.name,
    signature: '',
    line: r.line,
    insertedAt: at,
    decidedAt: at,
    code: r.code,
    parts: [{ part: 'summary', inserted: proposal, verdict: kept ? 'kept' : 'edited', now: r.summary }],
  };
}

async function simulate(project: string, records: CorpusRecord[], baseDir: string, sim: Simulation): Promise<Point[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-learning-'));
  const order = fileOrder(records);
  const documented: CorpusRecord[] = [];
  const corrections: Correction[] = [];
  const points: Point[] = [];
  let current = baseDir;
  // The installing runs, as the extension's learning history records them (models named by folder).
  const history: Pick<HistoryEntry, 'installedModel' | 'previousModel' | 'trainedFiles'>[] = [];
  let lastRun: string | undefined;
  try {
    for (let k = 0; k <= sim.maxCorrections && k + sim.window <= order.length; k += sim.every) {
      // Score the next window with what the workspace holds now.
      const next = order.slice(k, k + sim.window);
      const refs = next.map((r) => r.summary);
      const workspaces = projectWorkspaces(documented);
      const workspaceOf = projectWorkspaceOf(workspaces);
      const remembered = sim.memory ? rememberedComments(corrections) : [];
      const remembering: WorkspaceOf = (r) => {
        const w = workspaceOf(r);
        return w && remembered.length ? { ...w, remembered } : w;
      };
      // Frozen: every system reads the workspace as it is now; rolling: as it is before each function.
      const rolled = sim.rolling ? await rollingProposals(current, order, k, k + sim.window) : undefined;
      const plain = rolled?.alone ?? (await modelOutputs(current, next, workspaceOf));
      const mine = !sim.memory
        ? plain
        : (rolled?.remembering ?? (remembered.length ? await modelOutputs(current, next, remembering) : plain));
      const same = current === baseDir && mine === plain;
      const base =
        current === baseDir
          ? plain
          : sim.rolling
            ? (await rollingProposals(baseDir, order, k, k + sim.window)).alone
            : await modelOutputs(baseDir, next, workspaceOf);
      const bm25 = documented.length ? projectBaselines(next, workspaces)[BM25_PROJECT]! : next.map(() => '');
      const point: Point = {
        corrections: k,
        scored: next.length,
        model: corpusChrf(mine, refs),
        base: corpusChrf(base, refs),
        bm25: corpusChrf(bm25, refs),
        overBase: same ? 0 : pairedBootstrapChrf(refs, mine, base),
        ...(lastRun ? { run: lastRun } : {}),
        ...(mine !== plain && current !== baseDir ? { alone: corpusChrf(plain, refs) } : {}),
      };
      points.push(point);
      sim.onProposals?.(
        project,
        k,
        next.map((r, i) => ({
          path: r.path,
          name: r.name,
          reference: r.summary,
          model: mine[i]!,
          base: base[i]!,
          bm25: bm25[i]!,
        })),
      );
      log(
        `${project}: ${k} corrections: chrF ${point.model.toFixed(2)} (base ${point.base.toFixed(2)}, BM25 ${point.bm25.toFixed(2)}` +
          (point.alone !== undefined ? `, the current model alone ${point.alone.toFixed(2)}` : '') +
          ')',
      );
      if (k + sim.every > sim.maxCorrections) break;
      // The user documents the next `every` functions: the model's proposal, kept or corrected.
      const batch = order.slice(k, k + sim.every);
      const proposals = mine.slice(0, batch.length);
      batch.forEach((r, i) => {
        corrections.push(userCorrection(r, proposals[i]!, corrections.length));
        documented.push(r);
      });
      if (!sim.runs) {
        lastRun = 'no run (--no-runs)';
        continue;
      }
      // A learning run, as the extension's idle-time one.
      const splits = learningSplits(documented, corrections, lineageTrainedFiles(history, current));
      if (splits.tooFew) {
        lastRun = `no run: ${splits.tooFew}`;
        continue;
      }
      const dir = path.join(work, `run-${k + sim.every}`);
      const files = {
        train: path.join(dir, 'train.jsonl'),
        valid: path.join(dir, 'valid.jsonl'),
        test: path.join(dir, 'test.jsonl'),
      };
      fs.mkdirSync(dir, { recursive: true });
      writeCorpus(files.train, splits.train);
      writeCorpus(files.valid, splits.valid);
      writeCorpus(files.test, splits.test);
      const outDir = path.join(dir, 'out');
      const {
        trainer,
        test,
        documented: all,
      } = await prepareTrainJob(
        {
          corpus: files.train,
          validCorpus: files.valid,
          testCorpus: files.test,
          outDir,
          initModel: current,
          config: sim.config,
        },
        () => undefined,
      );
      // The CPU time the run got, and the wall time it took (longer on a busy machine).
      const cpuBefore = process.cpuUsage();
      const wallBefore = Date.now();
      const finished = await trainer.run();
      const wallMs = Date.now() - wallBefore;
      const cpu = process.cpuUsage(cpuBefore);
      trainer.dispose();
      trainer.model.dispose();
      const tuned = finished.bestDir ?? path.join(outDir, LAST_DIR);
      const guard = await guardFineTune(current, tuned, test, all, 'the current model');
      const seconds = `${Math.round((cpu.user + cpu.system) / 1e6)} s CPU in ${Math.round(wallMs / 1000)} s`;
      lastRun = `${finished.step} steps (${seconds}); ${guard.better ? 'installed' : 'kept the current model'}: ${guard.message}`;
      log(`  ${lastRun}`);
      if (guard.better) {
        history.push({ installedModel: tuned, previousModel: current, trainedFiles: splits.trainedFiles });
        current = tuned;
      }
    }
    return points;
  } finally {
    // The models of later runs start from earlier ones: removed only at the end.
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function table(project: string, points: readonly Point[]): string {
  const lines = [
    `### ${project}`,
    '',
    '| corrections | next functions | learning model chrF | base chrF | in-project BM25 chrF | model above base (bootstrap) | learning run before |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const p of points) {
    // Until a learning run is installed the current model is the base: no resampling (overBase 0).
    const share = !p.corrections
      ? ''
      : p.overBase === 0 && p.model === p.base
        ? 'the base model'
        : `${(100 * p.overBase).toFixed(1)}%`;
    const gain =
      p.base > 0 ? ` (${p.model >= p.base ? '+' : ''}${((100 * (p.model - p.base)) / p.base).toFixed(1)}%)` : '';
    lines.push(
      `| ${p.corrections} | ${p.scored} | ${p.model.toFixed(2)}${gain} | ${p.base.toFixed(2)} | ${p.bm25.toFixed(2)} | ${share} | ${p.run ?? ''} |`,
    );
  }
  return lines.join('\n');
}

/**
 * A line chart of chrF against corrections: one colour per system (the learning model, the base
 * model, BM25), one dash pattern per project. Only plain SVG that ImageMagick's own renderer reads
 * (no empty attributes).
 */
export function svgChart(results: ReadonlyMap<string, readonly Point[]>): string {
  const W = 760;
  const pad = { left: 60, right: 250, top: 30, bottom: 50 };
  const series: [string, 'model' | 'base' | 'bm25', string][] = [
    ['learning model', 'model', '#1f77b4'],
    ['base model', 'base', '#7f7f7f'],
    ['in-project BM25', 'bm25', '#ff7f0e'],
  ];
  const dashes = ['', '6 3', '2 3', '8 3 2 3', '12 4', '1 2'];
  const dash = (i: number): string => {
    const d = dashes[i % dashes.length]!;
    return d ? ` stroke-dasharray="${d}"` : '';
  };
  const legendRows = series.length + (results.size > 1 ? 1 + results.size : 0);
  const H = Math.max(420, pad.top + 16 * legendRows + pad.bottom);
  const all = [...results.values()].flat();
  const maxX = Math.max(1, ...all.map((p) => p.corrections));
  const ys = all.flatMap((p) => [p.model, p.base, p.bm25]);
  const minY = Math.max(0, Math.floor(Math.min(...ys) - 1));
  const maxY = Math.ceil(Math.max(...ys) + 1);
  const x = (v: number): number => pad.left + ((W - pad.left - pad.right) * v) / maxX;
  const y = (v: number): number =>
    H - pad.bottom - ((H - pad.top - pad.bottom) * (v - minY)) / Math.max(1e-9, maxY - minY);
  const escape = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${pad.left + 60}" y="18" font-size="14">chrF of the proposals for the next functions</text>`,
    `<line x1="${pad.left}" y1="${H - pad.bottom}" x2="${W - pad.right}" y2="${H - pad.bottom}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${H - pad.bottom}" stroke="black"/>`,
    `<text x="${(pad.left + W - pad.right) / 2 - 30}" y="${H - 12}">corrections</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})">chrF</text>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const v = minY + ((maxY - minY) * t) / 4;
    out.push(`<text x="${pad.left - 40}" y="${(y(v) + 4).toFixed(1)}">${v.toFixed(1)}</text>`);
  }
  const xTicks = [...new Set(all.map((p) => p.corrections))].sort((a, b) => a - b);
  for (const c of xTicks) out.push(`<text x="${(x(c) - 6).toFixed(1)}" y="${H - pad.bottom + 18}">${c}</text>`);
  // The learning model drawn last: where it is still the base model its line covers the base's.
  for (const [, key, color] of [...series].reverse())
    [...results.values()].forEach((points, pi) => {
      const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.corrections).toFixed(1)},${y(p[key]).toFixed(1)}`);
      out.push(`<path d="${d.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash(pi)}/>`);
      for (const p of points)
        out.push(`<circle cx="${x(p.corrections).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="3" fill="${color}"/>`);
    });
  let row = 0;
  const legend = (label: string, color: string, style: string): void => {
    const ly = pad.top + 16 * row++;
    out.push(
      `<line x1="${W - pad.right + 10}" y1="${ly}" x2="${W - pad.right + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${style}/>`,
      `<text x="${W - pad.right + 46}" y="${ly + 4}">${escape(label)}</text>`,
    );
  };
  for (const [label, , color] of series) legend(label, color, '');
  if (results.size > 1) {
    row++;
    [...results.keys()].forEach((project, pi) => legend(project, 'black', dash(pi)));
  }
  out.push('</svg>');
  return out.join('\n');
}

/** `--tiny`'s functions: every verb × noun once (64), 4 to a file; `summary` writes their comments. */
function tinyFunctions(dir: string, summary: (verb: string, noun: string) => string): CorpusRecord[] {
  const verbs = ['get', 'set', 'load', 'save', 'read', 'write', 'open', 'close'];
  const nouns = ['user', 'name', 'file', 'path', 'table', 'cache', 'token', 'queue'];
  return verbs.flatMap((v, vi) =>
    nouns.map((n, ni) => ({
      lang: 'python' as const,
      path: `${dir}/m${(vi * 8 + ni) % 16}.py`,
      name: `${v}_${n}`,
      line: ni + 1,
      code: `def ${v}_${n}(x):\n    return x`,
      doc: summary(v, n),
      summary: summary(v, n),
      params: [],
      throws: [],
    })),
  );
}

/** `--tiny`'s project, written in another convention ("the user to get") than its base model learned. */
export function tinyProject(): CorpusRecord[] {
  return tinyFunctions('/ws', (v, n) => `the ${n} to ${v}`);
}

/**
 * `--tiny`'s simulation: a learning run every 8 corrections, the next 16 functions scored. The last
 * run (24 documented functions, 6 files of 4) is the first whose split gives the guard its
 * GUARD_MIN_FUNCTIONS (3 files held out) besides a validation file and 2 files to train on.
 */
export const TINY_SIMULATION = { every: 8, maxCorrections: 24, window: 16 } as const;

/** `--tiny`: a synthetic project ("the user to get") and a base model trained on "get user". */
async function tinySetup(work: string): Promise<{ project: CorpusRecord[]; baseDir: string; config: TrainConfigFile }> {
  const training = {
    optimizer: { name: 'adam' as const, learningRate: 0.01 },
    schedule: { kind: 'constant' as const },
    threads: 1,
  };
  const corpus = path.join(work, 'base.jsonl');
  writeCorpus(
    corpus,
    tinyFunctions('/other', (v, n) => `${v} ${n}`),
  );
  const out = path.join(work, 'base');
  const { trainer } = await prepareTrainJob(
    {
      corpus,
      outDir: out,
      config: {
        model: {
          attention: 'bahdanau',
          embeddingDim: 32,
          hiddenDim: 64,
          dropout: 0,
          maxSrcLen: 32,
          maxTgtLen: 12,
          copy: true,
        },
        vocabSize: 300,
        batchSize: 16,
        directions: ['code2doc'],
        testFraction: 0.01,
        training: { ...training, maxEpochs: 1000, maxSteps: 150, evalEvery: 0 },
      },
    },
    () => undefined,
  );
  const finished = await trainer.run();
  trainer.dispose();
  trainer.model.dispose();
  return {
    project: tinyProject(),
    baseDir: finished.bestDir ?? path.join(out, LAST_DIR),
    config: {
      batchSize: 16,
      rehearsalShare: 0,
      training: { ...training, maxEpochs: 1000, maxSteps: 100, evalEvery: 50, patience: 0, l2sp: 0 },
    },
  };
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <file>', 'corpus with a project field (the corpus build test split)')
    .option('--workspace <file>', 'one project per JSONL file (repeatable)', collect, [])
    .option('--model <dir>', 'the base model', MEDIA_MODEL_DIR)
    .option('--min-functions <n>', 'smallest project used', '300')
    .option('--projects <n>', 'most projects used', '3')
    .option('--every <n>', 'corrections between learning runs', '10')
    .option('--max-corrections <n>', 'corrections simulated per project', '50')
    .option('--window <n>', 'next functions scored at each point', '50')
    .option('--project <name>', 'only this project (repeatable; default: the first --projects)', collect, [])
    .option('--minutes <n>', 'budget of one learning run', String(LEARNING_DEFAULTS.minutes))
    .option(
      '--clock <clock>',
      'what the budget counts: cpu (this process, --minutes per thread, as the extension) or wall time',
      'cpu',
    )
    .option('--threads <n>', 'threads of one learning run', String(LEARNING_DEFAULTS.threads))
    .option('--tiny', 'a synthetic project and a tiny model, a few minutes in all')
    .option('--out <dir>', 'where the chart goes', path.join('bench', 'learning'))
    .option('--json <file>', 'also write the points as JSON (after each project)')
    .option('--proposals <file>', 'also write every scored proposal as JSONL')
    .option('--no-memory', 'the learning model does not remember the corrections in its decoder')
    .option('--no-runs', 'no learning runs: the decoder memory alone')
    .option('--rolling', 'score each next function with the workspace as it is just before it')
    .option(
      '--from <json>',
      'no simulation: tables and chart from --json files of earlier runs (repeatable)',
      collect,
      [],
    )
    .parse()
    .opts<{
      corpus?: string;
      workspace: string[];
      model: string;
      minFunctions: string;
      projects: string;
      every: string;
      maxCorrections: string;
      window: string;
      project: string[];
      minutes: string;
      clock: string;
      threads: string;
      tiny?: boolean;
      out: string;
      json?: string;
      proposals?: string;
      memory: boolean;
      runs: boolean;
      rolling?: boolean;
      from: string[];
    }>();
  const positive = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, got "${v}".`);
    return n;
  };
  if (opts.from.length) {
    const results = new Map<string, Point[]>();
    for (const file of opts.from)
      for (const [p, points] of Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Point[]>))
        results.set(p, points);
    for (const [p, points] of results) process.stdout.write(`${table(p, points)}\n\n`);
    writeChart(results, opts.out);
    return;
  }
  if (opts.clock !== 'cpu' && opts.clock !== 'wall')
    throw new Error(`--clock must be cpu or wall, got "${opts.clock}".`);
  const clock = opts.clock;
  if (opts.proposals) fs.writeFileSync(opts.proposals, '');
  const onProposals = (project: string, corrections: number, proposals: Proposal[]): void => {
    if (opts.proposals)
      fs.appendFileSync(
        opts.proposals,
        proposals.map((p) => `${JSON.stringify({ project, corrections, ...p })}\n`).join(''),
      );
  };
  log((await selectBackend({ setting: 'auto' })).reason);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-learning-setup-'));
  try {
    const projects = new Map<string, CorpusRecord[]>();
    let baseDir = opts.model;
    let sim: Simulation;
    if (opts.tiny) {
      const tiny = await tinySetup(work);
      projects.set('synthetic', tiny.project);
      baseDir = tiny.baseDir;
      sim = {
        config: tiny.config,
        ...TINY_SIMULATION,
        memory: opts.memory,
        runs: opts.runs,
        rolling: opts.rolling === true,
        onProposals,
      };
    } else {
      const minutes = Number(opts.minutes);
      if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got "${opts.minutes}".`);
      const min = positive('min-functions', opts.minFunctions);
      const threads = positive('threads', opts.threads);
      const add = (name: string, rs: CorpusRecord[]): void => void (rs.length >= min && projects.set(name, rs));
      if (opts.corpus) {
        const by = new Map<string, CorpusRecord[]>();
        for (const r of await readCorpus(opts.corpus))
          by.set(r.project ?? 'workspace', [...(by.get(r.project ?? 'workspace') ?? []), r]);
        for (const [p, rs] of by) add(p, rs);
      }
      for (const w of opts.workspace) add(path.basename(w, '.jsonl'), await readCorpus(w));
      if (projects.size === 0)
        throw new Error(
          `no project with at least ${min} documented functions: pass --corpus <test.jsonl with a project field> or --workspace <file>, or --tiny.`,
        );
      sim = {
        config: {
          batchSize: FINE_TUNE_JOB_DEFAULTS.batchSize,
          seed: FINE_TUNE_JOB_DEFAULTS.seed,
          training: {
            threads,
            ...(clock === 'cpu' ? learningBudget(minutes, threads) : { timeBudgetMs: minutes * 60_000, clock }),
          },
        },
        every: positive('every', opts.every),
        maxCorrections: positive('max-corrections', opts.maxCorrections),
        window: positive('window', opts.window),
        memory: opts.memory,
        runs: opts.runs,
        rolling: opts.rolling === true,
        onProposals,
      };
    }
    const missing = opts.project.filter((p) => !projects.has(p));
    if (missing.length)
      throw new Error(
        `no project named ${missing.join(', ')} with at least ${opts.minFunctions} documented functions.`,
      );
    const chosen = opts.project.length
      ? opts.project.map((p) => [p, projects.get(p)!] as const)
      : [...projects].slice(0, positive('projects', opts.projects));
    const results = new Map<string, Point[]>();
    for (const [p, rs] of chosen) {
      const points = await simulate(p, rs, baseDir, sim);
      results.set(p, points);
      process.stdout.write(`${table(p, points)}\n\n`);
      if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(Object.fromEntries(results), null, 2)}\n`);
    }
    writeChart(results, opts.out);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** `learning.svg` into `out`, and `learning.png` where ImageMagick's `convert` can draw it. */
function writeChart(results: ReadonlyMap<string, readonly Point[]>, out: string): void {
  fs.mkdirSync(out, { recursive: true });
  const svg = path.join(out, 'learning.svg');
  fs.writeFileSync(svg, svgChart(results));
  const png = path.join(out, 'learning.png');
  try {
    execFileSync('convert', [svg, png], { stdio: 'ignore' });
    log(`chart: ${png}`);
  } catch {
    // A failed conversion may leave a half-drawn PNG behind.
    fs.rmSync(png, { force: true });
    log(`chart: ${svg} (no PNG: ImageMagick's convert is not installed or cannot read SVG)`);
  }
}

if (require.main === module)
  main().catch((e: unknown) => {
    log(`bench:learning failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
