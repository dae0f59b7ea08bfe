/**
 * The guarded reader and what goes through it (issue 37): devices, FIFOs, links and oversized
 * files refused before they are read, with messages that name the file and never quote another
 * one; NaN weights and optimizer state refused on load; a non-finite loss stops training before
 * it is saved; corpora, `translate`'s input and the CLI's limits.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scaled } from '../timeScale';
import { Readable } from 'stream';
import * as tf from '@tensorflow/tfjs';

import { loadModel, saveModel } from '../../src/modelFolder/checkpoint';
import { buildModel } from '../../src/core/model';
import { readCorpus } from '../../src/mining/dataset';
import { guardedLines, readGuarded, readGuardedSync, readStreamCapped } from '../../src/files/guardedRead';
import { functionsToDocument, type ParseReport } from '../../src/mining/indexMining';
import { ParserPool } from '../../src/parsing/parser';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { walkSourceFiles } from '../../src/mining/walk';
import { FunctionIndex } from '../../src/retrieval/functionIndex';
import { readRunRecord } from '../../src/host/interruptedRuns';
import { CorrectionStore } from '../../src/learning/corrections';
import { LearningHistory } from '../../src/learning/policy';
import { ModelRunner } from '../../src/inference/modelRunner';
import { prepareTrainJob } from '../../src/training/job';
import { readTrainConfig, trainJobLimitsProblem } from '../../src/training/trainConfigFile';
import { NonFiniteLossError } from '../../src/training/trainer';
import { corpusFingerprint, loadTrainCheckpoint } from '../../src/training/trainState';
import { createOptimizer } from '../../src/training/optimizers';
import { capThreads, nBestOption, beamOption } from '../../src/cli/options';
import { registerTrainCommands, translateInput, withTrainingFlags } from '../../src/cli/trainCommands';
import { registerDataCommands } from '../../src/cli/dataCommands';
import { runCli } from './cliHarness';

const SECRET = 'root:x:0:0:SECRET-LINE-THAT-MUST-NOT-LEAK';
const TOKENIZER = CodeTokenizer.train(['def f(x):\n    return x', 'Return x.'], { vocabSize: 280, minFrequency: 1 });
const unix = process.platform !== 'win32';

function mkfifo(file: string): boolean {
  try {
    execFileSync('mkfifo', [file]);
    return true;
  } catch {
    return false;
  }
}

/** Runs `f`, which must fail within `ms` (scaled), and returns its message. */
async function failsFast(f: () => unknown, quietMs = 3000): Promise<string> {
  const ms = scaled(quietMs);
  const started = Date.now();
  let message: string | undefined;
  try {
    await f();
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  assert.ok(message !== undefined, 'it was accepted');
  assert.ok(Date.now() - started < ms, `it took ${Date.now() - started} ms`);
  return message;
}

/** A tiny saved model (a real one: loadModel builds it) with the test tokenizer. */
async function tinyModel(dir: string, meta: Record<string, unknown> = {}): Promise<void> {
  const model = buildModel(
    { arch: 'rnn', cell: 'gru', attention: 'luong-general', embeddingDim: 8, hiddenDim: 8, maxTgtLen: 8 },
    TOKENIZER.vocabSize,
    TOKENIZER.vocabSize,
    3,
  );
  await saveModel(model, dir, { tokenizer: 'tokenizer.json', ...meta } as never, {
    extraFiles: { 'tokenizer.json': JSON.stringify(TOKENIZER.toJSON()) },
  });
  model.dispose();
}

describe('the guarded reader', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-guard-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses /dev/zero, a FIFO and a folder at once, and a link when told not to follow', async function () {
    if (!unix || !fs.existsSync('/dev/zero')) this.skip();
    const o = { maxBytes: 1 << 20 };
    assert.match(await failsFast(() => readGuardedSync('/dev/zero', o)), /\/dev\/zero is not a regular file/);
    assert.match(await failsFast(() => readGuarded('/dev/zero', o)), /not a regular file/);
    const fifo = path.join(tmp, 'pipe');
    if (mkfifo(fifo)) {
      assert.match(await failsFast(() => readGuardedSync(fifo, o)), /pipe is not a regular file/);
      assert.match(await failsFast(() => readGuarded(fifo, o)), /not a regular file/);
    }
    assert.match(await failsFast(() => readGuardedSync(tmp, o)), /not a regular file/);
    const target = path.join(tmp, 'target');
    fs.writeFileSync(target, SECRET);
    const link = path.join(tmp, 'link');
    fs.symlinkSync(target, link);
    assert.strictEqual(readGuardedSync(link, o).toString(), SECRET, 'followed by default');
    const m = await failsFast(() => readGuardedSync(link, { ...o, noFollow: true, name: 'link' }));
    assert.match(m, /link is a symbolic link/);
    assert.ok(!m.includes('SECRET'));
  });

  it("the extension's own state files are read through it: a FIFO index, run record or correction store does not block", async function () {
    if (!unix) this.skip();
    const fifos = ['index.json', 'run.json', 'corrections.json', 'learning-history.json'].map((f) => path.join(tmp, f));
    if (!fifos.every(mkfifo)) this.skip();
    const started = Date.now();
    assert.strictEqual(FunctionIndex.load(fifos[0]!, tmp), undefined);
    assert.strictEqual(readRunRecord(tmp), undefined);
    assert.deepStrictEqual(new CorrectionStore(tmp).list(), []);
    assert.deepStrictEqual(new LearningHistory(tmp).list(), []);
    assert.ok(Date.now() - started < scaled(5000), 'none of them waited for a writer');
  });

  it('mine walks past a .gitignore that is a FIFO instead of blocking on it', async function () {
    if (!unix || !mkfifo(path.join(tmp, '.gitignore'))) this.skip();
    fs.writeFileSync(path.join(tmp, 'a.py'), 'def f(x):\n    return x\n');
    const started = Date.now();
    const files: string[] = [];
    for await (const f of walkSourceFiles([tmp])) files.push(path.basename(f.path));
    assert.deepStrictEqual(files, ['a.py']);
    assert.ok(Date.now() - started < scaled(3000));
  });

  it('checks the size before reading: a sparse 3 GB file is refused at once', async () => {
    const big = path.join(tmp, 'big.bin');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 3 * 1024 ** 3);
    const m = await failsFast(() => readGuardedSync(big, { maxBytes: 1024 * 1024, name: 'big.bin' }), 1000);
    assert.match(m, /big\.bin is 3221225472 bytes, more than the 1 MiB \(1048576 bytes\) allowed/);
  });

  it('streams lines, drops a BOM, and refuses a line longer than its limit', async () => {
    const f = path.join(tmp, 'x.txt');
    fs.writeFileSync(f, '\ufeffone\r\ntwo\n\nthree');
    const lines: string[] = [];
    for await (const { line } of guardedLines(f, { maxBytes: 1000, maxLineBytes: 10 })) lines.push(line);
    assert.deepStrictEqual(lines, ['one', 'two', '', 'three']);
    fs.writeFileSync(f, `ok\n${'x'.repeat(50)}\n`);
    await assert.rejects(async () => {
      for await (const _ of guardedLines(f, { maxBytes: 1000, maxLineBytes: 10, name: 'x.txt' })) void _;
    }, /x\.txt:2 is longer than 10 bytes/);
  });

  it('reads no more of a stream than its cap (50 MB on stdin)', async () => {
    let pulled = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const endless = Readable.from(
      (function* () {
        for (let i = 0; i < 800; i++) {
          pulled++;
          yield chunk;
        }
      })(),
    );
    const { bytes, truncated } = await readStreamCapped(endless, 512 * 1024);
    assert.ok(truncated);
    assert.strictEqual(bytes.length, 512 * 1024);
    assert.ok(pulled < 20, `read ${pulled} chunks of 64 KiB`);
  });
});

