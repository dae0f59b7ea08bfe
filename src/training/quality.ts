/**
 * Quality scores of code→comment systems on the same pairs, per language and overall: corpus
 * BLEU-4, smoothed sentence BLEU-4, exact match (bleu.ts: lower-cased `[\w]+|[^\s\w]` tokens;
 * references are the full first-sentence summaries), corpus chrF (chrf.ts) and ROUGE-L (rouge.ts). Pure: used by `npm run bench:quality`, the
 * default model's card and the extension's Evaluate Model command.
 */
import type { CorpusRecord } from '../mining/dataset';
import { seededRandom, shuffleInPlace } from '../mining/random';
import {
  averageSentenceBleu,
  bleuFromStats,
  bleuStats,
  bleuTokens,
  corpusBleuText,
  exactMatch,
  MAX_ORDER,
  sumStats,
} from './bleu';
import { bootstrapShares, totalAhead } from './bootstrap';
import { corpusChrf, pairedBootstrapChrf } from './chrf';
import { averageRougeL } from './rouge';

export interface QualityRow {
  readonly language: string;
  readonly system: string;
  readonly count: number;
  /** Corpus BLEU-4, 0-100. */
  readonly bleu: number;
  /** Mean smoothed sentence BLEU-4, 0-100. */
  readonly sentenceBleu: number;
  /** Exact match after lower-casing and tokenizing, 0-100. */
  readonly exactMatch: number;
  /**
   * Output tokens over reference tokens, summed over the pairs: below 1, corpus BLEU's brevity
   * penalty `exp(1 - 1 / ratio)` scales the score down.
   */
  readonly lengthRatio: number;
  /** Corpus chrF (character 6-grams, beta 2), 0-100. */
  readonly chrf: number;
  /** Mean sentence ROUGE-L F (beta 1.2), 0-100. */
  readonly rougeL: number;
}

/** Scores each system per language and over all languages ('all'). */
export function scoreSystems(
  test: readonly CorpusRecord[],
  systems: Readonly<Record<string, readonly string[]>>,
): QualityRow[] {
  const languages = [...new Set(test.map((r) => r.lang))].sort();
  const rows: QualityRow[] = [];
  for (const language of [...languages, 'all']) {
    const idx = test.map((r, i) => (language === 'all' || r.lang === language ? i : -1)).filter((i) => i >= 0);
    const refs = idx.map((i) => test[i]!.summary);
    for (const [system, outputs] of Object.entries(systems)) {
      if (outputs.length !== test.length)
        throw new Error(`${system} has ${outputs.length} outputs for ${test.length} pairs`);
      const hyps = idx.map((i) => outputs[i]!);
      rows.push({
        language,
        system,
        count: idx.length,
        bleu: 100 * corpusBleuText(hyps, refs),
        sentenceBleu: 100 * averageSentenceBleu(hyps, refs),
        exactMatch: 100 * exactMatch(hyps, refs),
        lengthRatio: tokenCount(hyps) / Math.max(1, tokenCount(refs)),
        chrf: corpusChrf(hyps, refs),
        rougeL: 100 * averageRougeL(hyps, refs),
      });
    }
  }
  return rows;
}

const tokenCount = (texts: readonly string[]): number => texts.reduce((n, t) => n + bleuTokens(t).length, 0);

/** A Markdown table of the rows. */
export function qualityTable(rows: readonly QualityRow[]): string {
  const lines = [
    '| language | system | pairs | corpus BLEU-4 | smoothed BLEU-4 | exact match % | length ratio | chrF | ROUGE-L |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.language} | ${r.system} | ${r.count} | ${r.bleu.toFixed(2)} | ${r.sentenceBleu.toFixed(2)} | ${r.exactMatch.toFixed(1)} | ${r.lengthRatio.toFixed(2)} | ${r.chrf.toFixed(2)} | ${r.rougeL.toFixed(2)} |`,
    );
  return lines.join('\n');
}

/**
 * Languages where `system` does not beat every other system (but those in `ignore`, such as
 * variants of itself) on both BLEUs; empty: it wins everywhere.
 */
export function languagesNotWon(rows: readonly QualityRow[], system: string, ignore: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const language of new Set(rows.map((r) => r.language))) {
    const mine = rows.find((r) => r.language === language && r.system === system);
    const others = rows.filter((r) => r.language === language && r.system !== system && !ignore.includes(r.system));
    if (!mine || others.some((o) => o.bleu >= mine.bleu || o.sentenceBleu >= mine.sentenceBleu)) out.push(language);
  }
  return out;
}

/**
 * The pairs reordered round-robin over languages (each language keeping its order), so every
 * prefix is shared by the languages as evenly as they allow: a corpus in file order starts with
 * one language, and an evaluation of its first N pairs would measure that language alone.
 */
export function interleaveLanguages<R extends Pick<CorpusRecord, 'lang'>>(pairs: readonly R[]): R[] {
  const queues = [...new Set(pairs.map((r) => r.lang))].sort().map((lang) => pairs.filter((r) => r.lang === lang));
  const out: R[] = [];
  for (let i = 0; out.length < pairs.length; i++) for (const q of queues) if (i < q.length) out.push(q[i]!);
  return out;
}

