/**
 * CLI commands over corpora:
 * - `mine <dir...> --out corpus.jsonl`: walk folders (gitignore, globs, secret and vendored files
 *   skipped), mine documented functions, drop trivial and duplicate pairs, write JSONL, print
 *   pairs per language; `--splits` also writes seeded train/valid/test files split by file.
 * - `corpus-stats corpus.jsonl`: pairs per language, length percentiles, and vocabulary coverage
 *   (OOV rate of held-out files against train, or byte-fallback rate against `--tokenizer`).
 * Progress goes to stderr (redrawn on a terminal, a line every few seconds otherwise).
 */
import type { Command } from 'commander';
import { buildCorpus, countByLanguage, percentiles, pieceCoverage } from '../mining/corpus';
import { readCorpus, writeCorpus } from '../mining/dataset';
import { splitByFile } from '../mining/dedupSplit';
import { CORPUS_LANGUAGES } from '../parsing/languages';
import { CodeTokenizer } from '../tokenizer/tokenizer';
import { walkSourceFiles, type WalkSkips } from '../mining/walk';
import { integerOption, wholeNumberOption } from './options';
import { checkOutputFile, refusingOutput } from './outputPaths';

interface MineOptions {
  out: string;
  include?: string[];
  exclude?: string[];
  seed: string;
  maxFileKb: string;
  gitignore: boolean;
  splits?: boolean;
  wasmDir?: string;
}

interface StatsOptions {
  tokenizer?: string;
  seed: string;
}

/** A progress line on stderr that redraws itself on a terminal and throttles itself elsewhere. */
function progressReporter(label: string): { update(text: string): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  // The first line waits a moment: short runs print no progress at all.
  let last = Date.now() - (tty ? 0 : 3000);
  let shown = false;
  return {
    update(text: string) {
      const now = Date.now();
      if (now - last < (tty ? 100 : 5000)) return;
      last = now;
      shown = true;
      process.stderr.write(tty ? `\r\x1b[K${label} ${text}` : `${label} ${text}\n`);
    },
    done() {
      if (tty && shown) process.stderr.write('\r\x1b[K');
    },
  };
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) => r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]!) : String(v).padStart(widths[c]!))).join('  '))
    .join('\n');
}

function perLanguageTable(counts: Partial<Record<string, number>>): string {
  const rows: (string | number)[][] = [['language', 'pairs']];
  let total = 0;
  for (const lang of CORPUS_LANGUAGES) {
    const n = counts[lang] ?? 0;
    if (n > 0) rows.push([lang, n]);
    total += n;
  }
  rows.push(['total', total]);
  return table(rows);
}

const SPLIT_NAMES = ['train', 'valid', 'test'] as const;

/** Where `mine --splits` writes a split of the corpus `out`. */
const splitFile = (out: string, name: (typeof SPLIT_NAMES)[number]): string =>
  `${out.replace(/\.jsonl$/, '')}.${name}.jsonl`;

const fmt = (o: Record<string, number | undefined>): string =>
  Object.entries(o)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

async function mineCommand(dirs: string[], opts: MineOptions): Promise<void> {
  const seed = integerOption('--seed', opts.seed);
  const maxFileBytes = wholeNumberOption('--max-file-kb', opts.maxFileKb) * 1024;
  // Every output checked before the walk: never a device, a FIFO, a link or a mined file.
  const inputs = dirs.map((d) => ({ flag: 'argument', path: d }));
  const outputs = [
    { flag: '--out', path: opts.out },
    ...(opts.splits ? SPLIT_NAMES.map((name) => ({ flag: '--splits', path: splitFile(opts.out, name) })) : []),
  ];
  for (const o of outputs) checkOutputFile(o.flag, o.path, inputs);
  const skips: WalkSkips = {};
  const progress = progressReporter('mining');
  const started = Date.now();
  const walked = walkSourceFiles(
    dirs,
    {
      ...(opts.include ? { include: opts.include } : {}),
      ...(opts.exclude ? { exclude: opts.exclude } : {}),
      gitignore: opts.gitignore,
      maxFileBytes,
    },
    skips,
  );
  const files = refusingOutput(walked, outputs);
  const report = await buildCorpus(files, {
    ...(opts.wasmDir ? { wasmDir: opts.wasmDir } : {}),
    onFile: (n, pairs) => progress.update(`${n} files, ${pairs} pairs`),
  });
  progress.done();
  const written = writeCorpus(opts.out, report.pairs);
  const seconds = (Date.now() - started) / 1000;
  const out = process.stdout;
  out.write(`${perLanguageTable(report.perLanguage)}\n`);
  out.write(`${report.mined} pairs mined, ${written} written to ${opts.out}\n`);
  const rate = (n: number): string => (seconds > 0 ? (n / seconds).toFixed(1) : '-');
  const peakMb = process.resourceUsage().maxRSS / 1024;
  out.write(
    `${report.files} files, ${(report.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s: ` +
      `${rate(report.files)} files/s, ${rate(report.bytes / 1e6)} MB/s, peak RSS ${peakMb.toFixed(0)} MB\n`,
  );
  out.write(`files skipped: ${fmt(skips)}\n`);
  out.write(
    `pairs dropped: ${fmt({ ...report.skipped, duplicateCode: report.duplicateCode, duplicatePair: report.duplicatePair })}\n`,
  );
  if (opts.splits) {
    const splits = splitByFile(report.pairs, { seed });
    const base = opts.out.replace(/\.jsonl$/, '');
    for (const name of SPLIT_NAMES) writeCorpus(splitFile(opts.out, name), splits[name]);
    out.write(
      `splits (seed ${seed}, by file): train ${splits.train.length}, valid ${splits.valid.length}, test ${splits.test.length} -> ${base}.{train,valid,test}.jsonl\n`,
    );
  }
}

