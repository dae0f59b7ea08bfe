/**
 * `npm run bench:rerank`: noisy-channel (reconstruction) re-ranking on held-out projects, each its
 * own workspace. The beam's candidates for each function are re-scored by how well each predicts
 * the code back in the model's own comment → code direction (ModelRunner.reconstructionScores),
 * and the best of `beam score + weight × reconstruction` is kept. Every function is decoded once;
 * each weight re-ranks the same candidates. The weight is chosen on the first half of the seeded
 * sample (by the smaller of the gains in chrF and smoothed BLEU-4 over weight 0) and reported on
 * the second half, with the paired bootstrap there and the time re-scoring adds per function.
 * Validation projects by default.
 *
 * Flags: --model <dir>, --corpus-dir <dir>, --split valid|test, --per-language <n>, --beam <n>,
 * --weights 0,0.1,... , --json <file>.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { readCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { ModelRunner } from '../../src/inference/modelRunner';
import { pairedBootstrapChrf } from '../../src/training/chrf';
import { PROJECT_SAMPLE_SEED, projectWorkspaceOf, projectWorkspaces } from '../../src/training/projectBenchmark';
import { pairedBootstrap, scoreSystems, seededPerLanguageSample } from '../../src/training/quality';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Decoded {
  readonly texts: string[];
  readonly scores: number[];
  readonly reconstruction: number[];
}

function pick(d: Decoded, weight: number): string {
  let best = 0;
  for (let i = 1; i < d.texts.length; i++)
    if (d.scores[i]! + weight * d.reconstruction[i]! > d.scores[best]! + weight * d.reconstruction[best]!) best = i;
  return d.texts[best] ?? '';
}

function overall(pairs: readonly CorpusRecord[], outputs: string[]): { chrf: number; sentenceBleu: number } {
  const row = scoreSystems(pairs, { x: outputs }).find((r) => r.language === 'all')!;
  return { chrf: row.chrf, sentenceBleu: row.sentenceBleu };
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--model <dir>', 'model folder', path.join(ROOT, 'media', 'models', 'default'))
    .option('--corpus-dir <dir>', 'corpus split by project (npm run corpus:build)', path.join(ROOT, '.cache', 'corpus'))
    .option('--split <name>', 'valid (choose on it) or test', 'valid')
    .option('--per-language <n>', 'functions per language (seeded sample, halved: choose, then confirm)', '40')
    .option('--beam <n>', 'beam size (= candidates re-ranked)', String(DECODING_DEFAULTS.beamSize))
    .option('--weights <list>', 'reconstruction weights tried', '0,0.05,0.1,0.2,0.3,0.5,1')
    .option('--json <file>', 'also write the figures as JSON')
    .parse()
    .opts<{
      model: string;
      corpusDir: string;
      split: string;
      perLanguage: string;
      beam: string;
      weights: string;
      json?: string;
    }>();
  if (o.split !== 'valid' && o.split !== 'test') throw new Error('--split must be valid or test');
  const file = path.join(o.corpusDir, `${o.split}.jsonl`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus first (npm run corpus:build).`);
  const weights = o.weights.split(',').map(Number);
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error('--weights: numbers >= 0, comma-separated');
  const beam = Number(o.beam);
  if (!(Number.isInteger(beam) && beam >= 2)) throw new Error('--beam must be a whole number >= 2');
  process.stderr.write(`${(await selectBackend({ setting: 'auto' })).reason}\n`);
  const records = await readCorpus(file);
  const pairs = seededPerLanguageSample(records, Number(o.perLanguage), PROJECT_SAMPLE_SEED + 7);
  const workspaceOf = projectWorkspaceOf(projectWorkspaces(records));
  const runner = await ModelRunner.load(o.model);
  const decoded: Decoded[] = [];
  let searchMs = 0;
  let rescoreMs = 0;
  try {
    pairs.forEach((r, i) => {
      const t0 = performance.now();
      const t = runner.translate(
        {
          direction: 'code2doc',
          text: r.code,
          language: r.lang,
          decoding: { ...DECODING_DEFAULTS, beamSize: beam, nBest: beam, reuseSimilarity: null },
        },
        workspaceOf(r),
      );
      const t1 = performance.now();
      const texts = t.candidates.map((c) => c.text);
      const reconstruction = runner.reconstructionScores(texts, r.code);
      rescoreMs += performance.now() - t1;
      searchMs += t1 - t0;
      decoded.push({ texts, scores: t.candidates.map((c) => c.score), reconstruction });
      if ((i + 1) % 50 === 0) process.stderr.write(`${i + 1}/${pairs.length}\n`);
    });
  } finally {
    runner.dispose();
  }
  // Halves: every other function of the (language-grouped) sample.
  const half = (k: 0 | 1) => pairs.map((_, i) => i).filter((i) => i % 2 === k);
  const [choose, confirm] = [half(0), half(1)];
  const score = (idx: number[], w: number) =>
    overall(
      idx.map((i) => pairs[i]!),
      idx.map((i) => pick(decoded[i]!, w)),
    );
  const base = score(choose, 0);
  const tried = weights.map((w) => {
    const s = score(choose, w);
    return { weight: w, ...s, gain: Math.min(s.chrf - base.chrf, s.sentenceBleu - base.sentenceBleu) };
  });
  const chosen = tried.reduce((a, b) => (b.gain > a.gain ? b : a));
  const refs = confirm.map((i) => pairs[i]!.summary);
  const plain = confirm.map((i) => pick(decoded[i]!, 0));
  const ranked = confirm.map((i) => pick(decoded[i]!, chosen.weight));
  const confirmed = { plain: score(confirm, 0), reranked: score(confirm, chosen.weight) };
  const boot = pairedBootstrap(refs, ranked, plain);
  const bootChrf = pairedBootstrapChrf(refs, ranked, plain);
  const lines = [
    `${pairs.length} ${o.split} functions (${o.perLanguage} per language, seeded), beam ${beam}; ` +
      `search ${(searchMs / pairs.length).toFixed(0)} ms, re-scoring ${(rescoreMs / pairs.length).toFixed(0)} ms per function`,
    '',
    `| weight | chrF (choosing half) | smoothed BLEU-4 | smaller gain over 0 |`,
    '|---:|---:|---:|---:|',
    ...tried.map((t) => `| ${t.weight} | ${t.chrf.toFixed(2)} | ${t.sentenceBleu.toFixed(2)} | ${t.gain.toFixed(2)} |`),
    '',
    `chosen weight ${chosen.weight}; on the other half (${confirm.length} functions): chrF ${confirmed.reranked.chrf.toFixed(2)} vs ` +
      `${confirmed.plain.chrf.toFixed(2)}, smoothed BLEU-4 ${confirmed.reranked.sentenceBleu.toFixed(2)} vs ${confirmed.plain.sentenceBleu.toFixed(2)}; ` +
      `re-ranked above plain in ${(100 * bootChrf).toFixed(1)}% of paired resamples on chrF, ${(100 * boot.sentenceBleu).toFixed(1)}% on smoothed BLEU-4; ` +
      `${ranked.filter((x, i) => x !== plain[i]).length} of ${confirm.length} outputs changed`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (o.json)
    fs.writeFileSync(
      o.json,
      `${JSON.stringify({ beam, searchMs, rescoreMs, tried, chosen, confirmed, boot, bootChrf }, null, 2)}\n`,
    );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:rerank: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
