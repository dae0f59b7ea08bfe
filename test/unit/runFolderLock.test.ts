/**
 * Run folders with an owner (src/modelFolder/runLock.ts, src/training/job.ts recoverRunFolder): one
 * training per folder, refused with the owner's process id and start time; a lock left by a
 * crash is taken over even when its process id names a live process again (another boot, a later
 * start); a lock from another host is honoured; the lock goes when its process exits. A run
 * folder's owner puts back `best/` and `last/` from a crashed save's temporary copies whatever
 * process id they name, and removes every other leftover.
 */
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { saveModel } from '../../src/modelFolder/checkpoint';
import { buildModel } from '../../src/core/model';
import { bootId, currentProcess, processStartTicks } from '../../src/modelFolder/processIdentity';
import { acquireRunLock, RUN_LOCK_FILE, RunFolderBusyError, runLockState } from '../../src/modelFolder/runLock';
import { findInterruptedRuns, writeRunRecord } from '../../src/host/interruptedRuns';
import { recoverRunFolder } from '../../src/training/job';
import { TINY } from './helpers/crashingSave';

const RUN_LOCK_JS = path.join(__dirname, '..', '..', 'src', 'modelFolder', 'runLock.js');

/** A child process that takes the lock on `dir`, says "locked", then waits (or exits, with `exit`). */
function lockingChild(dir: string, exit?: number): Promise<ChildProcess> {
  const script =
    `const l = require(${JSON.stringify(RUN_LOCK_JS)}).acquireRunLock(${JSON.stringify(dir)}, 'test child');` +
    `process.stdout.write('locked\\n');` +
    (exit === undefined ? 'setInterval(() => undefined, 1000);' : `process.exit(${exit});`);
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => (exit === undefined ? reject(new Error(`child exited ${code}`)) : resolve(child)));
  });
}

const exited = (child: ChildProcess): Promise<unknown> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));

/** A live process that is not this one (and started after now). */
function sleeper(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}

describe('run folder lock', function () {
  this.timeout(60_000);
  let root: string;
  const children: ChildProcess[] = [];
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-lock-'))));
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a second training into the same folder is refused with the first one’s process id and start time', () => {
    const dir = path.join(root, 'run');
    const first = acquireRunLock(dir, 'seq2seq train');
    try {
      assert.throws(
        () => acquireRunLock(dir, 'seq2seq train'),
        (e: unknown) =>
          e instanceof RunFolderBusyError &&
          e.message.includes(`process ${process.pid}`) &&
          e.message.includes(`started ${first.owner.startedAt}`) &&
          e.message.includes('seq2seq train'),
      );
    } finally {
      first.release();
    }
    assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)), 'released');
    acquireRunLock(dir, 'again').release();
  });

  it('another process holding the folder keeps it; once it is killed, its lock is stale and taken over', async () => {
    const dir = path.join(root, 'run');
    const child = await lockingChild(dir);
    children.push(child);
    assert.throws(() => acquireRunLock(dir, 'x'), new RegExp(`process ${child.pid}\\b`));
    assert.strictEqual(runLockState(dir)?.state, 'alive');
    child.kill('SIGKILL');
    await exited(child);
    assert.strictEqual(runLockState(dir)?.state, 'stale');
    const lock = acquireRunLock(dir, 'x');
    assert.strictEqual(runLockState(dir)?.owner?.pid, process.pid);
    lock.release();
  });

  it('the lock goes when its process exits without releasing it', async () => {
    const dir = path.join(root, 'run');
    await exited(await lockingChild(dir, 3));
    assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)));
  });

  it('a lock whose process id is alive again (another start time, another boot) is stale; one of another host is not', () => {
    const dir = path.join(root, 'run');
    fs.mkdirSync(dir);
    const live = sleeper();
    children.push(live);
    const me = currentProcess();
    const write = (o: object): void =>
      fs.writeFileSync(
        path.join(dir, RUN_LOCK_FILE),
        JSON.stringify({ ...me, startedAt: '2026-01-01T00:00:00Z', command: 'old', token: 'old', ...o }),
      );
    assert.ok(me.startTicks !== undefined && me.bootId !== undefined, 'this test needs Linux /proc');
    // The container restart: process 1 again, but a process that started after the lock was taken.
    write({ pid: live.pid, startTicks: me.startTicks! - 1 });
    assert.strictEqual(runLockState(dir)?.state, 'stale');
    // The same process id and start time, but written during another boot.
    write({ pid: process.pid, bootId: '00000000-0000-0000-0000-000000000000' });
    assert.strictEqual(runLockState(dir)?.state, 'stale');
    acquireRunLock(dir, 'x').release();
    // Still its own process: held.
    write({ pid: live.pid, startTicks: processStartTicks(live.pid!) });
    assert.strictEqual(runLockState(dir)?.state, 'alive');
    // Another host's process cannot be checked from here: honoured, with the way out.
    write({ host: `${os.hostname()}-elsewhere`, pid: 999_999 });
    assert.throws(() => acquireRunLock(dir, 'x'), /on host .*-elsewhere.*delete .*run\.lock/);
    assert.strictEqual(bootId(), me.bootId);
  });

  it('a run of the extension whose lock is held is not offered for resume; one whose lock is stale is', async () => {
    const runs = path.join(root, 'runs');
    const dir = path.join(runs, 'r1');
    writeRunRecord(dir, {
      id: 'r1',
      startedAt: '2026-12-01T10:00:00Z',
      pid: 999_999, // the record's process is gone...
      host: os.hostname(),
      corpus: 'c.jsonl',
      config: {},
    });
    const child = await lockingChild(dir); // ...but another window took the run over
    children.push(child);
    assert.deepStrictEqual(findInterruptedRuns(runs), []);
    child.kill('SIGKILL');
    await exited(child);
    assert.deepStrictEqual(
      findInterruptedRuns(runs).map((r) => r.record.id),
      ['r1'],
    );
  });
});

describe('run folder recovery by its owner', function () {
  this.timeout(60_000);
  let root: string;
  let live: ChildProcess;
  before(async () => {
    await tf.setBackend('cpu');
    live = sleeper();
  });
  after(() => live.kill('SIGKILL'));
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-own-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  async function save(dir: string, step: number): Promise<void> {
    const m = buildModel(TINY, 12, 12, step);
    await saveModel(m, dir, { step });
    m.dispose();
  }
  const stepOf = (dir: string): unknown =>
    (JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { meta: { step: unknown } }).meta.step;

  it('puts back best/ and last/ from temporary copies of a live process id, and removes the other leftovers', async () => {
    const run = path.join(root, 'run');
    const now = Date.now();
    // A crash between the two renames of each save; the process ids are in use again.
    await save(path.join(run, `.last.tmp-${live.pid}-${now}-1`), 7);
    await save(path.join(run, `.best.tmp-${process.pid}-${now}-1`), 5);
    // An older, abandoned save of best/ (80 MB in the report), and an incomplete one.
    await save(path.join(run, `.best.tmp-${live.pid}-${now - 60_000}-2`), 4);
    fs.mkdirSync(path.join(run, `.last.tmp-${live.pid}-${now - 1}-3`));
    recoverRunFolder(run);
    assert.strictEqual(stepOf(path.join(run, 'last')), 7);
    assert.strictEqual(stepOf(path.join(run, 'best')), 5);
    assert.deepStrictEqual(
      fs.readdirSync(run).filter((n) => n.startsWith('.')),
      [],
    );
  });
});
