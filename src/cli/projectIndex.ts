/**
 * The project folder the CLI indexes for `search` and `document --index`: mined into a workspace
 * index on each run (the CLI keeps no state between runs).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FunctionIndex } from '../data/functionIndex';
import { buildFunctionIndex } from '../data/indexMining';
import type { ParserPool } from '../data/parser';

/** The folder to index for `files`: the git root above the first one, else its folder. */
export function defaultIndexRoot(files: readonly string[]): string {
  const start = path.resolve(files.length > 0 ? path.dirname(files[0]!) : '.');
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** Mines `dir` into a workspace index; a clear error when it is not a folder. */
export async function indexFolder(dir: string, parsers: ParserPool): Promise<FunctionIndex> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new Error(`--index ${dir}: no such folder; pass the project folder to index.`);
  return (await buildFunctionIndex(dir, parsers)).index;
}