async function statsCommand(file: string, opts: StatsOptions): Promise<void> {
  const seed = integerOption('--seed', opts.seed);
  const pairs = await readCorpus(file);
  const out = process.stdout;
  out.write(`${perLanguageTable(countByLanguage(pairs))}\n\n`);
  const ps = [50, 90, 95, 99, 100];
  const rows: (string | number)[][] = [['length', ...ps.map((p) => (p === 100 ? 'max' : `p${p}`))]];
  rows.push([
    'code lines',
    ...percentiles(
      pairs.map((p) => p.code.split('\n').length),
      ps,
    ),
  ]);
  rows.push([
    'code chars',
    ...percentiles(
      pairs.map((p) => p.code.length),
      ps,
    ),
  ]);
  rows.push([
    'summary words',
    ...percentiles(
      pairs.map((p) => p.summary.split(/\s+/).filter(Boolean).length),
      ps,
    ),
  ]);
  if (opts.tokenizer) {
    const tok = CodeTokenizer.load(opts.tokenizer);
    rows.push([
      'code tokens',
      ...percentiles(
        pairs.map((p) => tok.encode(p.code).length),
        ps,
      ),
    ]);
    rows.push([
      'summary tokens',
      ...percentiles(
        pairs.map((p) => tok.encode(p.summary).length),
        ps,
      ),
    ]);
    out.write(`${table(rows)}\n\n`);
    const s = tok.stats(pairs.flatMap((p) => [p.code, p.summary]));
    out.write(
      `tokenizer ${opts.tokenizer} (${tok.vocabSize} tokens): OOV (byte-fallback) rate ${((100 * s.byteFallbackTokens) / Math.max(1, s.tokens)).toFixed(3)}% of tokens; ` +
        `${((100 * s.wholePieces) / Math.max(1, s.pieces)).toFixed(1)}% of pieces are one token; ${(s.tokens / Math.max(1, s.pieces)).toFixed(2)} tokens per piece\n`,
    );
  } else {
    out.write(`${table(rows)}\n\n`);
    const c = pieceCoverage(pairs, seed);
    out.write(
      `vocabulary: ${c.trainVocabulary} distinct pieces in train; held-out OOV rate ${(100 * c.oovRate).toFixed(2)}% of ${c.heldOutPieces} pieces (split by file, seed ${seed})\n`,
    );
  }
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerDataCommands(program: Command): void {
  program
    .command('mine')
    .description('mine documented functions from source folders into a JSONL corpus')
    .argument('<dir...>', 'folders (or files) to mine')
    .requiredOption('-o, --out <file>', 'corpus to write (JSONL)')
    .option('--include <glob>', 'only files matching this glob, relative to each folder (repeatable)', collect)
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect)
    .option('--seed <n>', 'seed of the train/valid/test split', '42')
    .option('--max-file-kb <n>', 'skip files larger than this', '512')
    .option('--no-gitignore', 'do not honour .gitignore files')
    .option('--splits', 'also write <out>.train/.valid/.test.jsonl, split by file')
    .option('--wasm-dir <dir>', 'folder with the tree-sitter grammars (default: bundled or node_modules)')
    .action((dirs: string[], opts: MineOptions) => mineCommand(dirs, opts));
  program
    .command('corpus-stats')
    .description('pairs per language, length percentiles and vocabulary coverage of a JSONL corpus')
    .argument('<corpus>', 'corpus file (JSONL)')
    .option('--tokenizer <file>', 'tokenizer.json to measure token lengths and OOV rate against')
    .option('--seed <n>', 'seed of the split used for coverage without a tokenizer', '42')
    .action((file: string, opts: StatsOptions) => statsCommand(file, opts));
}
