/**
 * `npm run bench:finetune`: does fine-tuning on a workspace make the model better on that
 * workspace? Each simulated workspace is one project of a corpus (a project with at least
 * `--min-functions` documented functions; its pairs split by file into train / valid / test exactly
 * as Fine-tune on Workspace splits them). The bundled model is fine-tuned on it under a fixed time
 * budget with the fine-tuning defaults (or a `--variant`), and the base model, the fine-tuned model
 * and in-project BM25 (the summary of the most similar documented function of the project, from
 * another file)
 * write comments for the test functions, scored with corpus chrF and smoothed BLEU-4, with paired
 * bootstrap of fine-tuned against base. Both models read their neighbours from the project as a
 * workspace (every documented function, the function's own file left out), as the extension
 * does, so the comparison measures training, not retrieval. Prints one Markdown table per project
 * and the average.
 *
 * Workspaces: `--corpus <file.jsonl>` whose records carry `project` (the corpus build's test split),
 * and/or `--workspace <file.jsonl>` (repeatable; one project per file, e.g. mined with
 * `seq2seq mine`). Flags: --minutes (budget per fine-tune), --threads N (training threads, default
 * every core), --projects N, --project <name> (repeatable: only these), --limit N (test functions
 * decoded per model), --variant name (repeatable: defaults, no-protection, rehearsal-only,
 * l2sp-only, lr-3e-4, from-scratch-settings), --json <file>.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { readCorpus, writeCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { splitByFile } from '../../src/mining/dedupSplit';
import { averageSentenceBleu } from '../../src/training/bleu';
import { corpusChrf, pairedBootstrapChrf } from '../../src/training/chrf';
import { modelOutputs } from '../../src/training/guard';
import { prepareTrainJob } from '../../src/training/job';
import type { TrainConfigFile } from '../../src/training/trainConfigFile';
import {
  BM25_PROJECT,
  projectBaselines,
  projectWorkspaceOf,
  projectWorkspaces,
} from '../../src/training/projectBenchmark';
import { pairedBootstrap, interleaveLanguages } from '../../src/training/quality';
import { LAST_DIR } from '../../src/training/trainer';
import { VARIANTS } from './variants';
import { REPO_ROOT as ROOT, MEDIA_MODEL_DIR } from '../../scripts/paths';

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const collect = (v: string, acc: string[]): string[] => [...acc, v];

interface SystemScore {
  readonly system: string;
  readonly chrf: number;
  readonly sentenceBleu: number;
  /** Against the base model: share of bootstrap resamples where this system is above it. */
  readonly overBase?: { readonly chrf: number; readonly sentenceBleu: number };
  readonly note?: string;
}

interface ProjectResult {
  readonly project: string;
  readonly train: number;
  readonly test: number;
  readonly scores: SystemScore[];
}

function score(system: string, outputs: readonly string[], refs: readonly string[], base?: readonly string[]) {
  return {
    system,
    chrf: corpusChrf(outputs, refs),
    sentenceBleu: 100 * averageSentenceBleu(outputs, refs),
    ...(base
      ? {
          overBase: {
            chrf: pairedBootstrapChrf(refs, outputs, base),
            sentenceBleu: pairedBootstrap(refs, outputs, base).sentenceBleu,
          },
        }
      : {}),
  };
}

/** Projects of a corpus with at least `min` pairs, largest first. */
function projectsOf(
  records: readonly (CorpusRecord & { project?: string })[],
  min: number,
): Map<string, CorpusRecord[]> {
  const by = new Map<string, CorpusRecord[]>();
  for (const r of records) {
    const p = r.project ?? 'workspace';
    by.set(p, [...(by.get(p) ?? []), r]);
  }
  return new Map([...by].filter(([, rs]) => rs.length >= min).sort((a, b) => b[1].length - a[1].length));
}

async function runProject(
  project: string,
  records: CorpusRecord[],
  variants: readonly string[],
  minutes: number,
  limit: number,
  threads: number,
): Promise<ProjectResult> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-finetune-'));
  const corpus = path.join(work, 'corpus.jsonl');
  writeCorpus(corpus, records);
  // The same split as Fine-tune on Workspace (seed 42, 10 % valid, 10 % test, by file).
  const seed = 42;
  const splits = splitByFile(records, { seed, validFraction: 0.1, testFraction: 0.1 });
  const test = interleaveLanguages(splits.test).slice(0, limit);
  const refs = test.map((r) => r.summary);
  log(`${project}: ${records.length} pairs, ${splits.train.length} train, scoring ${test.length} test functions`);
  const workspaces = projectWorkspaces(records);
  const workspaceOf = projectWorkspaceOf(workspaces);
  const base = await modelOutputs(MEDIA_MODEL_DIR, test, workspaceOf);
  const scores: SystemScore[] = [score('base model', base, refs)];
  for (const name of variants) {
    const variant = VARIANTS[name];
    if (!variant) throw new Error(`unknown variant ${name}: use ${Object.keys(VARIANTS).join(', ')}`);
    const outDir = path.join(work, name);
    const config: TrainConfigFile = {
      batchSize: 16,
      seed,
      ...variant.config,
      training: { ...variant.config.training, timeBudgetMs: minutes * 60_000, threads },
    };
    let lastEval = '';
    const { trainer, test: heldOut } = await prepareTrainJob(
      { corpus, outDir, config, initModel: MEDIA_MODEL_DIR },
      (e) => {
        if (e.type === 'evaluation')
          lastEval = `eval @${e.step}: valid loss ${e.loss.toFixed(3)}${e.improved ? ' (best)' : ''}`;
        if (e.type === 'evaluation') log(`  ${name} ${lastEval}`);
      },
    );
    if (heldOut.length !== splits.test.length) throw new Error('the job split differs from the bench split');
    const finished = await trainer.run();
    trainer.dispose();
    trainer.model.dispose();
    const tuned = await modelOutputs(finished.bestDir ?? path.join(outDir, LAST_DIR), test, workspaceOf);
    scores.push({
      ...score(`fine-tuned (${name})`, tuned, refs, base),
      note: `${finished.step} steps, ${finished.reason}, best valid loss ${finished.bestMetric?.toFixed(3) ?? '-'}`,
    });
  }
  scores.push(score('in-project BM25', projectBaselines(test, workspaces)[BM25_PROJECT]!, refs, base));
  fs.rmSync(work, { recursive: true, force: true });
  return { project, train: splits.train.length, test: test.length, scores };
}

