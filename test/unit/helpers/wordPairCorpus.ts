/**
 * The synthetic corpus the CLI and training tests learn from: `def <a>_<b>(x)` documented
 * "<a> <b>", the words drawn from six so that a tiny model can learn the task in seconds.
 */
import * as fs from 'fs';

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