/**
 * Up to `n` pairs, the same number from each language (a language with fewer gives all it has),
 * the first of each in the given order. A split keeps the corpus order, so its first pairs are
 * often all one language.
 */
export function perLanguageSample<R extends { readonly lang: string }>(pairs: readonly R[], n: number): R[] {
  const languages = [...new Set(pairs.map((r) => r.lang))].sort();
  const each = Math.ceil(n / Math.max(1, languages.length));
  return languages.flatMap((lang) => pairs.filter((r) => r.lang === lang).slice(0, each));
}

/**
 * At most `perLanguage` items of each language (all of a language with fewer), each language
 * shuffled with its own generator seeded by `seed`, languages in sorted order: the same seed and
 * items give the same sample, and a language's sample does not depend on the other languages.
 */
export function seededPerLanguageSample<R extends { readonly lang: string }>(
  items: readonly R[],
  perLanguage: number,
  seed: number,
): R[] {
  const languages = [...new Set(items.map((r) => r.lang))].sort();
  return languages.flatMap((lang) =>
    shuffleInPlace(
      items.filter((r) => r.lang === lang),
      seededRandom(seed),
    ).slice(0, perLanguage),
  );
}

export interface BootstrapResult {
  /** Share of resampled test sets on which A's corpus BLEU-4 is higher than B's (0..1). */
  readonly bleu: number;
  /** The same for smoothed sentence BLEU-4. */
  readonly sentenceBleu: number;
  readonly samples: number;
}

/**
 * Paired bootstrap resampling (Koehn 2004, "Statistical Significance Tests for Machine
 * Translation Evaluation"): draws `samples` test sets of the same size from the pairs, with
 * replacement, scores both systems on each and counts how often A wins. 0.95 or more is the
 * usual bar for "A is better, not just luckier on this test set".
 */
export function pairedBootstrap(
  references: readonly string[],
  a: readonly string[],
  b: readonly string[],
  samples = 1000,
  seed = 1,
): BootstrapResult {
  if (a.length !== references.length || b.length !== references.length)
    throw new Error('pairedBootstrap: every system needs one output per reference');
  const refs = references.map(bleuTokens);
  const stats = (outs: readonly string[]) => outs.map((o, i) => bleuStats(bleuTokens(o), refs[i]!));
  const sa = stats(a);
  const sb = stats(b);
  const sentence = (s: ReturnType<typeof stats>) => s.map((x) => bleuFromStats(x, true, true));
  const corpus = (s: ReturnType<typeof stats>, idx: readonly number[]) =>
    bleuFromStats(
      sumStats(
        idx.map((i) => s[i]!),
        MAX_ORDER,
      ),
      false,
    );
  const shares = bootstrapShares(
    references.length,
    { bleu: (idx) => corpus(sa, idx) > corpus(sb, idx), sentenceBleu: totalAhead(sentence(sa), sentence(sb)) },
    samples,
    seed,
  );
  return { ...shares, samples };
}

/**
 * The sentence-BLEU share of {@link pairedBootstrap} on each pair's smoothed sentence BLEU-4,
 * already computed (the guard's rows): the share of resamples on which A's mean is higher.
 */
export function pairedBootstrapSentence(a: readonly number[], b: readonly number[], samples = 1000, seed = 1): number {
  if (a.length !== b.length) throw new Error('pairedBootstrapSentence: both systems need the same pairs');
  return bootstrapShares(a.length, { sentenceBleu: totalAhead(a, b) }, samples, seed).sentenceBleu;
}

export interface BootstrapRow extends BootstrapResult {
  readonly language: string;
  readonly baseline: string;
  /** Share of the resamples on which the system's corpus chrF is above the baseline's (0..1). */
  readonly chrf: number;
}

/** {@link pairedBootstrap} of `system` against each of `baselines`, per language. */
export function bootstrapRows(
  test: readonly Pick<CorpusRecord, 'lang' | 'summary'>[],
  systems: Readonly<Record<string, readonly string[]>>,
  system: string,
  baselines: readonly string[],
  samples = 1000,
): BootstrapRow[] {
  const rows: BootstrapRow[] = [];
  for (const language of [...new Set(test.map((r) => r.lang))].sort()) {
    const idx = test.map((r, i) => (r.lang === language ? i : -1)).filter((i) => i >= 0);
    const pick = (outs: readonly string[]) => idx.map((i) => outs[i]!);
    for (const baseline of baselines) {
      const refs = pick(test.map((t) => t.summary));
      const a = pick(systems[system]!);
      const b = pick(systems[baseline]!);
      const r = pairedBootstrap(refs, a, b, samples);
      rows.push({ language, baseline, ...r, chrf: pairedBootstrapChrf(refs, a, b, samples) });
    }
  }
  return rows;
}

/** One line per language and baseline: how often the system wins under resampling. */
export function bootstrapText(rows: readonly BootstrapRow[], system: string): string {
  return rows
    .map(
      (r) =>
        `${r.language}: ${system} above ${r.baseline} in ${(100 * r.bleu).toFixed(1)}% of ${r.samples} paired bootstrap resamples on corpus BLEU-4, ${(100 * r.sentenceBleu).toFixed(1)}% on smoothed BLEU-4, ${(100 * r.chrf).toFixed(1)}% on chrF`,
    )
    .join('\n');
}
