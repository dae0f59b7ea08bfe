/**
 * When the workspace's model learns by itself: something new to learn, the conditions to start,
 * pausing at the first keystroke and resuming after the idle time, the history a user returns
 * from, a run's CPU budget, and the data of a run (corrections moved out of the held-out files
 * and weighted, whole files held out until the guard could pass, held-out corrections counted,
 * the files the current model learned in earlier runs never held out).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { CorpusRecord } from '../../src/mining/dataset';
import { CORRECTION_WEIGHT, type Correction } from '../../src/learning/corrections';
import { learningSplits } from '../../src/learning/learningCorpus';
import { splitByFile } from '../../src/mining/dedupSplit';
import { FINE_TUNE_JOB_DEFAULTS, GUARD_MIN_FUNCTIONS } from '../../src/training/trainingDefaults';
import {
  historyText,
  IdlePauser,
  learnedModelsToPrune,
  learningBudget,
  LearningHistory,
  lineageTrainedFiles,
  LEARNING_DEFAULTS,
  NEW_DOCUMENTED_TO_LEARN,
  somethingToLearn,
  startBlocker,
  type HistoryEntry,
} from '../../src/learning/policy';
import { linuxOnBattery } from '../../src/host/power';

const record = (file: string, i: number): CorpusRecord => ({
  lang: 'python',
  path: file,
  name: `f${i}`,
  line: i + 1,
  code: `def f${i}(x):\n    return x + ${i}`,
  doc: `Add ${i}.`,
  summary: `Add ${i}.`,
  params: [],
  throws: [],
});

const correction = (file: string, verdict: 'kept' | 'edited' | 'deleted', now?: string): Correction => ({
  id: `${file}-${verdict}`,
  uri: `file://${file}`,
  path: file,
  lang: 'python',
  name: 'f0',
  signature: 'x',
  line: 1,
  insertedAt: '2026-01-01T00:00:00.000Z',
  decidedAt: '2026-01-01T00:01:00.000Z',
  code: 'def f0(x):\n    return x',
  parts: [{ part: 'summary', inserted: 'Add 0.', verdict, ...(now ? { now } : {}) }],
});

/** The time of a correction decided `i` minutes into 2026. */
const at = (i: number): string => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();

/** No file learned yet: the current model is one no learning run made. */
const NONE: ReadonlySet<string> = new Set();

