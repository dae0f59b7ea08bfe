import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/model';
import { saveModel } from '../../src/core/checkpoint';
import { CodeTokenizer } from '../../src/data/tokenizer';
import { TOKENIZER_FILE } from '../../src/data/modelFolder';
import { EngineWorkerClient } from '../../src/worker/client';
import { Mine, MineProgress, Translate, ValidateModel } from '../../src/worker/protocol';

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
      vocabSize: 280,
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
      beamSize: 2,
      nBest: 2,
      maxLength: 6,
      lengthPenalty: 0.6,
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
