/**
 * Replacing a folder so that a crash at any moment leaves a usable copy, and finding that copy
 * again afterwards.
 *
 * A save writes every file into a temporary sibling (`.<name>.tmp-<pid>-<time>-<rand>`), flushes
 * each file and the folder to disk, then moves the old folder aside (`.<name>.old-…`), moves the
 * new one into place, flushes the parent and removes the old one. A crash between the two moves
 * leaves no `<name>` at all: {@link recoverFolder} (called by every loader) puts back the complete
 * temporary copy when there is one, else the old copy. Siblings of a process that is still alive
 * are left alone, since that process may be in the middle of its own save; a process id alone does
 * not say so (ids are reused: a container restarted with its trainer as process 1 again), so a
 * sibling whose id now names a process started after the sibling's stamp is a leftover too
 * (src/modelFolder/processIdentity.ts). A caller that owns the folder (a training run holding its
 * run folder's lock, src/modelFolder/runLock.ts) treats every sibling as a leftover.
 */
import * as fs from 'fs';
import * as path from 'path';

import { processAlive, writerMayBeAlive } from './processIdentity';

export { processAlive };

/** The moments of a save at which a test can inject a crash. */
export type SavePoint = 'files-partly-written' | 'files-written' | 'old-moved' | 'new-moved' | 'done';

export interface SaveHooks {
  /** Called at each point of the save; whatever it throws aborts the save there. */
  readonly onPoint?: (point: SavePoint) => void | Promise<void>;
}

/** Writes `contents` to `file` and flushes it to the disk before returning. */
export async function writeFileDurably(file: string, contents: string | Uint8Array): Promise<void> {
  const handle = await fs.promises.open(file, 'w');
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (new names, renames) to the disk; a no-op where folders cannot be opened (Windows). */
export async function syncFolder(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (e) {
    if (process.platform !== 'win32') throw e;
  } finally {
    await handle?.close();
  }
}

interface Sibling {
  readonly path: string;
  readonly kind: 'tmp' | 'old';
  readonly pid: number;
  readonly time: number;
}

/** A new sibling name of `target` for a save by this process. */
export function siblingPath(target: string, kind: 'tmp' | 'old', stamp: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${stamp}`);
}

/** A stamp that names this process and this moment: `<pid>-<ms>-<random>`. */
export function saveStamp(): string {
  return `${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
}

function siblingsOf(target: string): Sibling[] {
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const out: Sibling[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(tmp|old)-(\d+)-(\d+)-\d+$/.exec(name.slice(prefix.length));
    if (m)
      out.push({ path: path.join(parent, name), kind: m[1] as 'tmp' | 'old', pid: Number(m[2]), time: Number(m[3]) });
  }
  return out;
}

export type Recovery = 'intact' | 'from-new' | 'from-old' | 'none';

/**
 * Makes `target` hold a complete copy again after a crashed save: when it is missing or
 * incomplete, the newest complete temporary copy takes its place, else the newest complete old
 * copy. Leftovers of dead processes are then removed. `isComplete` says whether a folder holds
 * everything a save writes. `owned`: the caller holds the folder's lock, so no other process can
 * be saving it and every sibling is a leftover. Synchronous, so that quick existence checks can
 * call it.
 */
export function recoverFolder(
  target: string,
  isComplete: (dir: string) => boolean,
  options: { readonly owned?: boolean } = {},
): Recovery {
  const dead = siblingsOf(target).filter((s) => options.owned === true || !writerMayBeAlive(s.pid, s.time));
  let result: Recovery = 'intact';
  if (!fs.existsSync(target) || !isComplete(target)) {
    result = 'none';
    const newestFirst = (a: Sibling, b: Sibling): number => b.time - a.time;
    const pick =
      dead.filter((s) => s.kind === 'tmp' && isComplete(s.path)).sort(newestFirst)[0] ??
      dead.filter((s) => s.kind === 'old' && isComplete(s.path)).sort(newestFirst)[0];
    if (pick) {
      if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(pick.path, target);
      result = pick.kind === 'tmp' ? 'from-new' : 'from-old';
    }
  }
  for (const s of dead) if (fs.existsSync(s.path)) fs.rmSync(s.path, { recursive: true, force: true });
  return result;
}

/**
 * Replaces `target` with the folder `tmp` (already written and flushed): old aside, new in
 * place, parent flushed, old removed. On an error (not a crash) the old folder is put back.
 */
export async function replaceFolder(tmp: string, target: string, old: string, hooks: SaveHooks = {}): Promise<void> {
  const parent = path.dirname(target);
  await syncFolder(tmp);
  await hooks.onPoint?.('files-written');
  const existed = fs.existsSync(target);
  try {
    if (existed) {
      await fs.promises.rename(target, old);
      await hooks.onPoint?.('old-moved');
    }
    await fs.promises.rename(tmp, target);
    await syncFolder(parent);
    await hooks.onPoint?.('new-moved');
  } catch (e) {
    if (!fs.existsSync(target) && fs.existsSync(old)) await fs.promises.rename(old, target);
    throw e;
  }
  if (existed) await fs.promises.rm(old, { recursive: true, force: true });
  await hooks.onPoint?.('done');
}

/**
 * Refuses a path that an atomic write (a temporary sibling, then a rename over it) would destroy
 * or could not make: an existing entry that is not a regular file (a device, a FIFO, a socket, a
 * folder or a link: the rename would replace the entry itself, `/dev/full` by a plain file), or a
 * folder that is missing or not writable. `label` names the path in the message (`--out`).
 */
export function checkReplaceableFile(file: string, label = file): void {
  const shown = label === file ? file : `${label} ${file}`;
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`${shown} cannot be checked: ${(e as Error).message}`);
  }
  if (st && !st.isFile()) {
    throw new Error(
      `${shown} is ${entryKind(st)}, not a regular file; give the path of a file to write (it is replaced as a whole).`,
    );
  }
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new Error(`${shown}: the folder ${dir} does not exist; create it first or choose another path.`);
  }
  if (!dirStat.isDirectory()) throw new Error(`${shown}: ${dir} is not a folder; choose another path.`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Error(`${shown}: the folder ${dir} is not writable; choose another path.`);
  }
}

/** What a directory entry is, in words ("a FIFO", "a character device"). */
export function entryKind(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return st.isFile() ? 'a regular file' : 'not a regular file';
}

/**
 * Replaces `file` with `contents` atomically and durably: a temporary sibling, flushed, renamed
 * over it, the folder flushed; refused first where that would destroy something
 * ({@link checkReplaceableFile}). A crash leaves the old file or the new one, never half of one.
 */
export async function writeFileAtomically(file: string, contents: string | Uint8Array): Promise<void> {
  checkReplaceableFile(file);
  const tmp = siblingPath(path.resolve(file), 'tmp', saveStamp());
  try {
    await writeFileDurably(tmp, contents);
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await syncFolder(path.dirname(path.resolve(file)));
}
