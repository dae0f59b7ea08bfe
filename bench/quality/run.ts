/**
 * `npm run bench:quality`: a model on held-out projects, each treated as a workspace (see
 * projects.ts), when the corpus of `npm run corpus:build` is there (`--corpus-dir`, default
 * .cache/corpus): the model under test (`--model`), today's bundled model (`--bundled`), in-project
 * BM25 and the function name, per language, with corpus BLEU-4, smoothed BLEU-4, exact match,
 * chrF and ROUGE-L, paired bootstrap, and 20 functions per language side by side. Flags:
 * --split valid|test, --per-language N, --beam N, --length-penalty A, --length-reward R,
 * --no-reuse, --json <file>, --markdown <file>.
 */
import * as fs from 'fs';
import * as path from 'path';

import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { DECODING_DEFAULTS, type Decoding } from '../../src/core/decoding';
import { hasConfigFile } from '../../src/modelFolder/format';
import { readCorpus } from '../../src/mining/dataset';
import { seededPerLanguageSample } from '../../src/training/quality';
import {
  generatedName,
  projectBenchmark,
  projectReport,
  PROJECT_SAMPLE_SEED,
  projectWorkspaces,
  sideBySide,
  BM25_PROJECT,
} from '../../src/training/projectBenchmark';
import { REPO_ROOT as ROOT, MEDIA_MODEL_DIR } from '../../scripts/paths';

const log = (s: string): void => void process.stderr.write(`${s}\n`);

interface Options {
  model: string;
  bundled: string;
  corpusDir: string;
  perLanguage: string;
  beam: string;
  lengthPenalty: string;
  lengthReward?: string;
  reuse: boolean;
  split: string;
  json?: string;
  markdown?: string;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--model <dir>', 'model folder', MEDIA_MODEL_DIR)
    .option('--bundled <dir>', "today's bundled model, scored beside --model", MEDIA_MODEL_DIR)
    .option('--corpus-dir <dir>', 'corpus split by project (npm run corpus:build)', path.join(ROOT, '.cache', 'corpus'))
    .option('--per-language <n>', 'pairs scored per language (a seeded sample)', '200')
    .option('--markdown <file>', 'also write the tables and the side-by-side sample')
    .option('--beam <n>', 'beam size', String(DECODING_DEFAULTS.beamSize))
    .option('--length-penalty <a>', 'GNMT length penalty', String(DECODING_DEFAULTS.lengthPenalty))
    .option('--length-reward <r>', "score bonus per output token (default: the model's tuned value)")
    .option(
      '--no-reuse',
      "never answer with a similar training function's summary (default: the model's tuned overlap)",
    )
    .option('--split <name>', 'test, or valid to choose decoding settings without looking at the test split', 'test')
    .option('--json <file>', 'also write the rows as JSON')
    .parse()
    .opts<Options>();
  if (opts.split !== 'test' && opts.split !== 'valid') throw new Error('--split must be test or valid');
  for (const dir of [opts.model, opts.bundled])
    if (!hasConfigFile(dir)) throw new Error(`no model in ${dir}; run npm run train:default or pass --model <dir>.`);
  log((await selectBackend({ setting: 'auto' })).reason);
  const decoding: Decoding = {
    ...DECODING_DEFAULTS,
    beamSize: Number(opts.beam),
    lengthPenalty: Number(opts.lengthPenalty),
    ...(opts.lengthReward !== undefined ? { lengthReward: Number(opts.lengthReward) } : {}),
    ...(opts.reuse ? {} : { reuseSimilarity: null }),
  };
  return heldOutProjects(opts, decoding);
}

/**
 * The bundled model's name in the tables: `bundled v2` from its card's title (MODEL.md, `# ...
 * version 2`), or `bundled` when the folder has no card that says a version.
 */
function bundledName(dir: string): string {
  const card = path.join(dir, 'MODEL.md');
  const title = fs.existsSync(card) ? fs.readFileSync(card, 'utf8').split('\n', 1)[0]! : '';
  const version = /\bversion (\S+)/.exec(title)?.[1];
  return version ? `bundled v${version}` : 'bundled';
}

/** The benchmark on held-out projects, each its own workspace (projects.ts). */
async function heldOutProjects(opts: Options, decoding: Decoding): Promise<void> {
  const file = path.join(opts.corpusDir, `${opts.split}.jsonl`);
  if (!fs.existsSync(file))
    throw new Error(`${file} is missing: build the corpus (npm run corpus:build), or pass --corpus-dir <dir>.`);
  const records = await readCorpus(file);
  const perLanguage = Number(opts.perLanguage);
  if (!(Number.isInteger(perLanguage) && perLanguage > 0))
    throw new Error('--per-language must be a positive whole number');
  const pairs = seededPerLanguageSample(records, perLanguage, PROJECT_SAMPLE_SEED);
  const workspaces = projectWorkspaces(records);
  log(`${records.length} ${opts.split} pairs in ${workspaces.size} projects; scoring ${pairs.length}`);
  const bundled = bundledName(opts.bundled);
  const models = [
    { name: 'model', dir: opts.model, decoding },
    ...(path.resolve(opts.bundled) !== path.resolve(opts.model) ? [{ name: bundled, dir: opts.bundled }] : []),
  ];
  const result = await projectBenchmark(models, pairs, workspaces, (m, n) => {
    if (n % 200 === 0) log(`${m}: decoded ${n}/${pairs.length}`);
  });
  const o = result.outputs.model!;
  const summary =
    `decoding: beam ${decoding.beamSize}, length penalty ${decoding.lengthPenalty}, length reward ${decoding.lengthReward ?? "the model's"}; ` +
    `${o.reused} of ${pairs.length} outputs a workspace neighbour's summary, reused; ${Math.round(o.msPerPair)} ms per pair`;
  const text = [
    `### ${opts.split} projects: ${pairs.length} functions (${perLanguage} per language at most, seeded sample)\n`,
    projectReport(result),
    '',
    summary,
    '',
    `### 20 ${opts.split} functions per language (seeded sample, fixed before any result)\n`,
    sideBySide(pairs, result.systems, ['model', generatedName('model'), BM25_PROJECT, ...(models[1] ? [bundled] : [])]),
  ].join('\n');
  process.stdout.write(`${text}\n`);
  if (opts.markdown) fs.writeFileSync(opts.markdown, `${text}\n`);
  if (opts.json)
    fs.writeFileSync(
      opts.json,
      `${JSON.stringify({ split: opts.split, decoding, rows: result.rows, bootstrap: result.bootstrap, bootstrapGenerated: result.bootstrapGenerated }, null, 2)}\n`,
    );
}

main().catch((e: unknown) => {
  log(`bench:quality failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
