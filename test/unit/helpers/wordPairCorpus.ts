/**
 * The synthetic corpus the CLI and training tests learn from: `def <a>_<b>(x)` documented
 * "<a> <b>", the words drawn from six so that a tiny model can learn the task in seconds.
 */
import * as fs from 'fs';
import * as path from 'path';

const WORDS = ['get', 'set', 'user', 'name', 'file', 'path'];

export interface WordPairCorpusOptions {
  /** Pairs written. */
  readonly pairs: number;
  /** Files they are spread over (`f0.py` ...), which the by-file splits need. */
  readonly files: number;
  /** Each pair's language (default python). */
  readonly lang?: (i: number) => string;
}

/** Writes the corpus as JSONL to `file`. */
export function writeWordPairCorpus(file: string, o: WordPairCorpusOptions): void {
  const lines = Array.from({ length: o.pairs }, (_, i) => {
    const [a, b] = [WORDS[i % 6]!, WORDS[(i * 5 + 2) % 6]!];
    return JSON.stringify({
      lang: o.lang?.(i) ?? 'python',
      path: `f${i % o.files}.py`,
      code: `def ${a}_${b}(x):\n    return x`,
      summary: `${a} ${b}`,
    });
  });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * The recipe tests' corpus folder: train.jsonl, valid.jsonl and test.jsonl split by project
 * (train: a, b; valid: c; test: d), languages alternating python and javascript, four files per
 * project, so retrieval finds neighbours in each function's own project.
 */
export function writeProjectSplitCorpus(dir: string): void {
  const splits: [string, string[], number][] = [
    ['train', ['a', 'b'], 32],
    ['valid', ['c'], 12],
    ['test', ['d'], 8],
  ];
  for (const [split, projects, n] of splits) {
    const lines: string[] = [];
    for (const p of projects)
      for (let i = 0; i < n; i++) {
        const [a, b] = [WORDS[i % 6]!, WORDS[(i * 5 + 2) % 6]!];
        lines.push(
          JSON.stringify({
            project: p,
            lang: i % 2 ? 'python' : 'javascript',
            path: `${p}/f${i % 4}`,
            name: `${a}_${b}`,
            line: 1 + i,
            code: `def ${a}_${b}(x): return x`,
            summary: `${a} ${b}`,
          }),
        );
      }
    fs.writeFileSync(path.join(dir, `${split}.jsonl`), `${lines.join('\n')}\n`);
  }
}