describe('learning in idle time', () => {
  it('starts only with something new: N corrections or enough new documented functions', () => {
    const last = { corrections: 3, documented: 100 };
    assert.strictEqual(
      somethingToLearn({ corrections: 3 + LEARNING_DEFAULTS.afterCorrections - 1, documented: 120 }, last),
      undefined,
    );
    assert.match(
      somethingToLearn({ corrections: 3 + LEARNING_DEFAULTS.afterCorrections, documented: 100 }, last)!,
      /new corrections/,
    );
    assert.match(somethingToLearn({ corrections: 3, documented: 100 + NEW_DOCUMENTED_TO_LEARN }, last)!, /documented/);
    // The setting: one correction is enough when the user says so.
    assert.strictEqual(somethingToLearn({ corrections: 4, documented: 100 }, last, 1), '1 new correction');
  });

  it('never while typing, training, on battery, untrusted or off', () => {
    const ok = {
      mode: 'on',
      trusted: true,
      idleMs: 200_000,
      idleSeconds: 120,
      training: false,
      onBattery: false,
    } as const;
    assert.strictEqual(startBlocker(ok), undefined);
    assert.strictEqual(startBlocker({ ...ok, onBattery: undefined }), undefined, 'unknown power counts as mains');
    assert.match(startBlocker({ ...ok, idleMs: 5_000 })!, /typing/);
    assert.match(startBlocker({ ...ok, training: true })!, /another training/);
    assert.match(startBlocker({ ...ok, onBattery: true })!, /battery/);
    assert.match(startBlocker({ ...ok, trusted: false })!, /not trusted/);
    assert.match(startBlocker({ ...ok, mode: 'off' })!, /off/);
  });

  it('pauses at the first keystroke, at once, and resumes after the idle time without typing', () => {
    // A clock the test moves by hand: how late a real timer fires depends on the machine's load.
    let now = 0;
    const due = new Map<number, { at: number; run: () => void }>();
    let ids = 0;
    const timers = {
      set: (run: () => void, ms: number): ReturnType<typeof setTimeout> => {
        due.set(++ids, { at: now + ms, run });
        return ids as unknown as ReturnType<typeof setTimeout>;
      },
      clear: (t: ReturnType<typeof setTimeout>): void => void due.delete(t as unknown as number),
    };
    const advance = (ms: number): void => {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at))
        if (t.at <= now) {
          due.delete(id);
          t.run();
        }
    };
    const calls: string[] = [];
    const job = { pause: () => calls.push('pause'), resume: () => calls.push('resume') };
    const pauser = new IdlePauser(job, 60, timers);
    pauser.keystroke();
    assert.deepStrictEqual(calls, ['pause'], 'paused synchronously with the keystroke');
    advance(30);
    pauser.keystroke(); // still typing: no second pause, the idle clock restarts
    advance(40);
    assert.deepStrictEqual(calls, ['pause'], '70 ms after the first keystroke, 40 after the last');
    advance(40);
    assert.deepStrictEqual(calls, ['pause', 'resume'], '80 ms after the last keystroke');
    assert.strictEqual(pauser.isPaused, false);
    pauser.keystroke();
    assert.deepStrictEqual(calls, ['pause', 'resume', 'pause'], 'the next keystroke pauses again');
    pauser.dispose();
    assert.strictEqual(due.size, 0, 'dispose clears the idle timer');
  });

  it('reads Linux power supplies: battery without mains online is battery; no battery is unknown', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'power-'));
    try {
      const supply = (name: string, files: Record<string, string>): void => {
        fs.mkdirSync(path.join(root, name));
        for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(root, name, f), `${v}\n`);
      };
      assert.strictEqual(linuxOnBattery(root), undefined);
      supply('AC', { type: 'Mains', online: '1' });
      assert.strictEqual(linuxOnBattery(root), undefined, 'a desktop has no battery');
      supply('BAT0', { type: 'Battery', status: 'Charging' });
      assert.strictEqual(linuxOnBattery(root), false);
      fs.writeFileSync(path.join(root, 'AC', 'online'), '0\n');
      assert.strictEqual(linuxOnBattery(root), true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('keeps corrected files out of the held-out splits and weighs corrections above mined pairs', () => {
    const mined = Array.from({ length: 60 }, (_, i) => record(`/ws/m${i % 20}.py`, i));
    const plain = learningSplits(mined, [], NONE);
    const heldOutFile = plain.test[0]!.path;
    const split = learningSplits(
      mined,
      [
        correction(heldOutFile, 'edited', 'Adds the offset.'),
        correction('/ws/m1.py', 'kept', 'Add 0.'),
        correction('/ws/m2.py', 'deleted'),
      ],
      NONE,
    );
    assert.ok(!split.test.some((r) => r.path === heldOutFile), 'a corrected file stayed held out');
    assert.ok(!split.valid.some((r) => r.path === heldOutFile || r.path === '/ws/m1.py'));
    assert.strictEqual(split.corrections, 2);
    assert.strictEqual(split.correctionPairs, CORRECTION_WEIGHT.edited + CORRECTION_WEIGHT.kept);
    assert.strictEqual(split.train.filter((r) => r.summary === 'Adds the offset.').length, CORRECTION_WEIGHT.edited);
    // Every mined pair is still in exactly one split.
    assert.strictEqual(
      split.train.length + split.valid.length + split.test.length,
      mined.length + split.correctionPairs,
    );
  });

  it('a run starts as soon as the guard could pass: whole files held out until it has GUARD_MIN_FUNCTIONS', () => {
    // Files of 10 functions, as a user documenting a project in file order meets them: the
    // fine-tune's 10 % shares hold out no whole file of 10 among 3 (nor 2 functions among 20).
    const files = (n: number): CorpusRecord[] =>
      Array.from({ length: 10 * n }, (_, i) => record(`/ws/f${Math.floor(i / 10)}.py`, i));
    for (const n of [1, 2]) {
      const split = learningSplits(files(n), [], NONE);
      assert.match(
        split.tooFew!,
        new RegExp(`needs ${GUARD_MIN_FUNCTIONS} held-out functions.*\\(${10 * n} functions in ${n} files\\)`),
      );
    }
    const split = learningSplits(files(3), [], NONE);
    assert.strictEqual(split.tooFew, undefined);
    assert.ok(split.test.length >= GUARD_MIN_FUNCTIONS, `${split.test.length} held out`);
    assert.ok(split.valid.length > 0 && split.train.length > 0);
    // No file in two splits.
    const [train, valid, test] = [split.train, split.valid, split.test].map((s) => new Set(s.map((r) => r.path)));
    for (const f of test!) assert.ok(!train!.has(f) && !valid!.has(f), `${f} is held out and trained on`);
    for (const f of valid!) assert.ok(!train!.has(f), `${f} validates and is trained on`);
    // Where the fine-tune's split already holds out enough, it is the fine-tune's split.
    const big = Array.from({ length: 400 }, (_, i) => record(`/ws/m${i % 100}.py`, i));
    const plain = splitByFile(big, { seed: FINE_TUNE_JOB_DEFAULTS.seed, validFraction: 0.1, testFraction: 0.1 });
    const learning = learningSplits(big, [], NONE);
    assert.deepStrictEqual(
      [learning.train, learning.valid, learning.test].map((s) => s.length),
      [plain.train, plain.valid, plain.test].map((s) => s.length),
    );
    assert.deepStrictEqual(learning.test, plain.test);
  });

  it('holds out files without corrections first: every correction is trained on', () => {
    const mined = Array.from({ length: 60 }, (_, i) => record(`/ws/m${i % 20}.py`, i));
    const plain = learningSplits(mined, [], NONE);
    // The user corrected a function in every file the fine-tune's split holds out.
    const heldOutFiles = [...new Set([...plain.valid, ...plain.test].map((r) => r.path))];
    const split = learningSplits(
      mined,
      heldOutFiles.map((f) => correction(f, 'edited', `Fixed ${f}.`)),
      NONE,
    );
    assert.strictEqual(split.tooFew, undefined);
    assert.strictEqual(split.corrections, heldOutFiles.length);
    assert.strictEqual(split.heldOutCorrections, 0);
    assert.ok(split.test.length >= GUARD_MIN_FUNCTIONS);
    for (const r of [...split.valid, ...split.test]) assert.ok(!heldOutFiles.includes(r.path), `${r.path} held out`);
  });

  it('a workspace documented only by corrections holds out its newest corrections, counted, for a later run', () => {
    const mined = Array.from({ length: 40 }, (_, i) => record(`/ws/m${i % 20}.py`, i));
    const files = [...new Set(mined.map((r) => r.path))];
    // Every file holds a correction, one a minute, in file order.
    const corrections = files.map((f, i) => ({ ...correction(f, 'edited', `Fixed ${f}.`), decidedAt: at(i) }));
    const split = learningSplits(mined, corrections, NONE);
    assert.strictEqual(split.tooFew, undefined);
    assert.ok(split.test.length >= GUARD_MIN_FUNCTIONS && split.valid.length > 0);
    const heldOut = new Set([...split.valid, ...split.test].map((r) => r.path));
    assert.ok(!split.train.some((r) => heldOut.has(r.path)), 'a held-out file was trained on');
    // The newest corrected files are the held-out ones; the others' corrections are trained on.
    assert.deepStrictEqual([...heldOut].sort(), files.slice(files.length - heldOut.size).sort());
    assert.strictEqual(split.corrections, files.length - heldOut.size);
    assert.strictEqual(split.heldOutCorrections, heldOut.size);
    assert.strictEqual(split.corrections + split.heldOutCorrections, corrections.length);
    // The next run, after newer corrections elsewhere, trains on the ones held out now.
    // (enough newer ones to fill the held-out and validation splits: 20 functions in 10 files)
    const more = Array.from({ length: 20 }, (_, i) => record(`/ws/n${Math.floor(i / 2)}.py`, 100 + i));
    const newer = [...new Set(more.map((r) => r.path))].map((f, i) => ({
      ...correction(f, 'edited', `Fixed ${f}.`),
      decidedAt: at(100 + i),
    }));
    const next = learningSplits([...mined, ...more], [...corrections, ...newer], NONE);
    const trainedNow = new Set(next.train.map((r) => r.path));
    for (const f of heldOut) assert.ok(trainedNow.has(f), `${f} is still held out`);
  });

  it('holds out as few functions as the guard needs: the big file being documented is trained on', () => {
    // A user documenting in file order: three small files, then 35 functions of a big one, which
    // the next functions will come from. One correction each, a minute apart.
    const sizes: [string, number][] = [
      ['/ws/a.py', 3],
      ['/ws/b.py', 6],
      ['/ws/c.py', 10],
      ['/ws/big.py', 35],
    ];
    const mined = sizes.flatMap(([f, n], k) => Array.from({ length: n }, (_, i) => record(f, 100 * k + i)));
    const corrections = mined.map((r, i) => ({
      ...correction(r.path, 'edited', `Fixed ${r.line}.`),
      decidedAt: at(i),
    }));
    const split = learningSplits(mined, corrections, NONE);
    assert.strictEqual(split.tooFew, undefined);
    const files = (s: readonly CorpusRecord[]): string[] => [...new Set(s.map((r) => r.path))].sort();
    // 10 held out (c.py alone: a.py and b.py together do not reach 10, and big.py holds 35)...
    assert.deepStrictEqual(files(split.test), ['/ws/c.py']);
    // ...5 or so to validate on (b.py's 6: a.py's 3 cannot reach 5)...
    assert.deepStrictEqual(files(split.valid), ['/ws/b.py']);
    // ...and the rest, the file being documented included, to train on.
    assert.deepStrictEqual(files(split.train), ['/ws/a.py', '/ws/big.py']);
    assert.strictEqual(split.corrections, 38);
    // With only large files left (35 and 30 functions), the smallest validates.
    const two = [...mined, ...Array.from({ length: 30 }, (_, i) => record('/ws/d.py', 900 + i))];
    const twoSplit = learningSplits(
      two.filter((r) => r.path !== '/ws/b.py' && r.path !== '/ws/a.py'),
      [],
      NONE,
    );
    assert.deepStrictEqual([files(twoSplit.test), files(twoSplit.valid)], [['/ws/c.py'], ['/ws/d.py']]);
  });

  it("a later run never holds out a file the current model's learning runs trained on", () => {
    // The first run, on 30 files of 2 functions, installs its model.
    const first = Array.from({ length: 60 }, (_, i) => record(`/ws/m${i % 30}.py`, i));
    const run1 = learningSplits(first, [], NONE);
    assert.strictEqual(run1.tooFew, undefined);
    const trained1 = new Set(run1.train.map((r) => r.path));
    assert.deepStrictEqual(run1.trainedFiles, [...trained1].sort());
    const history = [{ installedModel: 'learned-1', previousModel: 'default', trainedFiles: run1.trainedFiles }];
    // The user documents a long file: the fine-tune's split now holds out more, some of them learned.
    const grown = [...first, ...Array.from({ length: 30 }, (_, i) => record('/ws/long.py', 100 + i))];
    const heldOut = (s: { valid: readonly CorpusRecord[]; test: readonly CorpusRecord[] }): string[] => [
      ...new Set([...s.valid, ...s.test].map((r) => r.path)),
    ];
    assert.ok(
      heldOut(learningSplits(grown, [], NONE)).some((f) => trained1.has(f)),
      'the split would not have held out a learned file anyway: the test shows nothing',
    );
    const learned = lineageTrainedFiles(history, 'learned-1');
    assert.deepStrictEqual([...learned].sort(), run1.trainedFiles);
    const run2 = learningSplits(grown, [], learned);
    assert.strictEqual(run2.tooFew, undefined);
    assert.ok(run2.test.length >= GUARD_MIN_FUNCTIONS && run2.valid.length > 0);
    for (const f of heldOut(run2)) assert.ok(!trained1.has(f), `${f} was learned by the current model and is held out`);
    // Every learned file is still trained on; the run records only the files it adds.
    for (const f of trained1)
      assert.ok(
        run2.train.some((r) => r.path === f),
        `${f} is no longer trained on`,
      );
    assert.ok(run2.trainedFiles.length > 0 && run2.trainedFiles.every((f) => !trained1.has(f)));
  });

  it('the learned files: the lineage of the current model back to a model no learning run made', () => {
    const run = (installed: string | undefined, previous: string, files: string[]) => ({
      ...(installed ? { installedModel: installed } : {}),
      previousModel: previous,
      trainedFiles: files,
    });
    const entries = [
      run('m1', 'default', ['a']),
      run('m2', 'm1', ['b']),
      run(undefined, 'm2', ['ignored']), // kept the model: no file learned
      run('m3', 'm2', ['c']),
      // The user returned to m1; the next run started from it.
      run('m4', 'm1', ['d']),
      // Then to a model they fine-tuned themselves.
      run('m5', 'workspace-mine', ['e']),
    ];
    const files = (id: string | undefined): string[] => [...lineageTrainedFiles(entries, id)].sort();
    assert.deepStrictEqual(files('m3'), ['a', 'b', 'c']);
    assert.deepStrictEqual(files('m4'), ['a', 'd'], 'm2 and m3 are not its ancestors');
    assert.deepStrictEqual(files('m5'), ['e'], 'the walk stops at a model no learning run made');
    // Back to the bundled model (or a model of one's own): every file can be held out again.
    assert.deepStrictEqual(files('default'), []);
    assert.deepStrictEqual(files('workspace-mine'), []);
    assert.deepStrictEqual(files(undefined), []);
    // The store reuses the id of a removed model: each step looks only at the runs before.
    const reused = [run('m1', 'default', ['a']), run('m2', 'm1', ['b']), run('m1', 'm2', ['c'])];
    assert.deepStrictEqual([...lineageTrainedFiles(reused, 'm1')].sort(), ['a', 'b', 'c']);
    assert.deepStrictEqual([...lineageTrainedFiles(reused.slice(0, 1), 'm1')], ['a']);
    // A returned-to bundled model frees the files for the split.
    const mined = Array.from({ length: 60 }, (_, i) => record(`/ws/m${i % 20}.py`, i));
    const all = new Set(mined.map((r) => r.path));
    const history = [{ installedModel: 'm1', previousModel: 'default', trainedFiles: [...all] }];
    assert.ok(learningSplits(mined, [], lineageTrainedFiles(history, 'm1')).tooFew);
    const back = learningSplits(mined, [], lineageTrainedFiles(history, 'default'));
    assert.strictEqual(back.tooFew, undefined);
    assert.ok(back.test.length >= GUARD_MIN_FUNCTIONS);
  });

  it('says why no run starts when the files not learned yet are too few for the guard', () => {
    const mined = Array.from({ length: 60 }, (_, i) => record(`/ws/m${i % 20}.py`, i));
    const files = [...new Set(mined.map((r) => r.path))];
    const all = learningSplits(mined, [], new Set(files));
    assert.deepStrictEqual([all.valid.length, all.test.length], [0, 0]);
    assert.strictEqual(
      all.tooFew,
      `every documented file has already been learned: earlier learning runs trained the current model on all 20 ` +
        `files with documented functions, and a new run is judged only on functions in files the current model has ` +
        `not learned (the guard needs ${GUARD_MIN_FUNCTIONS} of them, besides a file to validate on). Document or ` +
        `correct functions in other files`,
    );
    // 17 learned, 3 files of 3 functions left: 9 functions, too few for the guard's 10 and a validation file.
    const most = learningSplits(mined, [], new Set(files.slice(3)));
    assert.strictEqual(
      most.tooFew,
      `too few documented functions the current model has not learned yet: earlier learning runs trained it on 17 ` +
        `of the 20 files with documented functions, and a new run is judged only on functions in files the current ` +
        `model has not learned (the guard needs ${GUARD_MIN_FUNCTIONS} of them, besides a file to validate on; the ` +
        `other files hold 9 functions in 3 files). Document or correct functions in files it has not learned yet`,
    );
    // Without learned files the words stay the ones of a small workspace.
    assert.match(learningSplits(mined.slice(0, 9), [], NONE).tooFew!, /^too few documented functions to hold some out/);
  });

  it('history: one entry per run, the status text, and the inputs of the last run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'history-'));
    try {
      const h = new LearningHistory(dir);
      assert.strictEqual(h.lastInputs(), undefined);
      const e: HistoryEntry = {
        id: 'learn-1',
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-01T00:05:00.000Z',
        reason: '14 new corrections',
        corrections: 14,
        minedPairs: 300,
        documented: 310,
        previousModel: 'default',
        installedModel: 'workspace-learn-1',
        chrf: { base: 30.0, tuned: 33.1 },
        message: 'beats',
      };
      h.add(e);
      const { installedModel: _installed, ...refused } = e;
      h.add({ ...refused, id: 'learn-2', chrf: { base: 33.1, tuned: 33.0 } });
      assert.deepStrictEqual(
        h.list().map((x) => x.id),
        ['learn-1', 'learn-2'],
      );
      assert.strictEqual(historyText(e), 'learned from 14 of your comments, +3.1 chrF on your held-out functions');
      assert.match(historyText(h.list()[1]!), /no clear gain/);
      assert.deepStrictEqual(h.lastInputs(), { corrections: 14, documented: 310, at: e.endedAt });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the corrections a run held out count as seen: the next run waits for new ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'history-'));
    try {
      const h = new LearningHistory(dir);
      h.add({
        id: 'learn-1',
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-01T00:05:00.000Z',
        reason: '22 new corrections',
        corrections: 12,
        heldOutCorrections: 10,
        minedPairs: 22,
        documented: 22,
        previousModel: 'default',
        message: 'kept',
      });
      assert.strictEqual(h.lastInputs()!.corrections, 22);
      assert.strictEqual(somethingToLearn({ corrections: 22, documented: 22 }, h.lastInputs()), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a run's budget: the minutes of CPU time of each of its threads (its CPU share), not of the wall clock", () => {
    assert.deepStrictEqual(learningBudget(5, 1), { timeBudgetMs: 300_000, clock: 'cpu' });
    assert.deepStrictEqual(learningBudget(5, 2), { timeBudgetMs: 600_000, clock: 'cpu' });
    assert.deepStrictEqual(learningBudget(LEARNING_DEFAULTS.minutes, LEARNING_DEFAULTS.threads).clock, 'cpu');
  });

  it("prunes the models of older learning runs, never the one in use, a kept run's earlier model or a model no learning run made", () => {
    const run = (i: number, previous: string, installed?: string): HistoryEntry => ({
      id: `learn-${i}`,
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:05:00.000Z',
      reason: 'r',
      corrections: i,
      minedPairs: 0,
      documented: 0,
      previousModel: previous,
      ...(installed ? { installedModel: installed } : {}),
      message: 'm',
    });
    // m1..m6 made by learning; the first run started from a model the user fine-tuned; one refused run.
    const entries = [
      run(1, 'workspace-manual', 'm1'),
      run(2, 'm1', 'm2'),
      run(3, 'm2'),
      run(4, 'm2', 'm3'),
      run(5, 'm3', 'm4'),
      run(6, 'm4', 'm5'),
      run(7, 'm5', 'm6'),
    ];
    // Keep 3: the runs that installed m4, m5, m6 and the model m4's run started from (m3).
    assert.deepStrictEqual(learnedModelsToPrune(entries, 'm6', 3), ['m1', 'm2']);
    // The user returned to m1: it stays.
    assert.deepStrictEqual(learnedModelsToPrune(entries, 'm1', 3), ['m2']);
    // Fewer runs than kept: nothing goes; 'workspace-manual' is never named.
    assert.deepStrictEqual(learnedModelsToPrune(entries.slice(0, 2), 'm2', 3), []);
    assert.ok(!learnedModelsToPrune(entries, 'm6', 1).includes('workspace-manual'));
  });
});
