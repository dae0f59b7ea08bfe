/**
 * `npm run bench:quality`: a model on held-out projects, each treated as a workspace (see
 * projects.ts), when the corpus of `npm run corpus:build` is there (`--corpus-dir`, default
 * .cache/corpus): the model under test (`--model`), today's bundled model (`--bundled`), in-project
 * BM25 and the function name, per language, with corpus BLEU-4, smoothed BLEU-4, exact match,
 * chrF and ROUGE-L, paired bootstrap, and 20 functions per language side by side. Flags:
 * --split valid|test, --per-language N, --beam N, --length-penalty A, --length-reward R,
 * --no-reuse, --json <file>, --markdown <file>.
 *
 * `--by-file` (or a `--corpus <file>`) scores the first default model's way instead: the held-out
 * test split by file of the default corpus, against BM25 over its training split. The corpus is `.cache/default-model/corpus.jsonl` when `npm run train:v1` left one; else it
 * is mined again from the pinned sources (seconds). The split is the model's own: its seed is read
 * from the model's config.json, and the recipe's fractions are used, so the test pairs are ones
 * the model never trained on. Flags: --model <dir>, --corpus <file>, --limit N (N pairs shared
 * equally by the languages), --beam N, --length-penalty A, --length-reward R, --no-reuse, --split valid (choose decoding
 * settings on the validation split, never on the test split), --json <file>, --force.
 */
import * as fs from 'fs';
import * as path from 'path';

import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { hasConfigFile, peekConfigFile } from '../../src/data/modelFolder';
import { readCorpus, writeCorpus } from '../../src/data/dataset';
import { splitByFile } from '../../src/data/dedupSplit';
import { readRecipe } from '../../scripts/default-model/recipe';
import {
  bootstrapText,
  languagesNotWon,
  perLanguageSample,
  qualityTable,
  seededPerLanguageSample,
} from '../../src/training/quality';
import { defaultSources, mineSources } from '../../scripts/default-model/sources';
import {
  benchmarkModel,
  EXTENSION_DECODING,
  GENERATED_SYSTEM,
  type DecodeSettings,
} from '../../src/training/predictions';
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
  corpus?: string;
  corpusDir: string;
  byFile: boolean;
  perLanguage: string;
  limit?: string;
  beam: string;
  lengthPenalty: string;
  lengthReward?: string;
  reuse: boolean;
  split: string;
  json?: string;
  markdown?: string;
  force: boolean;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--model <dir>', 'model folder', MEDIA_MODEL_DIR)
    .option('--bundled <dir>', "today's bundled model, scored beside --model (held-out projects)", MEDIA_MODEL_DIR)
    .option('--corpus-dir <dir>', 'corpus split by project (npm run corpus:build)', path.join(ROOT, '.cache', 'corpus'))
    .option('--by-file', "the first default model's benchmark: its own corpus split by file", false)
    .option('--per-language <n>', 'held-out projects: pairs scored per language (a seeded sample)', '200')
    .option('--markdown <file>', 'held-out projects: also write the tables and the side-by-side sample')
    .option('--corpus <file>', 'corpus (default: the one train:v1 mined, else mined now)')
    .option('--limit <n>', 'score only n pairs, shared equally by the languages (the first of each)')
    .option('--beam <n>', 'beam size', String(EXTENSION_DECODING.beamSize))
    .option('--length-penalty <a>', 'GNMT length penalty', String(EXTENSION_DECODING.lengthPenalty))
    .option('--length-reward <r>', "score bonus per output token (default: the model's tuned value)")
    .option(
      '--no-reuse',
      "never answer with a similar training function's summary (default: the model's tuned overlap)",
    )
    .option('--split <name>', 'test, or valid to choose decoding settings without looking at the test split', 'test')
    .option('--json <file>', 'also write the rows as JSON')
    .option('--force', 'score even when the corpus is not the one the model was trained on', false)
    .parse()
    .opts<Options>();
  if (opts.split !== 'test' && opts.split !== 'valid') throw new Error('--split must be test or valid');
  for (const dir of [opts.model, opts.bundled])
    if (!hasConfigFile(dir)) throw new Error(`no model in ${dir}; run npm run train:default or pass --model <dir>.`);
  log((await selectBackend({ setting: 'auto' })).reason);
  const decoding: DecodeSettings = {
    ...EXTENSION_DECODING,
    beamSize: Number(opts.beam),
    lengthPenalty: Number(opts.lengthPenalty),
    ...(opts.lengthReward !== undefined ? { lengthReward: Number(opts.lengthReward) } : {}),
    ...(opts.reuse ? {} : { reuseSimilarity: null }),
  };
  if (opts.byFile || opts.corpus) return byFile(opts, decoding);
  return heldOutProjects(opts, decoding);
}