describe('model folders through the guarded reader', function () {
  this.timeout(60000);
  let tmp: string;
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-guard-model-'));
    dir = path.join(tmp, 'model');
    await tinyModel(dir);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const weights = (): string => path.join(dir, 'weights.bin');

  it('refuses weights.bin linked to /dev/zero, a FIFO, or larger than config.json says, without reading it', async function () {
    if (!unix || !fs.existsSync('/dev/zero')) this.skip();
    const saved = fs.readFileSync(weights());
    fs.rmSync(weights());
    fs.symlinkSync('/dev/zero', weights());
    assert.match(await failsFast(() => loadModel(dir)), /weights\.bin is a symbolic link/);
    // A link to the model's own weights is refused the same way (as tokenizer links are).
    fs.rmSync(weights());
    fs.writeFileSync(path.join(tmp, 'real.bin'), saved);
    fs.symlinkSync(path.join(tmp, 'real.bin'), weights());
    assert.match(await failsFast(() => loadModel(dir)), /weights\.bin is a symbolic link/);
    fs.rmSync(weights());
    if (mkfifo(weights())) {
      assert.match(await failsFast(() => loadModel(dir)), /weights\.bin is not a regular file/);
      fs.rmSync(weights());
    }
    fs.writeFileSync(weights(), saved);
    fs.truncateSync(weights(), 2 * 1024 ** 3);
    assert.match(await failsFast(() => loadModel(dir), 1500), /weights\.bin is 2147483648 bytes, more than/);
  });

  it('refuses a config.json over 1 MiB or linked to a device', async function () {
    const config = path.join(dir, 'config.json');
    fs.truncateSync(config, 400 * 1024 * 1024);
    assert.match(await failsFast(() => loadModel(dir), 1500), /config\.json is 419430400 bytes, more than the 1 MiB/);
    if (!unix || !fs.existsSync('/dev/zero')) return;
    fs.rmSync(config);
    fs.symlinkSync('/dev/zero', config);
    assert.match(await failsFast(() => loadModel(dir)), /config\.json is a symbolic link/);
  });

  it('refuses a model whose weights are all NaN, naming weights.bin', async () => {
    const model = buildModel(
      { arch: 'rnn', cell: 'gru', attention: 'luong-general', embeddingDim: 8, hiddenDim: 8, maxTgtLen: 8 },
      TOKENIZER.vocabSize,
      TOKENIZER.vocabSize,
      3,
    );
    for (const v of model.variables) v.assign(tf.fill(v.shape, Number.NaN));
    const nan = path.join(tmp, 'nan');
    await saveModel(
      model,
      nan,
      { tokenizer: 'tokenizer.json' },
      {
        extraFiles: { 'tokenizer.json': JSON.stringify(TOKENIZER.toJSON()) },
      },
    );
    model.dispose();
    await assert.rejects(loadModel(nan), /weights\.bin holds NaN or infinite values/);
  });

  it('refuses meta.tokenizer pointing outside by its shape, never looking at the outside path', async () => {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { meta: Record<string, unknown> };
    for (const [key, value] of [
      ['tokenizer', '../../../../etc/passwd'],
      ['retrieval', { memory: '../../../../etc/passwd' }],
    ] as const) {
      const meta = { ...raw.meta, tokenizer: 'tokenizer.json', [key]: value };
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...raw, meta }));
      const touched: string[] = [];
      // The module object itself (the import above is a read-only view of it).
      const nodeFs = require('fs') as Record<string, unknown>;
      const spied = ['existsSync', 'statSync', 'lstatSync', 'openSync', 'readFileSync', 'accessSync'] as const;
      const originals = spied.map((name) => nodeFs[name]);
      spied.forEach((name, i) => {
        nodeFs[name] = (p: unknown, ...rest: unknown[]) => {
          touched.push(String(p));
          return (originals[i] as (...a: unknown[]) => unknown)(p, ...rest);
        };
      });
      let message = '';
      try {
        await ModelRunner.load(dir).then(
          (r) => r.dispose(),
          (e: Error) => (message = e.message),
        );
      } finally {
        spied.forEach((name, i) => (nodeFs[name] = originals[i]));
      }
      assert.match(message, /not a file inside the model folder/, key);
      assert.ok(!message.includes('passwd'), `the message repeats the path: ${message}`);
      assert.deepStrictEqual(
        touched.filter((p) => p.includes('passwd')),
        [],
        `${key}: the outside path was looked at`,
      );
    }
  });

  it('refuses meta.decoding.lengthReward 1e308 with a message naming the field', async () => {
    const file = path.join(dir, 'config.json');
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { meta: Record<string, unknown> };
    fs.writeFileSync(file, JSON.stringify({ ...raw, meta: { ...raw.meta, decoding: { lengthReward: 1e308 } } }));
    await assert.rejects(loadModel(dir), /meta\.decoding\.lengthReward is 1e\+308, outside 0 to 100/);
    fs.writeFileSync(file, JSON.stringify({ ...raw, meta: { ...raw.meta, decoding: { lengthReward: 0.8 } } }));
    const { model, meta } = await loadModel(dir);
    model.dispose();
    assert.strictEqual(meta.decoding?.lengthReward, 0.8);
  });
});

