/**
 * Runs history round trip (JSONL in a temporary folder), CSV export, and the host feed that ties
 * a live run to the history and the panel.
 */
import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

import { csvField, metricsToCsv } from '../../src/webviews/dashboard/csv';
import { DashboardFeed } from '../../src/webviews/dashboard/feed';
import type { DashboardEvent } from '../../src/webviews/dashboard/protocol';
import { RunHistory, runFileName } from '../../src/webviews/dashboard/runHistory';
import { evalEvent, runInfo, stepEvent, T0 } from './dashboardFixtures';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'seq2seq-dash-'));
}

function run(id: string, startedAt: number, steps: number, end = true): DashboardEvent[] {
  const events: DashboardEvent[] = [{ type: 'runStarted', run: runInfo(id, startedAt) }];
  for (let s = 1; s <= steps; s++) events.push(stepEvent(s, 5 / s, startedAt));
  events.push(evalEvent(steps, ['x'], 0.25));
  if (end)
    events.push(
      { type: 'checkpoint', step: steps, path: `/m/${id}` },
      { type: 'finished', reason: 'completed', step: steps },
    );
  return events;
}

describe('dashboard runs history', () => {
  it('round-trips runs through JSONL and lists them newest first', async () => {
    const dir = await tmpDir();
    const h = new RunHistory(path.join(dir, 'runs'));
    for (const e of run('older', T0, 5)) h.append(e);
    for (const e of run('newer', T0 + 60_000, 7)) h.append(e);
    await h.flush();
    const list = await h.list();
    assert.deepStrictEqual(
      list.map((r) => [r.id, r.lastStep, r.status]),
      [
        ['newer', 7, 'finished'],
        ['older', 5, 'finished'],
      ],
    );
    const rec = await h.read('older');
    assert.ok(rec);
    assert.strictEqual(rec.metrics.length, 5);
    assert.strictEqual(rec.evals[0]?.samples[0]?.prediction, 'x');
    assert.deepStrictEqual(rec.checkpoint, { step: 5, path: '/m/older' });
    assert.strictEqual(await h.read('missing'), undefined);
  });

  it('skips a torn last line and reports a run that never finished as interrupted', async () => {
    const dir = await tmpDir();
    const h = new RunHistory(dir);
    for (const e of run('crashed', T0, 3, false)) h.append(e);
    await h.flush();
    await fs.appendFile(path.join(dir, runFileName('crashed')), '{"type":"step","epo');
    const rec = await h.read('crashed');
    assert.strictEqual(rec?.metrics.length, 3);
    assert.strictEqual(rec?.status, 'failed');
    assert.strictEqual(rec?.error, 'interrupted');
  });

  it('keeps unsafe run ids inside the folder', () => {
    assert.strictEqual(runFileName('../../etc/passwd'), '.._.._etc_passwd.jsonl');
  });

  it('exports CSV with one row per step and evaluation values on their step', async () => {
    const dir = await tmpDir();
    const h = new RunHistory(dir);
    for (const e of run('r', T0, 3)) h.append(e);
    const csv = (await h.csv('r')) ?? '';
    const lines = csv.trimEnd().split('\r\n');
    assert.strictEqual(
      lines[0],
      'step,wall_time,elapsed_s,loss,perplexity,learningRate,gradNorm,tokensPerSecond,validLoss,validPerplexity,bleu,exactMatch',
    );
    assert.strictEqual(lines.length, 4);
    assert.ok(lines[1]?.startsWith('1,2026-01-01T12:00:01.000Z,1.000,5,'));
    assert.ok(lines[3]?.endsWith(',2,7.38905609893065,0.25,0.1'), lines[3]);
    assert.ok(lines[1]?.endsWith(',,,,'), 'no evaluation on step 1');
  });

  it('quotes CSV fields per RFC 4180', () => {
    assert.strictEqual(csvField('a,b'), '"a,b"');
    assert.strictEqual(csvField('say "hi"'), '"say ""hi"""');
    assert.strictEqual(csvField('plain'), 'plain');
    assert.strictEqual(metricsToCsv(0, [], []), 'step,wall_time,elapsed_s\r\n');
  });
});

describe('dashboard feed', () => {
  it('records the live run, fans events out, and routes Stop/Pause/Resume to the run control', async () => {
    const dir = await tmpDir();
    const feed = new DashboardFeed(dir);
    const seen: string[] = [];
    const sub = feed.subscribe((e) => seen.push(e.type));
    const calls: string[] = [];
    feed.stop(); // no run yet: nothing happens
    feed.setControl({
      stop: () => calls.push('stop'),
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    });
    for (const e of run('live', T0, 4, false)) feed.push(e);
    feed.pause();
    feed.resume();
    feed.stop();
    assert.deepStrictEqual(calls, ['pause', 'resume', 'stop']);
    assert.strictEqual(feed.currentRun()?.metrics.length, 4);
    const runs = await feed.listRuns();
    assert.strictEqual(runs[0]?.status, 'running', 'the live run shows its live state, not interrupted');
    assert.strictEqual((await feed.loadRun('live'))?.step, 4);
    sub.dispose();
    feed.push({ type: 'finished', reason: 'stopped', step: 4 });
    assert.deepStrictEqual(seen, ['runStarted', 'step', 'step', 'step', 'step', 'eval']);
    const exported = await feed.exportCsv(null);
    assert.strictEqual(exported?.name, 'live.csv');
    assert.strictEqual(exported?.csv.trimEnd().split('\r\n').length, 5);
    const fresh = new DashboardFeed(dir);
    assert.strictEqual((await fresh.loadRun('live'))?.endReason, 'stopped');
  });
});
