/**
 * The project folder the CLI indexes for `search` and `document --index`: mined into a workspace
 * index on each run (the CLI keeps no state between runs). The default folder (the git root, or
 * the files' folder when there is none) is read up to a cap, so that a scratch or home folder is
 * not indexed whole; a folder named with --index is read whole.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FunctionIndex } from '../retrieval/functionIndex';
import { buildFunctionIndex, relativePath, type IndexLimits } from '../mining/indexMining';
import type { ParserPool } from '../parsing/parser';
import { terminalText } from './terminalText';

/** What the default index reads at most. Mutable for tests only. */
export const DEFAULT_INDEX_LIMITS: { maxFiles: number; maxBytes: number } = {
  maxFiles: 5000,
  maxBytes: 50 * 1024 * 1024,
};

/** The folder to index for `files`: the git root above the first one, else its folder. */
export function defaultIndexRoot(files: readonly string[]): string {
  const start = path.resolve(files.length > 0 ? path.dirname(files[0]!) : '.');
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/**
 * Mines `dir` into a workspace index; a clear error when it is not a folder. With `limits` (the
 * default folder), reading stops at them, and a note on stderr says so and names --index.
 */
export async function indexFolder(dir: string, parsers: ParserPool, limits?: IndexLimits): Promise<FunctionIndex> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new Error(`--index ${dir}: no such folder; pass the project folder to index.`);
  const { index, stopped } = await buildFunctionIndex(dir, parsers, limits ? { limits } : {});
  if (stopped)
    process.stderr.write(
      `seq2seq: stopped indexing ${terminalText(dir)} after ${stopped.files.toLocaleString('en-US')} source files ` +
        `(${(stopped.bytes / 1e6).toFixed(1)} MB): without --index, at most ${limits!.maxFiles.toLocaleString('en-US')} files ` +
        `or ${Math.round(limits!.maxBytes / 1024 / 1024)} MB are read, so neighbours and results come from those files only. ` +
        `Pass --index <project folder> to index the project you mean.\n`,
    );
  return index;
}

/**
 * A file given on the command line (relative to the working folder, absolute, or through a
 * symbolic link) as the index names it: relative to the index's root, links resolved on both
 * sides, `/` separators. Outside the root it starts with `../`.
 */
export function pathInIndex(root: string, file: string): string {
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return relativePath(real(root), real(path.resolve(file)));
}