function table(results: readonly ProjectResult[]): string {
  const lines = [
    '| project | train / test | system | chrF | smoothed BLEU-4 | above base (bootstrap, chrF / BLEU) | run |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- |',
  ];
  for (const r of results)
    for (const s of r.scores)
      lines.push(
        `| ${r.project} | ${r.train} / ${r.test} | ${s.system} | ${s.chrf.toFixed(2)} | ${s.sentenceBleu.toFixed(2)} | ` +
          `${s.overBase ? `${(100 * s.overBase.chrf).toFixed(1)}% / ${(100 * s.overBase.sentenceBleu).toFixed(1)}%` : ''} | ${s.note ?? ''} |`,
      );
  const systems = results[0]?.scores.map((s) => s.system) ?? [];
  const baseChrf = mean(results.map((r) => r.scores[0]!.chrf));
  for (const system of systems) {
    const rows = results.map((r) => r.scores.find((s) => s.system === system)!);
    const c = mean(rows.map((s) => s.chrf));
    lines.push(
      `| **average** | | ${system} | ${c.toFixed(2)} | ${mean(rows.map((s) => s.sentenceBleu)).toFixed(2)} | ` +
        `${system === 'base model' ? '' : `${c >= baseChrf ? '+' : ''}${((100 * (c - baseChrf)) / Math.max(1e-9, baseChrf)).toFixed(1)}% chrF vs base`} | |`,
    );
  }
  return lines.join('\n');
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <file>', 'corpus with a project field (default: .cache/corpus/test.jsonl when present)')
    .option('--workspace <file>', 'one project per JSONL file (repeatable)', collect, [])
    .option('--min-functions <n>', 'smallest project used', '300')
    .option('--projects <n>', 'most projects used', '10')
    .option('--project <name>', 'use only this project (repeatable)', collect, [])
    .option('--threads <n>', 'training threads per fine-tune', String(os.availableParallelism()))
    .option('--minutes <n>', 'fine-tuning budget per project', '10')
    .option('--limit <n>', 'test functions decoded per model and project', '300')
    .option('--variant <name>', 'fine-tuning settings (repeatable)', collect, [])
    .option('--json <file>', 'also write the results as JSON')
    .parse()
    .opts<{
      corpus?: string;
      workspace: string[];
      minFunctions: string;
      projects: string;
      project: string[];
      threads: string;
      minutes: string;
      limit: string;
      variant: string[];
      json?: string;
    }>();
  log((await selectBackend({ setting: 'auto' })).reason);
  const projects = new Map<string, CorpusRecord[]>();
  const corpus = opts.corpus ?? path.join(ROOT, '.cache', 'corpus', 'test.jsonl');
  if (opts.corpus || (opts.workspace.length === 0 && fs.existsSync(corpus)))
    for (const [p, rs] of projectsOf(await readCorpus(corpus), Number(opts.minFunctions))) projects.set(p, rs);
  for (const w of opts.workspace) {
    const rs = await readCorpus(w);
    if (rs.length >= Number(opts.minFunctions)) projects.set(path.basename(w, '.jsonl'), rs);
    else log(`${w}: ${rs.length} pairs, fewer than --min-functions; skipped`);
  }
  if (projects.size === 0)
    throw new Error('no workspace to simulate: pass --corpus <test.jsonl with a project field> or --workspace <file>.');
  const variants = opts.variant.length ? opts.variant : ['defaults'];
  const results: ProjectResult[] = [];
  const unknown = opts.project.filter((p) => !projects.has(p));
  if (unknown.length)
    throw new Error(
      `--project ${unknown.join(', ')}: no such project with at least ${opts.minFunctions} functions; ` +
        `choose among ${[...projects.keys()].join(', ')}.`,
    );
  const chosen = [...projects].filter(([p]) => opts.project.length === 0 || opts.project.includes(p));
  for (const [p, rs] of chosen.slice(0, Number(opts.projects))) {
    results.push(await runProject(p, rs, variants, Number(opts.minutes), Number(opts.limit), Number(opts.threads)));
    process.stdout.write(`${table(results.slice(-1))}\n\n`);
  }
  process.stdout.write(
    `budget ${opts.minutes} min per fine-tune, ${opts.threads} training thread(s), ${os.cpus().length} cores\n\n${table(results)}\n`,
  );
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((e: unknown) => {
  log(`bench:finetune failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