/** The benchmark on held-out projects, each its own workspace (projects.ts). */
async function heldOutProjects(opts: Options, decoding: DecodeSettings): Promise<void> {
  const file = path.join(opts.corpusDir, `${opts.split}.jsonl`);
  if (!fs.existsSync(file))
    throw new Error(
      `${file} is missing: build the corpus (npm run corpus:build), or pass --by-file for the old benchmark.`,
    );
  const records = await readCorpus(file);
  const perLanguage = Number(opts.perLanguage);
  if (!(Number.isInteger(perLanguage) && perLanguage > 0))
    throw new Error('--per-language must be a positive whole number');
  const pairs = seededPerLanguageSample(records, perLanguage, PROJECT_SAMPLE_SEED);
  const workspaces = projectWorkspaces(records);
  log(`${records.length} ${opts.split} pairs in ${workspaces.size} projects; scoring ${pairs.length}`);
  const models = [
    { name: 'model', dir: opts.model, decoding },
    ...(path.resolve(opts.bundled) !== path.resolve(opts.model) ? [{ name: 'bundled v1', dir: opts.bundled }] : []),
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
    sideBySide(pairs, result.systems, [
      'model',
      generatedName('model'),
      BM25_PROJECT,
      ...(models[1] ? ['bundled v1'] : []),
    ]),
  ].join('\n');
  process.stdout.write(`${text}\n`);
  if (opts.markdown) fs.writeFileSync(opts.markdown, `${text}\n`);
  if (opts.json)
    fs.writeFileSync(
      opts.json,
      `${JSON.stringify({ split: opts.split, decoding, rows: result.rows, bootstrap: result.bootstrap, bootstrapGenerated: result.bootstrapGenerated }, null, 2)}\n`,
    );
}

/** The first default model's benchmark: its own corpus split by file, BM25 over its training split. */
async function byFile(opts: Options, decoding: DecodeSettings): Promise<void> {
  let corpus = opts.corpus ?? path.join(ROOT, '.cache', 'default-model', 'corpus.jsonl');
  if (!opts.corpus && !fs.existsSync(corpus)) {
    log('mining the default corpus from the pinned sources');
    const mined = await mineSources(defaultSources(ROOT));
    fs.mkdirSync(path.dirname(corpus), { recursive: true });
    writeCorpus(corpus, mined.pairs);
  }
  corpus = path.resolve(corpus);
  const recipe = readRecipe();
  const meta = peekConfigFile(opts.model)?.meta;
  const seed = meta?.training?.seed ?? recipe.seed ?? 1;
  const records = await readCorpus(corpus);
  const splits = splitByFile(records, {
    seed,
    validFraction: recipe.validFraction ?? 0.1,
    testFraction: recipe.testFraction ?? 0.1,
  });
  // A corpus mined elsewhere (another python3, other package versions) splits differently, and
  // its test pairs may then include functions the model trained on.
  const trained = meta?.training?.trainPairs;
  if (trained !== undefined && trained !== splits.train.length && !opts.force)
    throw new Error(
      `this corpus gives ${splits.train.length} training pairs, but the model trained on ${trained}: it was mined ` +
        'from other sources (another python3 or package versions), so the test split may overlap the training data. ' +
        'Score with the corpus the model was trained on (--corpus), or pass --force to score anyway.',
    );
  const held = opts.split === 'valid' ? splits.valid : splits.test;
  const test = opts.limit ? perLanguageSample(held, Number(opts.limit)) : held;
  log(`${records.length} pairs; scoring ${test.length} ${opts.split} pairs (split seed ${seed})`);

  const {
    rows,
    reused,
    bootstrap,
    decodeSeconds: seconds,
  } = await benchmarkModel(
    opts.model,
    splits.train,
    test,
    decoding,
    (n) => n % 200 === 0 && log(`decoded ${n}/${test.length}`),
  );
  process.stdout.write(`${qualityTable(rows)}\n\n${bootstrapText(bootstrap, 'model')}\n\n`);
  const notWon = languagesNotWon(rows, 'model', [GENERATED_SYSTEM]);
  process.stdout.write(
    `decoding: beam ${decoding.beamSize}, length penalty ${decoding.lengthPenalty}, length reward ${decoding.lengthReward ?? "the model's"}; ${reused} of ${test.length} outputs a similar training function's summary, reused; ${(seconds / Math.max(1, test.length)) * 1000 < 1 ? '<1' : Math.round((seconds * 1000) / Math.max(1, test.length))} ms per pair\n` +
      (notWon.length === 0
        ? 'the model beats both baselines on both BLEU variants in every language\n'
        : `the model does NOT beat both baselines on both BLEU variants in: ${notWon.join(', ')}\n`),
  );
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify({ decoding, rows, bootstrap }, null, 2)}\n`);
}

main().catch((e: unknown) => {
  log(`bench:quality failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
