/**
 * Detection of fine-tunes a reload or crash interrupted (src/host/interruptedRuns.ts), in plain
 * Node: a run whose record is not ended and whose process is gone is offered with the step of
 * its last checkpoint (also when a crashed save left that checkpoint aside); ended runs, runs of
 * a live process and folders without a record are not; the one-run guard refuses a second start.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  discardRun,
  findInterruptedRuns,
  markRunEnded,
  writeRunRecord,
  type RunRecord,
} from '../../src/host/interruptedRuns';
import { RunGuard } from '../../src/host/runGuard';

const HOST = 'this-host';

function record(id: string, pid: number, startedAt: string): RunRecord {
  return { id, startedAt, pid, host: HOST, corpus: `/runs/${id}/corpus.jsonl`, config: { batchSize: 4 } };
}

function writeCheckpoint(dir: string, step: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'optimizer.json']) fs.writeFileSync(path.join(dir, f), '{}');
  fs.writeFileSync(path.join(dir, 'trainState.json'), JSON.stringify({ step }));
}

describe('interrupted fine-tunes', () => {
  let runs: string;
  beforeEach(() => (runs = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-runs-'))));
  afterEach(() => fs.rmSync(runs, { recursive: true, force: true }));
  const alive = (pid: number): boolean => pid === 100;

  it('offers a run whose process is gone, with the step of its last checkpoint, newest first', () => {
    writeRunRecord(path.join(runs, 'a'), record('a', 200, '2026-12-01T10:00:00Z'));
    writeCheckpoint(path.join(runs, 'a', 'last'), 40);
    writeRunRecord(path.join(runs, 'b'), record('b', 201, '2026-12-01T11:00:00Z'));
    const found = findInterruptedRuns(runs, alive, HOST);
    assert.deepStrictEqual(
      found.map((r) => [r.record.id, r.step]),
      [
        ['b', null],
        ['a', 40],
      ],
    );
  });

  it('does not offer ended runs, runs of a live process, or folders without a record', () => {
    writeRunRecord(path.join(runs, 'ended'), record('ended', 200, '2026-12-01T10:00:00Z'));
    writeCheckpoint(path.join(runs, 'ended', 'last'), 5);
    markRunEnded(path.join(runs, 'ended'));
    writeRunRecord(path.join(runs, 'live'), record('live', 100, '2026-12-01T10:00:00Z'));
    fs.mkdirSync(path.join(runs, 'old-version', 'last'), { recursive: true });
    assert.deepStrictEqual(findInterruptedRuns(runs, alive, HOST), []);
    // The same pid on another machine (storage synced or copied) is not this host's live process.
    assert.deepStrictEqual(
      findInterruptedRuns(runs, alive, 'other-host').map((r) => r.record.id),
      ['live'],
    );
  });

  it('finds the checkpoint a crash left aside between the two renames of a save, and discards', () => {
    const dir = path.join(runs, 'c');
    writeRunRecord(dir, record('c', 200, '2026-12-01T10:00:00Z'));
    writeCheckpoint(path.join(dir, '.last.tmp-999999-1-1'), 60);
    writeCheckpoint(path.join(dir, '.last.old-999999-1-1'), 50);
    const [run] = findInterruptedRuns(runs, alive, HOST);
    assert.strictEqual(run?.step, 60);
    assert.ok(fs.existsSync(path.join(dir, 'last', 'trainState.json')));
    discardRun(run);
    assert.ok(!fs.existsSync(dir));
  });

  it('one run at a time: a second start is refused until the first ends, even if it throws', async () => {
    const guard = new RunGuard();
    let release: () => void = () => undefined;
    const first = guard.run(
      'fine-tune',
      () => new Promise<string>((r) => (release = () => r('first'))),
      () => 'refused',
    );
    assert.strictEqual(
      await guard.run(
        'fine-tune',
        async () => 'second',
        () => 'refused',
      ),
      'refused',
    );
    release();
    assert.strictEqual(await first, 'first');
    await assert.rejects(
      guard.run(
        'fine-tune',
        () => Promise.reject(new Error('boom')),
        () => undefined,
      ),
      /boom/,
    );
    assert.strictEqual(
      await guard.run(
        'fine-tune',
        async () => 'third',
        () => 'refused',
      ),
      'third',
    );
  });
});
