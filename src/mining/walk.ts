/**
 * Walks folders for minable source files: supported languages only, `.gitignore` files honoured
 * (nested ones too, with the `ignore` package's git semantics), the user's include/exclude globs
 * (picomatch, relative to each root) applied, vendored/build folders never entered, secret-looking
 * files never opened, and the file rules of filters.ts applied before a file is yielded.
 */
import * as fs from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import {
  DEFAULT_MAX_FILE_BYTES,
  fileSkipReason,
  isExcludedDir,
  isSecretPath,
  type FileFilterOptions,
  type InputSkipReason,
} from './filters';
import { readGuarded, readGuardedTextSync, type ReadProblem } from '../files/guardedRead';
import { languageOfPath } from '../parsing/languages';
import type { SourceFile } from './mine';

export interface WalkOptions extends FileFilterOptions {
  /** Globs a file must match (relative to its root); default: every supported extension. */
  readonly include?: readonly string[];
  /** Globs never mined (relative to the root). */
  readonly exclude?: readonly string[];
  /** Honour `.gitignore` files. Default true. */
  readonly gitignore?: boolean;
}

/** What the walk skipped, by reason; filled in as the walk goes. */
export type WalkSkips = Partial<Record<InputSkipReason | 'gitignored' | 'excluded', number>>;

interface IgnoreScope {
  readonly base: string;
  readonly rules: Ignore;
}

function loadGitignore(dir: string): IgnoreScope | undefined {
  const file = path.join(dir, '.gitignore');
  try {
    // A regular file of at most 1 MiB: a .gitignore linked to a device or a pipe is not read.
    return { base: dir, rules: ignore().add(readGuardedTextSync(file, { maxBytes: 1024 * 1024 })) };
  } catch {
    return undefined;
  }
}

