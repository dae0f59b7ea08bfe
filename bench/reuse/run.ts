/**
 * `npm run bench:reuse`: what the reuse gate (src/inference/modelRunner.ts reuseConflicts) does on
 * held-out projects, each its own workspace. Every function is decoded once (the beam's own
 * output); then the two rules pick the shipped text: reuse a near-copy neighbour's summary from the
 * model's tuned overlap (before), and the same unless the summary names something only the
 * neighbour's code has (after). Prints the counts, chrF and smoothed BLEU-4 of both and of the beam
 * alone, the paired bootstrap of after against before, and every function the gate changed
 * (reference, the refused summary with the words that stopped it, what is inserted instead) so a
 * reader can judge them. Validation projects by default; choose on them, not on test.
 *
 * Flags: --model <dir> (default: the bundled model), --corpus-dir <dir>, --split valid|test,
 * --per-language <n> (seeded sample), --json <file>.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { readCorpus } from '../../src/mining/dataset';
import { ModelRunner, reusableSummary, reuseConflicts } from '../../src/inference/modelRunner';
import { PROJECT_SAMPLE_SEED, projectWorkspaceOf, projectWorkspaces } from '../../src/training/projectBenchmark';
import { pairedBootstrap, qualityTable, scoreSystems, seededPerLanguageSample } from '../../src/training/quality';
import { pairedBootstrapChrf } from '../../src/training/chrf';

const ROOT = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  const o = new Command()
    .option('--model <dir>', 'model folder', path.join(ROOT, 'media', 'models', 'default'))
    .option('--corpus-dir <dir>', 'corpus split by project (npm run corpus:build)', path.join(ROOT, '.cache', 'corpus'))
    .option('--split <name>', 'valid (choose on it) or test', 'valid')
    .option('--per-language <n>', 'functions per language (seeded sample)', '40')
    .option('--json <file>', 'also write the figures and the changed functions as JSON')
    .parse()
    .opts<{ model: string; corpusDir: string; split: string; perLanguage: string; json?: string }>();
  if (o.split !== 'valid' && o.split !== 'test') throw new Error('--split must be valid or test');
  const file = path.join(o.corpusDir, `${o.split}.jsonl`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus first (npm run corpus:build).`);
  const perLanguage = Number(o.perLanguage);
  if (!(Number.isInteger(perLanguage) && perLanguage > 0))
    throw new Error('--per-language must be a positive whole number');
  process.stderr.write(`${(await selectBackend({ setting: 'auto' })).reason}\n`);
  const records = await readCorpus(file);
  // Another seed than the checkpoint and decoding choices of the recipe (PROJECT_SAMPLE_SEED).
  const pairs = seededPerLanguageSample(records, perLanguage, PROJECT_SAMPLE_SEED + 7);
  const workspaceOf = projectWorkspaceOf(projectWorkspaces(records));
  const runner = await ModelRunner.load(o.model);
  const threshold = runner.tunedReuseSimilarity;
  const generated: string[] = [];
  const before: string[] = [];
  const after: string[] = [];
  const changed: {
    name: string;
    lang: string;
    reference: string;
    refused: string;
    words: string[];
    inserted: string;
  }[] = [];
  try {
    pairs.forEach((r, i) => {
      const t = runner.translate(
        {
          direction: 'code2doc',
          text: r.code,
          language: r.lang,
          decoding: { ...DECODING_DEFAULTS, reuseSimilarity: null },
        },
        workspaceOf(r),
      );
      const own = t.candidates[0]?.text ?? '';
      const n = t.neighbour;
      const old = reusableSummary(n && { summary: n.summary, similarity: n.similarity }, threshold);
      const now = reusableSummary(n, threshold);
      generated.push(own);
      before.push(old ?? own);
      after.push(now ?? own);
      if (n && old !== undefined && now === undefined)
        changed.push({
          name: r.name,
          lang: r.lang,
          reference: r.summary,
          refused: old,
          words: reuseConflicts(n.summary, n.unshared ?? []),
          inserted: own,
        });
      if ((i + 1) % 50 === 0) process.stderr.write(`${i + 1}/${pairs.length}\n`);
    });
  } finally {
    runner.dispose();
  }
  const reused = (outs: string[]) => outs.filter((x, i) => x !== generated[i]).length;
  const rows = scoreSystems(pairs, { 'reuse before': before, 'reuse gated': after, 'beam only': generated });
  const refs = pairs.map((p) => p.summary);
  const boot = pairedBootstrap(refs, after, before);
  const bootChrf = pairedBootstrapChrf(refs, after, before);
  const lines = [
    `${pairs.length} ${o.split} functions (${perLanguage} per language, seeded), reuse from overlap ${String(threshold)}: ` +
      `${reused(before)} reused before, ${reused(after)} after (${changed.length} refused by the gate)`,
    '',
    qualityTable(rows.filter((r) => r.language === 'all')),
    '',
    `gated above before in ${(100 * bootChrf).toFixed(1)}% of paired resamples on chrF, ${(100 * boot.sentenceBleu).toFixed(1)}% on smoothed BLEU-4 ` +
      '(only the changed functions differ)',
    '',
    ...changed.map(
      (c) =>
        `- ${c.lang} ${c.name}: reference "${c.reference}" | refused "${c.refused}" (names ${c.words.join(', ')}) | inserted "${c.inserted}"`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify({ threshold, rows, boot, bootChrf, changed }, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:reuse: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
