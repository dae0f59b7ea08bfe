import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/model';
import { saveModel } from '../../src/modelFolder/checkpoint';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { TOKENIZER_FILE, writeMinConfidence, writeStaleSummaryMeta } from '../../src/modelFolder/format';
import { paramSourceText } from '../../src/retrieval/paramDescriptions';
import { describeParam } from '../../src/inference/paramModel';
import { functionsToDocument } from '../../src/mining/indexMining';
import { ParserPool } from '../../src/parsing/parser';
import { ModelRunner } from '../../src/inference/modelRunner';
import { fitScore, summaryFits } from '../../src/inference/staleSummary';
import { EngineWorkerClient } from '../../src/worker/client';
import {
  CheckSummaries,
  DescribeParams,
  Mine,
  MineProgress,
  Translate,
  ValidateModel,
} from '../../src/worker/protocol';

const WORKER = path.join(__dirname, '..', '..', 'src', 'worker', 'worker.js');
const CORPUS_FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'corpus');

describe('engine worker', function () {
  this.timeout(60_000);
  let tmp: string;
  let client: EngineWorkerClient;

  before(async () => {
    await tf.setBackend('cpu');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-'));
    const tokenizer = CodeTokenizer.train(['def add(a, b):\n    return a + b', 'Add two numbers.'], {
      vocabSize: 320,
      minFrequency: 1,
    });
    const model = buildModel(
      { embeddingDim: 8, hiddenDim: 8, maxTgtLen: 8 },
      tokenizer.vocabSize,
      tokenizer.vocabSize,
      3,
    );
    await saveModel(
      model,
      path.join(tmp, 'model'),
      { tokenizer: TOKENIZER_FILE },
      { extraFiles: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()) } },
    );
    model.dispose();
    client = new EngineWorkerClient({ backend: 'cpu', script: WORKER });
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('posts ready with the backend it started', async () => {
    const ready = await client.ready();
    assert.strictEqual(ready.backend, 'cpu');
    assert.match(ready.reason, /JavaScript CPU/);
  });

  it('translates in the worker thread', async () => {
    const t = await client.request(Translate, {
      model: { dir: path.join(tmp, 'model'), id: 'tiny' },
      direction: 'code2doc',
      text: 'def add(a, b):\n    return a + b',
      decoding: { beamSize: 2, nBest: 2, maxLength: 6, lengthPenalty: 0.6 },
    });
    assert.strictEqual(t.modelId, 'tiny');
    assert.ok(t.candidates.length >= 1);
    assert.ok(t.sourceTokens.length > 2);
  });

  it('rejects a corrupt model with the loader message, and keeps serving', async () => {
    const bad = path.join(tmp, 'bad');
    fs.cpSync(path.join(tmp, 'model'), bad, { recursive: true });
    fs.truncateSync(path.join(bad, 'weights.bin'), 10);
    await assert.rejects(client.request(ValidateModel, { dir: bad }), /Cannot load the model/);
    const ok = await client.request(ValidateModel, { dir: path.join(tmp, 'model') });
    assert.strictEqual(ok.arch, 'rnn');
    assert.ok(ok.parameters > 0);
  });

  it('checks summaries: nothing without a calibration; with one, flags the documented functions below its threshold', async () => {
    const text = [
      'def add(a, b):',
      '    """Add two numbers."""',
      '    return a + b',
      '',
      'def read(path):',
      '    """Open a socket and wait for the next message."""',
      '    return open(path).read()',
      '',
      'def plain(x):',
      '    return x',
      '',
    ].join('\n');
    const dir = path.join(tmp, 'model');
    const model = { dir, id: 'tiny' };
    assert.deepStrictEqual(await client.request(CheckSummaries, { model, lang: 'python', text }), {
      calibrated: false,
      stale: [],
    });
    // The fits the worker will compute, computed here the same way (same mining, same model).
    const parsers = new ParserPool();
    const documented = (await functionsToDocument(parsers, 'python', text)).filter((f) => f.existing);
    parsers.dispose();
    assert.deepStrictEqual(
      documented.map((f) => [f.name, f.line]),
      [
        ['add', 1],
        ['read', 5],
      ],
    );
    const runner = await ModelRunner.load(dir);
    const fits = summaryFits(
      runner,
      documented.map((f) => ({ code: f.code, summary: f.existing! })),
    );
    runner.dispose();
    const moments = { pmi: { mean: 0, sd: 1 }, overlap: { mean: 0, sd: 1 } };
    const scores = fits.map((f) => fitScore(f, moments));
    assert.notStrictEqual(scores[0], scores[1]);
    const lower = scores[0]! < scores[1]! ? 0 : 1;
    const calibrated = path.join(tmp, 'calibrated');
    fs.cpSync(dir, calibrated, { recursive: true });
    writeStaleSummaryMeta(calibrated, {
      ...moments,
      threshold: (scores[0]! + scores[1]!) / 2,
      precision: 0.7,
      recall: 0.4,
    });
    const report = await client.request(CheckSummaries, {
      model: { dir: calibrated, id: 'calibrated' },
      lang: 'python',
      text,
    });
    assert.strictEqual(report.calibrated, true);
    assert.strictEqual(report.precision, 0.7);
    assert.deepStrictEqual(
      report.stale.map((h) => [h.name, h.line]),
      [[documented[lower]!.name, documented[lower]!.line]],
    );
    assert.ok(Math.abs(report.stale[0]!.score - scores[lower]!) < 1e-4);
  });

  it('describes parameters with the parameter model where the workspace cannot, only as sure as its threshold', async () => {
    const file = path.join(tmp, 'nowhere', 'a.py');
    const code = 'def add(a, b):\n    return a + b';
    const names = ['a', 'b'];
    // No index and no model: nothing to say.
    assert.deepStrictEqual(await client.request(DescribeParams, { file, names }), {});
    const params = path.join(tmp, 'params');
    fs.cpSync(path.join(tmp, 'model'), params, { recursive: true });
    const ask = () => client.request(DescribeParams, { file, names, code, paramModel: { dir: params, id: 'params' } });
    writeMinConfidence(params, 0);
    const sure = await ask();
    // What the model writes for each name, read the same way here.
    const runner = await ModelRunner.load(params);
    const expected = Object.fromEntries(
      names.flatMap((n) => {
        const d = describeParam(runner, paramSourceText(n, code));
        return d.text ? [[n, d.text]] : [];
      }),
    );
    runner.dispose();
    assert.ok(Object.keys(expected).length > 0, 'the tiny model writes something');
    assert.deepStrictEqual(Object.fromEntries(Object.entries(sure).map(([n, d]) => [n, d.text])), expected);
    assert.ok(
      Object.values(sure).every((d) => d.source === 'model' && d.confidence! >= 0),
      'model answers say so',
    );
    writeMinConfidence(params, 1); // no answer is that sure: placeholders stay
    assert.deepStrictEqual(await ask(), {});
  });

  it('mines a corpus with progress events', async () => {
    let events = 0;
    const sub = client.onEvent(MineProgress, () => events++);
    const out = path.join(tmp, 'corpus.jsonl');
    const result = await client.request(Mine, { roots: [CORPUS_FIXTURES], out });
    sub.dispose();
    assert.ok(result.pairs > 10, `only ${result.pairs} pairs`);
    assert.ok((result.perLanguage.python ?? 0) > 0);
    assert.strictEqual(fs.readFileSync(out, 'utf8').trim().split('\n').length, result.pairs);
    assert.ok(events >= 1);
  });

  it('reports a crash, rejects what was pending, and starts a fresh worker next time', async () => {
    const script = path.join(tmp, 'crash.js');
    fs.writeFileSync(script, 'process.exit(3);');
    const crashes: string[] = [];
    const c = new EngineWorkerClient({ backend: 'cpu', script, onCrash: (m) => crashes.push(m) });
    await assert.rejects(c.ready(), /exit code 3/);
    await assert.rejects(c.request(ValidateModel, { dir: tmp }), /exit code 3/);
    assert.strictEqual(crashes.length, 2);
    await c.dispose();
  });
});
