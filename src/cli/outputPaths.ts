/**
 * What the CLI writes never destroys what it reads or what is not a file. Before any work starts,
 * each output path is checked: a file output must be a regular file (or not exist yet) in a
 * writable folder (src/modelFolder/atomicFolder.ts `checkReplaceableFile`: a device, a FIFO or a link is
 * refused, as root `--out /dev/full` would otherwise be replaced by a plain file) and must not be
 * one of the command's inputs (the same file by device and inode, so another path to it, a hard
 * link or a symbolic link, counts); a folder output must not hold an input where the command
 * writes. The writes themselves are atomic (a temporary sibling, then a rename).
 */
import * as fs from 'fs';
import * as path from 'path';

import { checkReplaceableFile, entryKind } from '../modelFolder/atomicFolder';
import type { SourceFile } from '../mining/mine';

/** An input of a command: its flag (or "argument") and its path. */
export interface NamedPath {
  readonly flag: string;
  readonly path: string;
}

/** `dev:ino` of what `file` names (links followed), or undefined when it does not exist. */
function fileKey(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** Whether a path relative to a folder (path.relative) lies outside it. */
const isOutside = (rel: string): boolean => rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);

/** The real path of `p`, or its absolute path when it does not exist (yet). */
function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Refuses `file` as the output `flag` unless replacing it is safe: a regular file or nothing, in a
 * writable folder, and not the same file as any of `inputs`.
 */
export function checkOutputFile(flag: string, file: string, inputs: readonly NamedPath[] = []): void {
  checkReplaceableFile(file, flag);
  const key = fileKey(file);
  if (key === undefined) return;
  for (const input of inputs)
    if (fileKey(input.path) === key)
      throw new Error(`${flag} ${file} is the same file as ${input.flag} ${input.path}; write to another file.`);
}

/**
 * The files a walk yields, refusing (before anything is written) when one of them is the output
 * `flag` `file`: `mine src --out src/a.py` would replace a mined source file with the corpus.
 */
export async function* refusingOutput(
  files: AsyncIterable<SourceFile>,
  outputs: readonly NamedPath[],
): AsyncGenerator<SourceFile> {
  const keys = new Map<string, NamedPath>();
  for (const o of outputs) {
    const key = fileKey(o.path);
    if (key !== undefined) keys.set(key, o);
  }
  for await (const f of files) {
    const hit = keys.size > 0 ? keys.get(fileKey(f.path) ?? '') : undefined;
    if (hit)
      throw new Error(`${hit.flag} ${hit.path} is one of the files being mined (${f.path}); write to another file.`);
    yield f;
  }
}

/**
 * Refuses `dir` as the output folder `flag` when it exists and is not a folder, when it would have
 * to be made in a folder that is not writable, or when an input lies where the command writes
 * inside it (`writes(name)`: whether the command writes the entry `name` of the folder, a file it
 * replaces or a folder it manages).
 */
export function checkOutputFolder(
  flag: string,
  dir: string,
  inputs: readonly NamedPath[],
  writes: (name: string) => boolean,
): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) throw new Error(`${flag} ${dir} is ${entryKind(st)}, not a folder; give a folder path.`);
  if (!st) {
    let parent = path.dirname(path.resolve(dir));
    while (!fs.existsSync(parent) && path.dirname(parent) !== parent) parent = path.dirname(parent);
    try {
      fs.accessSync(parent, fs.constants.W_OK);
    } catch {
      throw new Error(`${flag} ${dir} cannot be made: ${parent} is not a writable folder; choose another path.`);
    }
    return;
  }
  const root = realOrResolved(dir);
  for (const input of inputs) {
    const rel = path.relative(root, realOrResolved(input.path));
    if (isOutside(rel)) continue;
    // The folder itself (a model folder given as --init): the command writes into it.
    const first = rel === '' ? '.' : rel.split(path.sep)[0]!;
    if (rel === '' || writes(first))
      throw new Error(
        `${input.flag} ${input.path} lies in ${flag} ${dir} where this command writes (${first}); move it or choose another ${flag} folder.`,
      );
  }
}

/**
 * Refuses `dir` as a model folder to write (`convert`'s target), which a save replaces as a whole:
 * it must not exist yet, or be a model folder (with `config.json`) or an empty folder; never a
 * file, a device or a link, never a folder of other things, and none of `inputs` may lie in it.
 */
export function checkModelFolderOutput(label: string, dir: string, inputs: readonly NamedPath[]): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory())
    throw new Error(`${label} ${dir} is ${entryKind(st)}, not a folder; give a new folder's path or a model folder.`);
  if (st && !fs.existsSync(path.join(dir, 'config.json')) && fs.readdirSync(dir).length > 0)
    throw new Error(
      `${label} ${dir} is a folder but not a model folder; writing the model would replace everything in it. Give a new folder's path.`,
    );
  checkOutputFolder(label, dir, [], () => false);
  const root = realOrResolved(dir);
  for (const input of inputs) {
    const rel = path.relative(root, realOrResolved(input.path));
    if (!isOutside(rel))
      throw new Error(
        `${input.flag} ${input.path} lies in ${label} ${dir}, which is replaced; write to another folder.`,
      );
  }
}
