/**
 * The CLI path end to end (compiled bin in a child process): `train` writes best/, last/ and a
 * JSONL metrics log; `train --resume` continues at the next step; `eval --json` prints both BLEUs
 * and the per-language breakdown; `translate` reads stdin and a file's line range.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeWordPairCorpus } from './helpers/wordPairCorpus';
import { CLI_BIN, cliProcess } from './helpers/cliProcess';

const cli = (args: string[], input?: string) => cliProcess(args, { input, timeoutMs: 90_000 });

describe('training CLI', function () {
  this.timeout(180000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-train-'));
  const corpus = path.join(dir, 'corpus.jsonl');
  const config = path.join(dir, 'cfg.json');
  const out = path.join(dir, 'run');

  before(() => {
    writeWordPairCorpus(corpus, { pairs: 60, files: 20, lang: (i) => (i % 3 ? 'python' : 'javascript') });
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
          maxEpochs: 100,
          evalEvery: 5,
          evalLimit: 4,
          patience: 0,
        },
      }),
    );
  });

  it('trains, logs metrics, and resumes at the next step', () => {
    const first = cli(['train', '--corpus', corpus, '--config', config, '--out', out, '--max-steps', '10']);
    assert.strictEqual(first.code, 0, first.err);
    assert.match(first.err, /new run: \d+ train \/ \d+ valid \/ \d+ test pairs/);
    assert.match(first.err, /finished \(completed\) at step 10/);
    assert.ok(fs.readFileSync(path.join(out, 'test.jsonl'), 'utf8').trim().length > 0, 'no test split written');
    for (const sub of ['best', 'last'])
      assert.ok(fs.existsSync(path.join(out, sub, 'tokenizer.json')), `${sub}/ has no tokenizer`);
    const resumed = cli([
      'train',
      '--corpus',
      corpus,
      '--config',
      config,
      '--out',
      out,
      '--resume',
      '--max-steps',
      '15',
      '--threads',
      '2',
    ]);
    assert.strictEqual(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /resumed run: .* from step 10, 2 training threads/);
    const events = fs
      .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: number });
    const steps = events.filter((e) => e.type === 'step').map((e) => e.step);
    assert.deepStrictEqual(
      steps,
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    assert.strictEqual(events.filter((e) => e.type === 'evaluation').length, 3);
  });

  it('fine-tunes an existing model with its own tokenizer (no vocabulary mismatch), then guards it', () => {
    const tuned = path.join(dir, 'tuned');
    // a different vocabulary size in the config must not matter: the model's tokenizer is reused
    const r = cli(['train', '--corpus', corpus, '--config', config, '--out', tuned, '--init', out, '--max-steps', '3']);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.err, /fine-tuned run: .* vocab \d+/);
    assert.strictEqual(
      fs.readFileSync(path.join(tuned, 'last', 'tokenizer.json'), 'utf8'),
      fs.readFileSync(path.join(out, 'best', 'tokenizer.json'), 'utf8'),
    );
    // The guard scored both models on the held-out split and said which one to keep.
    assert.match(r.out, /(beats|did not beat) the base model on your held-out functions: chrF [\d.]+ vs [\d.]+/);
    const guard = JSON.parse(fs.readFileSync(path.join(tuned, 'guard.json'), 'utf8')) as {
      better: boolean;
      base: { pairs: number };
    };
    assert.ok(guard.base.pairs > 0 && typeof guard.better === 'boolean');
  });

  it('Ctrl-C saves the last checkpoint and exits cleanly', async () => {
    const run = path.join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'train', '--corpus', corpus, '--config', config, '--out', run, '--backend', 'wasm'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const log = path.join(run, 'metrics.jsonl');
    while (!(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('"type":"step"')))
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.strictEqual(code, 0, err);
    assert.match(err, /finished \(cancelled\) at step \d+/);
    const state = JSON.parse(fs.readFileSync(path.join(run, 'last', 'trainState.json'), 'utf8')) as { step: number };
    assert.ok(state.step >= 1);
  });

  it('tune runs trials and prints them sorted by validation score', () => {
    const r = cli([
      'tune',
      '--corpus',
      corpus,
      '--config',
      config,
      '--out',
      path.join(dir, 'tune'),
      '--steps',
      '5',
      '--max-trials',
      '2',
    ]);
    assert.strictEqual(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.match(lines[0]!, /^trial\s+learningRate\s+dropout\s+hiddenDim\s+attention\s+rung\s+steps\s+score/);
    assert.strictEqual(lines.length, 3);
    const { trials } = JSON.parse(fs.readFileSync(path.join(dir, 'tune', 'trials.json'), 'utf8')) as {
      trials: { score: number; rung: number }[];
    };
    // Successive halving: of two trials one goes on to the second rung, and it comes first.
    assert.deepStrictEqual(
      trials.map((t) => t.rung),
      [1, 0],
    );
  });

  it('learns a synthetic task to high exact match on held-out files through train and eval', () => {
    // Summaries are the function name's words: a copy-and-split task that generalises to
    // names never seen in training (the test split holds other files).
    const words = ['get', 'set', 'user', 'name', 'file', 'path', 'load', 'save', 'item', 'list', 'open', 'read'];
    const lines: string[] = [];
    for (let i = 0; i < 240; i++) {
      const [a, b, c] = [words[i % 12]!, words[(i * 5 + 1) % 12]!, words[(i * 7 + 3) % 12]!];
      lines.push(
        JSON.stringify({
          lang: 'python',
          path: `s${i % 40}.py`,
          code: `def ${a}_${b}_${c}(x):\n    return x`,
          summary: `${a} ${b} ${c}`,
        }),
      );
    }
    const synth = path.join(dir, 'synthetic.jsonl');
    fs.writeFileSync(synth, `${lines.join('\n')}\n`);
    const cfg = path.join(dir, 'synthetic.json');
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        // Copying, and a retrieved neighbour's summary (another name's words) before the code,
        // which eval must put there too.
        model: {
          attention: 'bahdanau',
          embeddingDim: 32,
          hiddenDim: 64,
          dropout: 0,
          maxSrcLen: 32,
          maxTgtLen: 8,
          copy: true,
        },
        retrieval: true,
        vocabSize: 300,
        batchSize: 16,
        directions: ['code2doc'],
        training: {
          optimizer: { name: 'adam', learningRate: 0.01 },
          schedule: { kind: 'constant' },
          maxEpochs: 1000,
          evalEvery: 100,
          evalLimit: 20,
          stopMetric: 'loss',
          patience: 0,
        },
      }),
    );
    const run = path.join(dir, 'synthetic-run');
    const trained = cli(['train', '--corpus', synth, '--config', cfg, '--out', run, '--max-steps', '300']);
    assert.strictEqual(trained.code, 0, trained.err);
    const held = path.join(run, 'test.jsonl');
    assert.ok(fs.existsSync(held), 'train wrote no held-out split');
    const r = cli(['eval', '--model', path.join(run, 'last'), '--corpus', held, '--json', '--beam', '1']);
    assert.strictEqual(r.code, 0, r.err);
    const res = JSON.parse(r.out) as { exactMatch: number; decoded: number };
    assert.ok(res.decoded >= 10, `only ${res.decoded} held-out examples`);
    console.log(`      held-out exact match ${res.exactMatch.toFixed(1)}% over ${res.decoded} examples`);
    assert.ok(res.exactMatch >= 90, `exact match on held-out files is ${res.exactMatch}%`);
  });

  it('evaluates with both BLEUs and a per-language breakdown', () => {
    const r = cli(['eval', '--model', out, '--corpus', corpus, '--json', '--limit', '12']);
    assert.strictEqual(r.code, 0, r.err);
    const res = JSON.parse(r.out) as {
      bleu: number;
      sentenceBleu: number;
      exactMatch: number;
      decoded: number;
      byGroup: Record<string, { count: number }>;
    };
    assert.strictEqual(res.decoded, 12);
    assert.deepStrictEqual(Object.keys(res.byGroup).sort(), ['javascript code2doc', 'python code2doc']);
    assert.ok(res.sentenceBleu >= 0 && res.sentenceBleu <= 100 && res.bleu >= 0 && res.exactMatch >= 0);
  });

  it('translates stdin and a file range, and explains a bad range', () => {
    const viaStdin = cli(
      ['translate', '--model', out, '--beam', '3', '--nbest', '2'],
      'def get_user(x):\n    return x\n',
    );
    assert.strictEqual(viaStdin.code, 0, viaStdin.err);
    assert.match(viaStdin.out, /^1\. \[-?\d+\.\d+\] .*\n2\. \[/);
    const src = path.join(dir, 'a.py');
    fs.writeFileSync(src, '# header\ndef set_name(x):\n    return x\n# footer\n');
    const viaFile = cli(['translate', '--model', out, '--file', src, '--lines', '2-3']);
    assert.strictEqual(viaFile.code, 0, viaFile.err);
    assert.strictEqual(viaFile.out.trim().split('\n').length, 1);
    const bad = cli(['translate', '--model', out, '--file', src, '--lines', 'x-y']);
    assert.notStrictEqual(bad.code, 0);
    assert.match(bad.err, /--lines must look like 10-30/);
  });
});
