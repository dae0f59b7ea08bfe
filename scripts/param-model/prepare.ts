/**
 * `npm run train:params` step 1: the parameter-description model's corpus, made from the corpus of
 * `npm run corpus:build` (split by project): one pair per documented parameter, the source being
 * the parameter's name and the function's code (src/retrieval/paramDescriptions.ts `paramSourceText`),
 * the target its description. Writes `<out>/{train,valid,test}.jsonl` in the corpus format that
 * `seq2seq train --valid --test` reads, the validation file a seeded sample (`--valid-pairs`, per
 * language) so evaluations stay short. Then train with the printed command.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { readCorpus, writeCorpus, type CorpusRecord } from '../../src/mining/dataset';
import type { CorpusLanguage } from '../../src/parsing/languages';
import { paramPairs, type ParamPair } from '../../src/retrieval/paramDescriptions';
import { seededPerLanguageSample } from '../../src/training/quality';
import { REPO_ROOT } from '../paths';

const log = (line: string): void => void process.stderr.write(`[train:params] ${line}\n`);

/** A parameter pair in the corpus format (its description as the summary). */
export function paramRecord(p: ParamPair): CorpusRecord {
  return {
    lang: p.lang as CorpusLanguage,
    ...(p.project !== undefined ? { project: p.project } : {}),
    path: p.path,
    name: p.name,
    line: p.line,
    code: p.code,
    doc: p.description,
    summary: p.description,
    params: [],
    throws: [],
  };
}

async function main(): Promise<void> {
  const opts = new Command()
    .option(
      '--corpus <dir>',
      'corpus split by project (npm run corpus:build)',
      path.join(REPO_ROOT, '.cache', 'corpus'),
    )
    .option('--out <dir>', 'where the parameter corpus goes', path.join(REPO_ROOT, '.cache', 'param-model', 'corpus'))
    .option('--valid-pairs <n>', 'validation pairs per language scored at each evaluation', '200')
    .option('--seed <n>', 'sampling seed', '5')
    .parse()
    .opts<{ corpus: string; out: string; validPairs: string; seed: string }>();
  fs.mkdirSync(opts.out, { recursive: true });
  for (const split of ['train', 'valid', 'test'] as const) {
    const file = path.join(opts.corpus, `${split}.jsonl`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus first (npm run corpus:build).`);
    let pairs = paramPairs(await readCorpus(file));
    if (split === 'valid') pairs = seededPerLanguageSample(pairs, Number(opts.validPairs), Number(opts.seed));
    const n = writeCorpus(path.join(opts.out, `${split}.jsonl`), pairs.map(paramRecord));
    log(`${split}: ${n} parameter descriptions`);
  }
  const d = path.relative(process.cwd(), opts.out);
  log(
    `next: node out/src/cli/bin.js train --corpus ${d}/train.jsonl --valid ${d}/valid.jsonl --test ${d}/test.jsonl ` +
      `--config scripts/param-model/config.json --out .cache/param-model/run --minutes 60`,
  );
}

if (require.main === module)
  main().catch((e: unknown) => {
    log(`failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
