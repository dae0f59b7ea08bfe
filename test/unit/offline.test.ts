/**
 * "Nothing leaves your machine", checked on every run: with networking forbidden in the test's
 * thread and in the engine worker (every socket, name lookup and fetch throws and is recorded),
 * the engine translates and fine-tunes a model. The guard itself is checked first, so this test
 * would catch a connection attempt.
 */
import * as assert from 'assert';
import * as dns from 'dns';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { saveModel } from '../../src/modelFolder/checkpoint';
import { buildModel } from '../../src/core/model';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { TOKENIZER_FILE } from '../../src/modelFolder/format';
import { EngineWorkerClient } from '../../src/worker/client';
import { TrainStart, Translate } from '../../src/worker/protocol';
import { attempts, forbidNetwork, NETWORK_LOG_ENV } from './helpers/noNetwork';

const OFFLINE_WORKER = path.join(__dirname, 'helpers', 'offlineWorker.js');

describe('offline: nothing leaves the machine', function () {
  this.timeout(120_000);
  let tmp: string;
  let log: string;
  let restore: () => void = () => undefined;
  let client: EngineWorkerClient;

  before(async () => {
    await tf.setBackend('cpu');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-offline-'));
    log = path.join(tmp, 'network.log');
    process.env[NETWORK_LOG_ENV] = log;
    restore = forbidNetwork();
  });
  after(async () => {
    await client?.dispose();
    restore();
    delete process.env[NETWORK_LOG_ENV];
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the guard catches a connection, a name lookup, an HTTP request and a fetch', async () => {
    assert.throws(() => net.connect(9, '127.0.0.1'), /network access is forbidden/);
    assert.throws(() => dns.lookup('example.com', () => undefined), /forbidden/);
    assert.throws(() => http.get('http://127.0.0.1:9/'), /forbidden/);
    await assert.rejects(fetch('https://example.com/'), /forbidden/);
    assert.strictEqual(attempts.length, 4);
    assert.strictEqual(fs.readFileSync(log, 'utf8').trim().split('\n').length, 4);
    attempts.length = 0;
    fs.rmSync(log);
  });

  it('translates and fine-tunes in the engine worker without opening a socket', async () => {
    const samples = Array.from({ length: 40 }, (_, i) => {
      const [a, b] = [['get', 'set', 'read', 'write'][i % 4]!, ['user', 'file', 'name', 'path'][(i * 3) % 4]!];
      return { lang: 'python', path: `f${i % 10}.py`, code: `def ${a}_${b}(x):\n    return x`, summary: `${a} ${b}` };
    });
    const corpus = path.join(tmp, 'corpus.jsonl');
    fs.writeFileSync(corpus, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const tokenizer = CodeTokenizer.train(
      samples.flatMap((s) => [s.code, s.summary]),
      { vocabSize: 320, minFrequency: 1 },
    );
    const model = buildModel(
      { embeddingDim: 8, hiddenDim: 8, maxTgtLen: 8 },
      tokenizer.vocabSize,
      tokenizer.vocabSize,
      1,
    );
    const dir = path.join(tmp, 'model');
    await saveModel(
      model,
      dir,
      { tokenizer: TOKENIZER_FILE },
      {
        extraFiles: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()) },
      },
    );
    model.dispose();

    client = new EngineWorkerClient({ backend: 'wasm', script: OFFLINE_WORKER });
    const t = await client.request(Translate, {
      model: { dir, id: 'offline' },
      direction: 'code2doc',
      text: samples[0]!.code,
      decoding: { beamSize: 2, nBest: 1, maxLength: 6, lengthPenalty: 0.6 },
    });
    assert.ok(t.candidates.length >= 1);
    const finished = await client.request(TrainStart, {
      corpus,
      outDir: path.join(tmp, 'run'),
      initModel: dir,
      config: { batchSize: 4, directions: ['code2doc'], training: { maxSteps: 3, maxEpochs: 1, evalLimit: 2 } },
    });
    assert.strictEqual(finished.step, 3);
    assert.ok(fs.existsSync(path.join(tmp, 'run', 'last', 'config.json')));
    assert.deepStrictEqual(attempts, [], 'the test thread tried the network');
    assert.ok(
      !fs.existsSync(log),
      `the worker tried the network:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`,
    );
  });
});
