/**
 * The engine worker under failure: a WebAssembly abort replaces the worker, a worker stuck on a
 * cancelled request is replaced by the watchdog, a cancel stops a translation between decoding
 * steps so the next request does not wait, a model deleted and re-imported under the same name
 * is loaded afresh, a model folder too big to build is refused by a disposable worker, and a cancel
 * reaches the caller as a CancelledError whichever side noticed it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { CancelledError } from '../../src/core/cancellation';
import { saveModel } from '../../src/modelFolder/checkpoint';
import { CONFIG_FILE, TOKENIZER_FILE } from '../../src/modelFolder/format';
import { buildModel } from '../../src/core/model';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { ModelRunner } from '../../src/inference/modelRunner';
import { EngineWorkerClient, requestInDisposableWorker } from '../../src/worker/client';
import { Translate, ValidateModel } from '../../src/worker/protocol';
import { GiveUp, Spin, ThreadId, Trap } from './helpers/testWorker';

const WORKER = path.join(__dirname, '..', '..', 'src', 'worker', 'worker.js');
const TEST_WORKER = path.join(__dirname, 'helpers', 'testWorker.js');
const CODE = 'def add(a, b):\n    return a + b';

describe('engine worker reliability', function () {
  this.timeout(90_000);
  let tmp: string;
  let tokenizer: CodeTokenizer;

  async function saveTiny(dir: string, seed: number, extra: Record<string, number> = {}): Promise<void> {
    const model = buildModel(
      { embeddingDim: 8, hiddenDim: 8, maxTgtLen: 8, ...extra },
      tokenizer.vocabSize,
      tokenizer.vocabSize,
      seed,
    );
    await saveModel(
      model,
      dir,
      { tokenizer: TOKENIZER_FILE },
      { extraFiles: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()) } },
    );
    model.dispose();
  }

  before(async () => {
    await tf.setBackend('cpu');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-rel-'));
    tokenizer = CodeTokenizer.train([CODE, 'Add two numbers.'], { vocabSize: 320, minFrequency: 1 });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a WebAssembly abort replaces the worker; the next request runs in a fresh one', async () => {
    const crashes: string[] = [];
    const client = new EngineWorkerClient({ backend: 'cpu', script: TEST_WORKER, onCrash: (m) => crashes.push(m) });
    try {
      const first = await client.request(ThreadId, {});
      await assert.rejects(client.request(Trap, {}), /WebAssembly runtime aborted.*restarts/);
      const second = await client.request(ThreadId, {});
      assert.notStrictEqual(second, first, 'the aborted worker kept serving');
      assert.strictEqual(crashes.length, 1);
    } finally {
      await client.dispose();
    }
  });

  it('the watchdog replaces a worker stuck on a cancelled request', async () => {
    const crashes: string[] = [];
    const client = new EngineWorkerClient({
      backend: 'cpu',
      script: TEST_WORKER,
      stuckAfterMs: 300,
      onCrash: (m) => crashes.push(m),
    });
    try {
      const first = await client.request(ThreadId, {});
      const abort = new AbortController();
      const stuck = client.request(Spin, {}, abort.signal);
      setTimeout(() => abort.abort(), 100);
      await assert.rejects(stuck, CancelledError);
      // A request sent to the stuck worker is answered by the watchdog, the next by a fresh worker.
      await assert.rejects(client.request(ThreadId, {}), /did not stop a cancelled request within 300 ms/);
      const second = await client.request(ThreadId, {});
      assert.notStrictEqual(second, first);
      assert.strictEqual(crashes.length, 1);
    } finally {
      await client.dispose();
    }
  });

  it('a cancel stops a translation between decoding steps, so the next request does not queue behind it', async () => {
    const dir = path.join(tmp, 'slow');
    await saveTiny(dir, 5, { embeddingDim: 32, hiddenDim: 64, maxTgtLen: 128 });
    const client = new EngineWorkerClient({ backend: 'cpu', script: WORKER });
    const long = {
      direction: 'code2doc' as const,
      text: CODE,
      decoding: { beamSize: 8, nBest: 1, maxLength: 128, lengthPenalty: 5 },
    };
    const short = { ...long, decoding: { ...long.decoding, beamSize: 1, maxLength: 2 } };
    const model = { dir, id: 'slow' };
    try {
      await client.request(Translate, { model, ...short });
      let t = performance.now();
      await client.request(Translate, { model, ...long });
      const full = performance.now() - t;
      const abort = new AbortController();
      const cancelled = client.request(Translate, { model, ...long }, abort.signal);
      await new Promise((r) => setTimeout(r, full / 5));
      t = performance.now();
      abort.abort();
      await assert.rejects(cancelled, CancelledError);
      await client.request(Translate, { model, ...short });
      const after = performance.now() - t;
      assert.ok(
        after < full / 2,
        `the next request waited ${after.toFixed(0)} ms; a whole translation takes ${full.toFixed(0)} ms`,
      );
    } finally {
      await client.dispose();
    }
  });

  it('a cancel is a CancelledError on the host: an aborted request, and one the worker gave up on', async () => {
    const client = new EngineWorkerClient({ backend: 'cpu', script: TEST_WORKER });
    try {
      const abort = new AbortController();
      abort.abort();
      await assert.rejects(client.request(ThreadId, {}, abort.signal), CancelledError);
      // Thrown inside the worker, it crosses the boundary by name and is rebuilt as the same class.
      await assert.rejects(client.request(GiveUp, {}), (e: unknown) => e instanceof CancelledError);
      await client.request(ThreadId, {});
    } finally {
      await client.dispose();
    }
  });

  it('a model deleted and imported again under the same name and folder is not answered from the old weights', async () => {
    const dir = path.join(tmp, 'same-name');
    await saveTiny(dir, 1);
    const client = new EngineWorkerClient({ backend: 'cpu', script: WORKER });
    const req = {
      direction: 'code2doc' as const,
      text: CODE,
      decoding: { beamSize: 2, nBest: 1, maxLength: 6, lengthPenalty: 0.6 },
    };
    try {
      const before = await client.request(Translate, { model: { dir, id: 'workspace-2026' }, ...req });
      fs.rmSync(dir, { recursive: true });
      await saveTiny(dir, 2);
      const after = await client.request(Translate, { model: { dir, id: 'workspace-2026' }, ...req });
      const runner = await ModelRunner.load(dir, 'workspace-2026');
      const expected = runner.translate(req);
      runner.dispose();
      assert.notStrictEqual(before.candidates[0]!.logProb, expected.candidates[0]!.logProb, 'the two models agree');
      assert.strictEqual(after.candidates[0]!.logProb, expected.candidates[0]!.logProb);
    } finally {
      await client.dispose();
    }
  });

  it('a model folder whose config is too big to build is refused at once by a disposable worker', async () => {
    const dir = path.join(tmp, 'huge');
    await saveTiny(dir, 1);
    const file = path.join(dir, CONFIG_FILE);
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as { config: Record<string, unknown> };
    for (const [field, value] of [
      ['encoderLayers', 1_000_000],
      ['hiddenDim', 4096],
    ] as const) {
      fs.writeFileSync(file, JSON.stringify({ ...cfg, config: { ...cfg.config, [field]: value } }));
      await assert.rejects(
        requestInDisposableWorker({ backend: 'cpu', script: WORKER }, ValidateModel, { dir }),
        field === 'encoderLayers' ? /encoderLayers: must be an integer from 1 to 64/ : /hiddenDim|million parameters/,
      );
    }
  });
});
