/**
 * One training per run folder. A run takes `<run folder>/run.lock` before it reads or writes
 * anything there and removes it when it ends; a second training into the same folder is refused
 * with the first one's process id and start time. The lock file is created exclusively (it exists
 * or it does not: two starts at once cannot both win) and records the owner's process identity
 * (src/modelFolder/processIdentity.ts: host, boot id, the process's start time), so a lock left by
 * a crash is recognised as stale even when its process id is in use again (a reboot, a container
 * restarted with its trainer as process 1 again) and taken over. A lock from another host cannot
 * be checked from here: it is honoured, and the message says how to remove it. Plain Node.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { currentProcess, processState, type ProcessIdentity } from './processIdentity';

export const RUN_LOCK_FILE = 'run.lock';

/** What a lock file holds. */
export interface RunLockOwner extends ProcessIdentity {
  /** When the lock was taken (ISO). */
  readonly startedAt: string;
  /** What holds it, in words ("seq2seq train", "the extension's fine-tune"). */
  readonly command: string;
  /** Tells this lock from a later one of the same process. */
  readonly token: string;
}

/** The run folder is in use by another training; `owner` says which. */
export class RunFolderBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: RunLockOwner,
    local: boolean,
  ) {
    super(
      `${dir} is in use by another training (${owner.command}, process ${owner.pid}` +
        `${local ? '' : ` on host ${owner.host}`}, started ${owner.startedAt}); ` +
        (local
          ? 'wait for it to end or stop it, or choose another folder.'
          : `if no training runs there any more, delete ${path.join(dir, RUN_LOCK_FILE)}; or choose another folder.`),
    );
    this.name = 'RunFolderBusyError';
  }
}

/** A held lock; `release` is idempotent and leaves a lock that is no longer ours alone. */
export interface RunLock {
  readonly dir: string;
  readonly owner: RunLockOwner;
  release(): void;
}

function readOwner(file: string): RunLockOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RunLockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string'
      ? (o as RunLockOwner)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lock on `dir` and whether its owner still runs: `alive`, `unknown` (another host) or
 * `stale` (gone, or a file that is not a lock); undefined when the folder has no lock.
 */
export function runLockState(dir: string): { owner?: RunLockOwner; state: 'alive' | 'unknown' | 'stale' } | undefined {
  const file = path.join(dir, RUN_LOCK_FILE);
  if (!fs.existsSync(file)) return undefined;
  const owner = readOwner(file);
  if (!owner) return { state: 'stale' };
  const state = processState(owner);
  return { owner, state: state === 'gone' ? 'stale' : state };
}

/**
 * Takes `dir`'s run lock (making the folder when needed) for `command`, or throws
 * {@link RunFolderBusyError}. A stale lock is taken over. The lock is also released when the
 * process exits without releasing it (an abort by a second Ctrl-C).
 */
export function acquireRunLock(dir: string, command: string): RunLock {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const file = path.join(root, RUN_LOCK_FILE);
  const owner: RunLockOwner = {
    ...currentProcess(),
    startedAt: new Date().toISOString(),
    command,
    token: crypto.randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      createWhole(file, `${JSON.stringify(owner, null, 2)}\n`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw e;
    }
    const held = runLockState(root);
    if (held === undefined) continue; // released meanwhile
    if (held.state !== 'stale') throw new RunFolderBusyError(root, held.owner!, held.state === 'alive');
    takeOverStale(file, held.owner);
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    if (readOwner(file)?.token === owner.token) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { dir: root, owner, release };
}

/**
 * Creates `file` with `text` only when it does not exist (EEXIST otherwise), whole: written to a
 * temporary name and hard-linked into place, so that no reader sees it half written. Where hard
 * links are not supported, an exclusive create.
 */
function createWhole(file: string, text: string): void {
  const tmp = `${file}.new-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, text);
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
    fs.writeFileSync(file, text, { flag: 'wx' });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Moves a stale lock out of the way. Another process may have taken it over in between (and
 * written its own): the moved file is checked, and put back when it is not the stale one.
 */
function takeOverStale(file: string, stale: RunLockOwner | undefined): void {
  const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = readOwner(aside);
  if (moved && moved.token !== stale?.token) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // a third start took the folder meanwhile; its own lock stands
    }
  }
  fs.rmSync(aside, { force: true });
}