function ignoredBy(scopes: readonly IgnoreScope[], abs: string, isDir: boolean): boolean {
  for (const s of scopes) {
    const rel = path.relative(s.base, abs).split(path.sep).join('/');
    if (rel && !rel.startsWith('..') && s.rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

/**
 * Reads one source file with the miner's rules: a regular file (symbolic links followed, so a
 * link to /dev/zero is refused as a device), no larger than the limit (checked before reading,
 * and no more than the limit is ever read), no NUL bytes, valid UTF-8, then the content rules
 * of filters.ts. `rel` is the path the name rules see.
 */
export async function readSourceFile(
  file: string,
  rel: string,
  options: FileFilterOptions = {},
): Promise<{ content: string } | { reason: InputSkipReason }> {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (isSecretPath(rel)) return { reason: 'secret' };
  try {
    // The guarded reader: a regular file (a device or pipe refused from its stat, opened
    // non-blocking), its size checked first, no more than that size read.
    let bytes: Buffer;
    try {
      bytes = await readGuarded(file, { maxBytes: max });
    } catch (e) {
      const problem = (e as { problem?: ReadProblem }).problem;
      return { reason: problem === 'notAFile' ? 'notAFile' : problem === 'tooLarge' ? 'tooLarge' : 'unreadable' };
    }
    if (bytes.subarray(0, 8000).includes(0)) return { reason: 'binary' };
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { reason: 'invalidUtf8' };
    }
    const why = fileSkipReason(rel, content, options);
    return why ? { reason: why } : { content };
  } catch {
    return { reason: 'unreadable' };
  }
}

/** Yields `{path, content}` for each minable file under the roots, in a stable (sorted) order. */
export async function* walkSourceFiles(
  roots: readonly string[],
  options: WalkOptions = {},
  skips: WalkSkips = {},
): AsyncGenerator<SourceFile> {
  const count = (why: keyof WalkSkips): void => {
    skips[why] = (skips[why] ?? 0) + 1;
  };
  const include = options.include?.length ? picomatch(options.include as string[], { dot: true }) : undefined;
  const exclude = options.exclude?.length ? picomatch(options.exclude as string[], { dot: true }) : undefined;
  for (const root of roots) {
    const rootAbs = path.resolve(root);
    const stat = await fs.promises.stat(rootAbs).catch(() => {
      throw new Error(`cannot mine ${root}: no such file or folder`);
    });
    const stack: { dir: string; scopes: IgnoreScope[] }[] = [];
    const files: string[] = [];
    if (stat.isFile()) files.push(rootAbs);
    else stack.push({ dir: rootAbs, scopes: [] });
    // Depth-first over folders, each folder's files in name order.
    while (stack.length > 0 || files.length > 0) {
      if (files.length === 0) {
        const { dir, scopes: parentScopes } = stack.pop()!;
        const own = options.gitignore === false ? undefined : loadGitignore(dir);
        const scopes = own ? [...parentScopes, own] : parentScopes;
        let entries: fs.Dirent[];
        try {
          entries = await fs.promises.readdir(dir, { withFileTypes: true });
        } catch {
          count('unreadable');
          continue;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const subdirs: string[] = [];
        for (const e of entries) {
          const abs = path.join(dir, e.name);
          const rel = path.relative(rootAbs, abs).split(path.sep).join('/');
          if (e.isDirectory()) {
            if (isExcludedDir(e.name)) count('vendored');
            else if (ignoredBy(scopes, abs, true)) count('gitignored');
            else if (exclude?.(rel) || exclude?.(`${rel}/`)) count('excluded');
            else subdirs.push(abs);
          } else if (e.isFile()) {
            if (isSecretPath(e.name)) count('secret');
            else if (!languageOfPath(e.name)) continue;
            else if (ignoredBy(scopes, abs, false)) count('gitignored');
            else if (exclude?.(rel) || (include && !include(rel))) count('excluded');
            else files.push(abs);
          }
        }
        for (const d of subdirs.reverse()) stack.push({ dir: d, scopes });
        files.reverse();
        continue;
      }
      const file = files.pop()!;
      const rel = stat.isFile() ? path.basename(file) : path.relative(rootAbs, file).split(path.sep).join('/');
      const displayPath = (stat.isFile() ? root : path.join(root, rel)).split(path.sep).join('/');
      const read = await readSourceFile(file, rel, options);
      if ('reason' in read) count(read.reason);
      else yield { path: displayPath, content: read.content };
    }
  }
}

/**
 * Whether the walk of `root` would yield the file `file` (absolute, with this content): the
 * same language, secret, folder, `.gitignore`, glob and file rules, for re-mining one saved file.
 */
export function walkAdmits(root: string, file: string, content: string, options: WalkOptions = {}): boolean {
  const rootAbs = path.resolve(root);
  const abs = path.resolve(file);
  const rel = path.relative(rootAbs, abs).split(path.sep).join('/');
  if (!rel || rel.startsWith('../') || path.isAbsolute(rel)) return false;
  if (!languageOfPath(abs) || isSecretPath(abs)) return false;
  const dirs = rel.split('/').slice(0, -1);
  if (dirs.some(isExcludedDir)) return false;
  if (options.gitignore !== false) {
    const scopes: IgnoreScope[] = [];
    let dir = rootAbs;
    for (const name of ['', ...dirs]) {
      dir = name ? path.join(dir, name) : dir;
      if (name && ignoredBy(scopes, dir, true)) return false;
      const own = loadGitignore(dir);
      if (own) scopes.push(own);
    }
    if (ignoredBy(scopes, abs, false)) return false;
  }
  const include = options.include?.length ? picomatch(options.include as string[], { dot: true }) : undefined;
  const exclude = options.exclude?.length ? picomatch(options.exclude as string[], { dot: true }) : undefined;
  for (let i = 1; i <= dirs.length; i++) {
    const d = dirs.slice(0, i).join('/');
    if (exclude?.(d) || exclude?.(`${d}/`)) return false;
  }
  if (exclude?.(rel) || (include && !include(rel))) return false;
  return fileSkipReason(rel, content, options) === undefined;
}
