/**
 * `train` says what it does: it prints the resolved options once at the start, writes them into
 * the run folder (options.json) and into the saved model's meta; a run its time budget ends says
 * so; `--minutes` is the total across resumes, as `--help` states.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeWordPairCorpus } from './helpers/wordPairCorpus';
import { cliProcess } from './helpers/cliProcess';

const cli = (args: string[]) => cliProcess(args, { wasm: false });

interface RunEvent {
  type: string;
  reason?: string;
  step: number;
  elapsedMs: number;
}

/** metrics.jsonl's events, every run of the folder one after the other. */
function runEvents(run: string): RunEvent[] {
  return fs
    .readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent);
}

function finishedEvents(run: string): RunEvent[] {
  return runEvents(run).filter((e) => e.type === 'finished');
}

describe('train says what it does', function () {
  this.timeout(300000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-train-report-'));
  const corpus = path.join(dir, 'corpus.jsonl');
  const config = path.join(dir, 'cfg.json');

  before(() => {
    writeWordPairCorpus(corpus, { pairs: 40, files: 10 });
    fs.writeFileSync(
      config,
      JSON.stringify({
        model: { embeddingDim: 8, hiddenDim: 8, init: 'orthogonal' },
        vocabSize: 300,
        batchSize: 8,
        directions: ['code2doc'],
        training: {
          optimizer: { name: 'adam', learningRate: 0.01 },
          maxEpochs: 100000,
          evalEvery: 2,
          evalLimit: 2,
          patience: 0,
        },
      }),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the resolved options once, and writes them into the run folder and the model meta', () => {
    const run = path.join(dir, 'run');
    const r = cli([
      'train',
      '--corpus',
      corpus,
      '--config',
      config,
      '--out',
      run,
      '--max-steps',
      '3',
      '--backend',
      'wasm',
    ]);
    assert.strictEqual(r.code, 0, r.err);
    assert.strictEqual(r.err.split('options (new run').length - 1, 1, r.err);
    // Defaults the config did not give are filled in.
    assert.match(r.err, /model: arch rnn, cell gru, attention luong-general, .*init orthogonal/);
    assert.match(r.err, /training: optimizer \{"name":"adam","learningRate":0.01\}, .*maxSteps 3/);
    assert.match(r.err, /data: batchSize 8, vocabSize \d+, seed \d+, directions \["code2doc"\]/);
    const written = JSON.parse(fs.readFileSync(path.join(run, 'options.json'), 'utf8')) as {
      model: { init: string; hiddenDim: number };
      training: { maxSteps: number; clipNorm?: number; optimizer: { name: string } };
      data: { batchSize: number };
    };
    assert.strictEqual(written.model.init, 'orthogonal');
    assert.strictEqual(written.model.hiddenDim, 8);
    assert.strictEqual(written.training.maxSteps, 3);
    assert.strictEqual(written.data.batchSize, 8);
    for (const folder of ['last', 'best']) {
      const saved = JSON.parse(fs.readFileSync(path.join(run, folder, 'config.json'), 'utf8')) as {
        meta: { training: { options: unknown } };
      };
      assert.deepStrictEqual(saved.meta.training.options, written, `${folder}/config.json records the options`);
    }
  });

  it("--weight-init sets a new model's initialisation (model.init) and refuses an unknown scheme", () => {
    const run = path.join(dir, 'init');
    const args = [
      'train',
      '--corpus',
      corpus,
      '--config',
      config,
      '--out',
      run,
      '--max-steps',
      '1',
      '--backend',
      'wasm',
    ];
    const bad = cli([...args, '--weight-init', 'xavier']);
    assert.notStrictEqual(bad.code, 0);
    assert.match(
      bad.err,
      /--weight-init must be glorot-uniform, orthogonal, uniform-0\.1 or scaled-normal, got "xavier"/,
    );
    const r = cli([...args, '--weight-init', 'uniform-0.1']);
    assert.strictEqual(r.code, 0, r.err);
    const saved = JSON.parse(fs.readFileSync(path.join(run, 'last', 'config.json'), 'utf8')) as {
      config: { init: string };
    };
    assert.strictEqual(saved.config.init, 'uniform-0.1', 'the flag overrides the config file');
  });

  it('a run its time budget ends says so, and --minutes counts the total across resumes as --help says', () => {
    const help = cli(['train', '--help']);
    assert.match(
      help.out.replace(/\s+/g, ' '),
      /--minutes <n> time budget: stop after n minutes of training in total, counting earlier runs of a --resume/,
    );
    const run = path.join(dir, 'budget');
    const args = ['train', '--corpus', corpus, '--config', config, '--out', run, '--backend', 'wasm'];
    const budgetMs = 0.02 * 60_000;
    const first = cli([...args, '--minutes', '0.02']);
    assert.strictEqual(first.code, 0, first.err);
    assert.match(first.err, /finished \(stopped by its time budget\) at step \d+/);
    const [ended] = finishedEvents(run);
    assert.strictEqual(ended!.reason, 'time-budget');
    assert.ok(ended!.step < 1000, 'the budget, not the epochs, ended the run');
    // A resume with the same --minutes has only what is left of the budget. The first run may
    // stop short of it (when one more evaluation would not fit, as long as its last one took),
    // so what holds on a machine of any speed is: the resume's clock goes on from the first
    // run's time, and it stops at the first step that ends past the budget.
    const resumed = cli([...args, '--minutes', '0.02', '--resume']);
    assert.strictEqual(resumed.code, 0, resumed.err);
    const second = finishedEvents(run)[1]!;
    assert.strictEqual(second.reason, 'time-budget');
    const events = runEvents(run);
    const steps = events.slice(events.findIndex((e) => e.type === 'finished') + 1).filter((e) => e.type === 'step');
    assert.strictEqual(steps[0]?.step, ended!.step + 1, 'the resume goes on from the step the first run ended at');
    assert.ok(
      steps[0]!.elapsedMs > ended!.elapsedMs,
      `the resume counted from zero (${steps[0]!.elapsedMs} ms at its first step, ${ended!.elapsedMs} ms spent before)`,
    );
    for (const s of steps.slice(0, -1))
      assert.ok(s.elapsedMs < budgetMs, `the resume went on after step ${s.step} at ${s.elapsedMs} ms`);
    // Spent already (the usual case): the resume stops after its first step.
    if (ended!.elapsedMs >= budgetMs)
      assert.strictEqual(second.step, ended!.step + 1, `resumed at ${ended!.step}, stopped at ${second.step}`);
  });
});
