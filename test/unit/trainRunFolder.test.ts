/**
 * `seq2seq train` and its run folder, end to end (the compiled bin in child processes): a second
 * training into a folder in use is refused with the first one's process id and start time;
 * SIGTERM and SIGHUP save the last checkpoint and exit as Ctrl-C does, and release the folder;
 * `--resume` after a crash between the renames of a save recovers `last/` and `best/` from their
 * temporary copies even when their process ids are alive again, and removes leftover copies; an
 * input where `train` writes is refused before anything is written.
 */
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scaled } from '../timeScale';

import { RUN_LOCK_FILE } from '../../src/modelFolder/runLock';
import { writeWordPairCorpus } from './helpers/wordPairCorpus';
import { CLI_BIN, cliProcess } from './helpers/cliProcess';

const BIN = CLI_BIN;
const cli = (args: string[]) => cliProcess(args);

/** A training with no step limit, once it has made its first step; `err()` is its stderr so far. */
async function startedTraining(args: string[], out: string): Promise<{ child: ChildProcess; err: () => string }> {
  const child = spawn(process.execPath, [BIN, 'train', ...args, '--out', out, '--backend', 'wasm'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const log = path.join(out, 'metrics.jsonl');
  const deadline = Date.now() + scaled(120_000);
  while (!(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('"type":"step"'))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the training did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, err: () => err };
}

const exitCode = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', r));

describe('train and its run folder (CLI)', function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-runfolder-'));
  const corpus = path.join(dir, 'corpus.jsonl');
  const config = path.join(dir, 'cfg.json');
  const base = (): string[] => ['--corpus', corpus, '--config', config];
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(() => {
    writeWordPairCorpus(corpus, { pairs: 60, files: 20 });
    fs.writeFileSync(
      config,
      JSON.stringify({
        model: { attention: 'bahdanau', embeddingDim: 16, hiddenDim: 16, dropout: 0, maxSrcLen: 24, maxTgtLen: 8 },
        vocabSize: 300,
        batchSize: 8,
        directions: ['code2doc'],
        training: {
          optimizer: { name: 'adam', learningRate: 0.01 },
          schedule: { kind: 'constant' },
          maxEpochs: 1000,
          evalEvery: 5,
          evalLimit: 4,
          patience: 0,
        },
      }),
    );
  });

  it('refuses a second training into a folder in use, then SIGTERM saves last/ and frees the folder', async () => {
    const out = path.join(dir, 'shared');
    const first = await startedTraining(base(), out);
    const second = cli(['train', ...base(), '--out', out, '--max-steps', '2']);
    assert.strictEqual(second.code, 1, second.err);
    assert.match(
      second.err,
      new RegExp(`in use by another training \\(seq2seq train, process ${first.child.pid}, started 20`),
    );
    first.child.kill('SIGTERM');
    assert.strictEqual(await exitCode(first.child), 0, first.err());
    assert.match(first.err(), /stopping on SIGTERM: saving the last checkpoint/);
    assert.match(first.err(), /finished \(cancelled\) at step \d+/);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'last', 'trainState.json'), 'utf8')) as { step: number };
    assert.ok(state.step >= 1);
    assert.ok(!fs.existsSync(path.join(out, RUN_LOCK_FILE)), 'the lock outlived the run');
    // Only the first run's events: the refused one wrote nothing.
    const starts = fs
      .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: number })
      .filter((e) => e.type === 'step' && e.step === 1);
    assert.strictEqual(starts.length, 1);
  });

  it('SIGHUP (a closed terminal) saves last/ as Ctrl-C does', async () => {
    const out = path.join(dir, 'hangup');
    const run = await startedTraining(base(), out);
    run.child.kill('SIGHUP');
    assert.strictEqual(await exitCode(run.child), 0, run.err());
    assert.match(run.err(), /finished \(cancelled\) at step \d+/);
    assert.ok(fs.existsSync(path.join(out, 'last', 'trainState.json')));
    assert.ok(!fs.existsSync(path.join(out, RUN_LOCK_FILE)));
  });

  it('--resume after a crash recovers last/ and best/ whose process ids are alive again, and removes leftovers', () => {
    const out = path.join(dir, 'crashed');
    const first = cli(['train', ...base(), '--out', out, '--max-steps', '5']);
    assert.strictEqual(first.code, 0, first.err);
    // The crash (container restart): both saves between their renames, and the ids in their
    // temporary names in use again, by this (live) process; an older abandoned copy of best/ too.
    const stamp = `${process.pid}-${Date.now() - 60_000}`;
    fs.renameSync(path.join(out, 'last'), path.join(out, `.last.tmp-${stamp}-1`));
    fs.cpSync(path.join(out, 'best'), path.join(out, `.best.tmp-${stamp}-2`), { recursive: true });
    fs.renameSync(path.join(out, 'best'), path.join(out, `.best.tmp-${stamp}-1`));
    const resumed = cli(['train', ...base(), '--out', out, '--resume', '--max-steps', '7']);
    assert.strictEqual(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /resumed run: .* from step 5/);
    assert.match(resumed.err, /finished \(completed\) at step 7/);
    assert.ok(fs.existsSync(path.join(out, 'best', 'config.json')), 'best/ was not recovered');
    assert.deepStrictEqual(
      fs.readdirSync(out).filter((n) => n.startsWith('.')),
      [],
    );
  });

  it('refuses an input where train writes, and an --out that is not a folder, before writing anything', () => {
    const out = path.join(dir, 'crashed');
    const before = fs.readFileSync(path.join(out, 'test.jsonl'), 'utf8');
    const r = cli([
      'train',
      '--corpus',
      path.join(out, 'test.jsonl'),
      '--config',
      config,
      '--out',
      out,
      '--max-steps',
      '1',
    ]);
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /--corpus .*test\.jsonl lies in --out .* where this command writes \(test\.jsonl\)/);
    assert.strictEqual(fs.readFileSync(path.join(out, 'test.jsonl'), 'utf8'), before);
    const init = cli(['train', ...base(), '--init', out, '--out', out, '--max-steps', '1']);
    assert.match(init.err, /--init .* lies in --out/);
    const file = cli(['train', ...base(), '--out', corpus, '--max-steps', '1']);
    assert.match(file.err, /--out .*corpus\.jsonl is a regular file, not a folder/);
  });
});