describe('training: checkpoints, non-finite loss, corpora', function () {
  this.timeout(240000);
  let tmp: string;
  let corpus: string;
  let config: ReturnType<typeof readTrainConfig>;
  let last: string;
  before(async () => {
    await tf.setBackend('cpu');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-guard-train-'));
    corpus = path.join(tmp, 'corpus.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 40; i++)
      lines.push(
        JSON.stringify({
          lang: 'python',
          path: `f${i % 10}.py`,
          code: `def f${i}(x):\n    return x + ${i}`,
          summary: `add ${i}`,
        }),
      );
    fs.writeFileSync(corpus, `${lines.join('\n')}\n`);
    const configFile = path.join(tmp, 'cfg.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        model: { embeddingDim: 8, hiddenDim: 8 },
        vocabSize: 300,
        directions: ['code2doc'],
        training: { maxSteps: 2, evalLimit: 2 },
      }),
    );
    config = readTrainConfig(configFile);
    const job = await prepareTrainJob({ corpus, outDir: path.join(tmp, 'run'), config }, () => {});
    try {
      await job.trainer.run();
    } finally {
      job.trainer.dispose();
      job.trainer.model.dispose();
    }
    last = path.join(tmp, 'run', 'last');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A copy of last/ with one file changed. */
  function damaged(name: string, change: (file: string) => void): string {
    const copy = path.join(tmp, `last-${name}-${Math.random().toString(36).slice(2)}`);
    fs.cpSync(last, copy, { recursive: true });
    change(path.join(copy, name));
    return copy;
  }
  const load = (dir: string) => loadTrainCheckpoint(dir, () => createOptimizer({ name: 'adam', learningRate: 0.001 }));

  it('names trainState.json when it is corrupt, and optimizer.bin when it is truncated or NaN', async () => {
    const corrupt = damaged('trainState.json', (f) => fs.writeFileSync(f, '{"step": 2, "epo'));
    await assert.rejects(load(corrupt), /last-trainState\.json-\w+[/\\]trainState\.json is not valid JSON/);
    const noCounters = damaged('trainState.json', (f) => fs.writeFileSync(f, '{"step": "x"}'));
    await assert.rejects(load(noCounters), /trainState\.json is not a valid training state/);
    const truncated = damaged('optimizer.bin', (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)));
    await assert.rejects(load(truncated), /optimizer\.bin has \d+ bytes, expected \d+ \(truncated\)/);
    const nan = damaged('optimizer.bin', (f) => {
      const b = Buffer.alloc(fs.statSync(f).size);
      for (let i = 0; i + 4 <= b.length; i += 4) b.writeFloatLE(Number.NaN, i);
      fs.writeFileSync(f, b);
    });
    await assert.rejects(load(nan), /optimizer\.bin holds NaN or infinite values/);
    const ok = await load(last);
    ok.model.dispose();
    ok.optimizer.dispose();
  });

  it('stops on a non-finite loss before applying or saving the step', async () => {
    const out = path.join(tmp, 'nan-run');
    const job = await prepareTrainJob({ corpus, outDir: out, config }, () => {});
    try {
      const v = job.trainer.model.variables[0]!;
      v.assign(tf.fill(v.shape, Number.NaN));
      await assert.rejects(job.trainer.run(), (e: Error) => {
        assert.ok(e instanceof NonFiniteLossError, e.message);
        assert.match(e.message, /training stopped at step 1: the loss is not a finite number/);
        return true;
      });
    } finally {
      job.trainer.dispose();
      job.trainer.model.dispose();
    }
    assert.ok(!fs.existsSync(path.join(out, 'last')), 'a NaN checkpoint was saved');
  });

  it('warns when a run is resumed on another corpus than it started with', async () => {
    const other = path.join(tmp, 'other.jsonl');
    fs.writeFileSync(other, fs.readFileSync(corpus, 'utf8').replace(/add 3"/g, 'add three"'));
    assert.notStrictEqual(corpusFingerprint(other), corpusFingerprint(corpus));
    for (const [file, warned] of [
      [corpus, false],
      [other, true],
    ] as const) {
      const job = await prepareTrainJob(
        { corpus: file, outDir: path.join(tmp, 'run'), config, resume: true },
        () => {},
      );
      job.trainer.dispose();
      job.trainer.model.dispose();
      if (warned) assert.match(job.summary.corpusWarning ?? '', /other\.jsonl is not the corpus this run started with/);
      else assert.strictEqual(job.summary.corpusWarning, undefined);
    }
  });

  it('reads a corpus with a BOM; refuses /dev/zero and a FIFO at once, also from the CLI', async function () {
    const bom = path.join(tmp, 'bom.jsonl');
    fs.writeFileSync(bom, `\ufeff${fs.readFileSync(corpus, 'utf8')}`);
    assert.strictEqual((await readCorpus(bom)).length, 40);
    if (!unix || !fs.existsSync('/dev/zero')) return;
    assert.match(await failsFast(() => readCorpus('/dev/zero')), /the corpus \/dev\/zero is not a regular file/);
    const cli = await failsFast(() => runCli(registerDataCommands, ['corpus-stats', '/dev/zero']));
    assert.match(cli, /\/dev\/zero is not a regular file/);
    const fifo = path.join(tmp, 'fifo.jsonl');
    if (mkfifo(fifo)) assert.match(await failsFast(() => readCorpus(fifo)), /fifo\.jsonl is not a regular file/);
  });
});

describe('translate input and the CLI limits', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-guard-cli-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const empty = (): Readable => Readable.from([]);

  it('translate --file has document’s rules: an ELF binary, /dev/zero, /dev/urandom and a FIFO are refused', async function () {
    const elf = path.join(tmp, 'prog');
    fs.writeFileSync(elf, Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\x00'), Buffer.alloc(64)]));
    assert.match(await failsFast(() => translateInput(elf, empty())), /prog skipped: it is a binary file/);
    if (unix && fs.existsSync('/dev/zero')) {
      for (const dev of ['/dev/zero', '/dev/urandom'])
        assert.match(await failsFast(() => translateInput(dev, empty())), /not a regular file/);
      const fifo = path.join(tmp, 'a.py');
      if (mkfifo(fifo)) assert.match(await failsFast(() => translateInput(fifo, empty())), /not a regular file/);
    }
    const ok = path.join(tmp, 'ok.py');
    fs.writeFileSync(ok, 'def f(x):\n    return x\n');
    assert.strictEqual(await translateInput(ok, empty()), 'def f(x):\n    return x\n');
  });

  it('stdin: refused past 512 KiB without reading it all, and when binary', async () => {
    let pulled = 0;
    const big = Readable.from(
      (function* () {
        for (let i = 0; i < 800; i++) {
          pulled++;
          yield Buffer.alloc(64 * 1024, 0x61);
        }
      })(),
    );
    assert.match(await failsFast(() => translateInput(undefined, big)), /stdin holds more than 512 KiB/);
    assert.ok(pulled < 20, `read ${pulled} chunks`);
    assert.match(
      await failsFast(() => translateInput(undefined, Readable.from([Buffer.from([0x64, 0, 0x66])]))),
      /stdin holds binary data/,
    );
    assert.strictEqual(await translateInput(undefined, Readable.from([Buffer.from('x = 1\n')])), 'x = 1\n');
  });

  it('translate prints a code-to-comment candidate on one line, whatever line breaks it holds', async () => {
    const file = path.join(tmp, 'a.py');
    fs.writeFileSync(file, 'def f(x):\n    return x\n');
    const load = ModelRunner.load.bind(ModelRunner);
    const stub = {
      translate: () => ({ candidates: [{ text: 'Return x.\nThen y.\r\nDone.', score: -1, logProb: -1, tokens: [] }] }),
      dispose: () => undefined,
    };
    (ModelRunner as unknown as { load: unknown }).load = async () => stub;
    try {
      const out = await runCli(registerTrainCommands, [
        'translate',
        '--file',
        file,
        '--model',
        tmp,
        '--backend',
        'cpu',
      ]);
      assert.strictEqual(out, 'Return x. Then y. Done.\n');
    } finally {
      (ModelRunner as unknown as { load: unknown }).load = load;
    }
  });

  it('limits --beam and --nbest, and caps threads at the cores unless forced', () => {
    assert.throws(() => beamOption('100000'), /--beam must be a whole number from 1 to 64, got "100000"/);
    assert.strictEqual(beamOption('8'), 8);
    assert.throws(() => nBestOption('9', 4), /--nbest 9 is more than the beam \(--beam 4\) holds/);
    assert.strictEqual(nBestOption('3', 4), 3);
    const notes: string[] = [];
    assert.strictEqual(capThreads(64, { cores: 2, notice: (m) => notes.push(m) }), 2);
    assert.match(notes[0] ?? '', /threads: 64 capped to 2, the cores of this machine .*--force-threads/);
    assert.strictEqual(capThreads(64, { cores: 2, force: true }), 64);
    assert.strictEqual(capThreads(2, { cores: 2 }), 2);
    assert.strictEqual(withTrainingFlags({}, { threads: '64' }, 2).training?.threads, 2);
    assert.strictEqual(withTrainingFlags({}, { threads: '64', forceThreads: true }, 2).training?.threads, 64);
    assert.strictEqual(withTrainingFlags({ training: { threads: 32 } }, {}, 4).training?.threads, 4);
  });

  it('refuses batchSize 1.5 and 1e9 and validFraction 1.5, in the config file and in any job config', () => {
    const file = path.join(tmp, 'cfg.json');
    for (const [cfg, message] of [
      [{ batchSize: 1.5 }, /batchSize must be a whole number from 1 to 1024, got 1\.5/],
      [{ batchSize: 1e9 }, /batchSize must be a whole number from 1 to 1024, got 1000000000/],
      [{ validFraction: 1.5 }, /validFraction must be a number between 0 and 1 \(both excluded\), got 1\.5/],
      [{ testFraction: 0 }, /testFraction must be a number between 0 and 1/],
    ] as const) {
      fs.writeFileSync(file, JSON.stringify(cfg));
      assert.throws(() => readTrainConfig(file), message);
      assert.match(trainJobLimitsProblem(cfg as never) ?? '', message);
    }
    assert.match(
      trainJobLimitsProblem({ validFraction: 0.6, testFraction: 0.5 }) ?? '',
      /must leave pairs to train on/,
    );
    assert.strictEqual(trainJobLimitsProblem({ batchSize: 32, validFraction: 0.1, testFraction: 0.1 }), undefined);
  });

  it('lists every seq2seq.decoding setting among the restricted configurations', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as {
      capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
      contributes: {
        configuration: { properties?: Record<string, unknown> }[] | { properties?: Record<string, unknown> };
      };
    };
    const sections = Array.isArray(pkg.contributes.configuration)
      ? pkg.contributes.configuration
      : [pkg.contributes.configuration];
    const decoding = sections
      .flatMap((s) => Object.keys(s.properties ?? {}))
      .filter((k) => k.startsWith('seq2seq.decoding.'));
    assert.ok(decoding.length >= 5, decoding.join(', '));
    const restricted = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of decoding) assert.ok(restricted.includes(key), `${key} is not restricted`);
  });
});

describe('functions the parser cannot make out', function () {
  this.timeout(60000);
  it('950 nested Python functions: the ones tree-sitter loses are counted, not dropped silently', async () => {
    const n = 950;
    const lines = Array.from({ length: n }, (_, i) => `${' '.repeat(i)}def f${i}(x):`);
    const text = `${lines.join('\n')}\n${' '.repeat(n)}return x\n`;
    const parsers = new ParserPool();
    try {
      const report: ParseReport = {};
      const fns = await functionsToDocument(parsers, 'python', text, report);
      assert.ok(fns.length < n, 'the parser now follows every level: this test can go');
      assert.ok(report.unparsed, 'the lost functions are not reported');
      assert.strictEqual(fns.length + report.unparsed.count, n);
      assert.strictEqual(report.unparsed.firstLine, 1);
      const clean: ParseReport = {};
      await functionsToDocument(parsers, 'python', 'def f(x):\n    return x\n', clean);
      assert.strictEqual(clean.unparsed, undefined);
    } finally {
      parsers.dispose();
    }
  });
});
