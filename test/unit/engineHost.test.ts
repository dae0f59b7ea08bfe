/**
 * EngineHost is the host's one door to the engine worker: mining and the workspace index go
 * through it (progress heard while a request runs, a cancel rejected with the one CancelledError),
 * a training job reports the worker's backend to the status bar as translation does, and the
 * training controls send nothing when no worker runs; a code → comment request carries the
 * user's remembered comments, which the worker's model leans on. The real EngineHost runs under the
 * `vscode` stand-in and spawns the compiled worker from out/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { fake, installFakeVscode } from './helpers/fakeVscode';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
type EngineHostModule = typeof import('../../src/host/engineHost');
type EngineHost = import('../../src/host/engineHost').EngineHost;
type Seq2SeqContext = import('../../src/host/context').Seq2SeqContext;
/* eslint-enable @typescript-eslint/consistent-type-imports */

const WORKER = path.join(__dirname, '..', '..', 'src', 'worker', 'worker.js');

const IO_PY = `def load_json(path):
    """Read a JSON file and return its contents."""
    with open(path) as f:
        return json.load(f)


def save_json(path, value):
    """Write a value to a file as JSON text."""
    with open(path, 'w') as f:
        json.dump(value, f)
`;

const MEAN_PY = `def mean(values):
    """Return the average of the values."""
    return sum(values) / len(values)
`;

describe('engine host (the one door to the worker)', function () {
  this.timeout(120_000);
  let tmp: string;
  let workspace: string;
  let engine: EngineHost;
  let mod: EngineHostModule;

  /** What the engine told the status bar. */
  const status: Record<string, unknown>[] = [];

  /** An EngineHost whose extension folder is `extension` (the worker script is its `dist/worker.js`). */
  function newEngine(extension: string): EngineHost {
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const ctx = {
      extensionUri: { fsPath: extension },
      log,
      statusBar: { update: (change: Record<string, unknown>) => status.push(change) },
    } as unknown as Seq2SeqContext;
    return new mod.EngineHost(ctx, () => undefined);
  }

  before(async () => {
    mod = await import('../../src/host/engineHost');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-engine-host-'));
    fs.mkdirSync(path.join(tmp, 'dist'));
    fs.writeFileSync(path.join(tmp, 'dist', 'worker.js'), `require(${JSON.stringify(WORKER)});\n`);
    workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    fs.writeFileSync(path.join(workspace, 'io.py'), IO_PY);
    fake.reset();
    fake.settings.set('seq2seq.backend', 'cpu');
    // The extension folder's worker script loads the compiled worker.
    engine = newEngine(tmp);
  });
  after(() => {
    engine.dispose();
    fake.reset();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('mines a folder into a corpus file, its progress heard while that request runs', async () => {
    const heard: string[] = [];
    const out = path.join(tmp, 'mined', 'corpus.jsonl');
    const mined = await engine.mine({ roots: [workspace], out }, (p) => heard.push(path.basename(p.file)));
    assert.strictEqual(mined.pairs, 2);
    assert.strictEqual(mined.corpus, out);
    assert.strictEqual(fs.readFileSync(out, 'utf8').trim().split('\n').length, 2);
    assert.deepStrictEqual(heard, ['io.py']);
    // Heard while that request ran, not after: a second mine reports to nobody.
    await engine.mine({ roots: [workspace], out });
    assert.deepStrictEqual(heard, ['io.py']);
  });

  it('a cancelled mine rejects with the one CancelledError', async () => {
    const { isCancellation } = await import('../../src/core/cancellation');
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      engine.mine({ roots: [workspace], out: path.join(tmp, 'cancelled.jsonl') }, undefined, abort.signal),
      (e: unknown) => isCancellation(e),
    );
  });

  it('builds a folder index and brings it up to date when a file is saved', async () => {
    const built = await engine.buildIndex({ root: workspace });
    assert.deepStrictEqual([built.functions, built.documented, built.files], [2, 2, 1]);
    const file = path.join(workspace, 'stats.py');
    fs.writeFileSync(file, MEAN_PY);
    const updated = await engine.updateIndex({ root: workspace, file, content: MEAN_PY });
    assert.deepStrictEqual([updated.functions, updated.documented, updated.files], [3, 3, 2]);
  });

  it('runs a training job, its listener hearing it, paused, resumed and stopped through the controls, its backend reported', async () => {
    // Mining and the index load no model: until a job does, the status bar has no backend to show.
    assert.strictEqual(status.length, 0);
    const corpus = path.join(tmp, 'train.jsonl');
    const words = ['get', 'set', 'user', 'name', 'file', 'path', 'read', 'write'];
    const lines = Array.from({ length: 40 }, (_, i) => {
      const name = `${words[i % 8]!}_${words[(i * 3 + 1) % 8]!}`;
      return JSON.stringify({
        lang: 'python',
        path: `f${i % 10}.py`,
        code: `def ${name}(x):\n    return x`,
        summary: name.replace('_', ' '),
      });
    });
    fs.writeFileSync(corpus, `${lines.join('\n')}\n`);
    const kinds = new Set<string>();
    let started = 0;
    const finished = await engine.startTraining(
      {
        corpus,
        outDir: path.join(tmp, 'run'),
        // A tiny model trained for many epochs: a run that lasts until it is stopped.
        config: {
          model: { embeddingDim: 8, hiddenDim: 8, dropout: 0, maxSrcLen: 16, maxTgtLen: 6 },
          vocabSize: 300,
          batchSize: 4,
          directions: ['code2doc'],
          training: { maxEpochs: 50, evalEvery: 0, evalLimit: 2, threads: 1 },
        },
      },
      {
        started: () => started++,
        progress: (e) => {
          kinds.add(e.type);
          if (e.type === 'step' && e.step === 2) void engine.pauseTraining();
          if (e.type === 'paused') void engine.resumeTraining();
          if (e.type === 'step' && e.step === 4) void engine.cancelTraining();
        },
      },
    );
    assert.strictEqual(finished.reason, 'cancelled');
    assert.ok(finished.step >= 4 && finished.step < 20, `stopped at ${finished.step}`);
    assert.strictEqual(started, 1);
    for (const t of ['step', 'paused', 'resumed', 'finished']) assert.ok(kinds.has(t), `no ${t} event`);
    // The status bar says which backend trains, not "not started yet".
    assert.deepStrictEqual(
      status.map((c) => c.backend),
      ['JavaScript CPU'],
    );
  });

  it('pause, resume and stop start no worker when none runs', async () => {
    // No worker script here: starting a worker would fail, and so would the call.
    const idle = newEngine(workspace);
    try {
      await idle.pauseTraining();
      await idle.resumeTraining();
      await idle.cancelTraining();
    } finally {
      idle.dispose();
    }
  });

  it("sends the user's remembered comments with a code → comment request, and the worker's model leans on them", async () => {
    const limit = (axis: string) =>
      `def set_${axis}_limit(self, value):\n    self._limits["${axis}"] = clamp(value, self._min_${axis}, self._max_${axis})\n    self._dirty = True`;
    let remembered: { path: string; code: string; summary: string }[] = [];
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const ctx = {
      extensionUri: { fsPath: tmp },
      log,
      statusBar: { update: () => undefined },
      corrections: { remembered: () => remembered },
    } as unknown as Seq2SeqContext;
    const bundled = {
      id: 'default',
      dir: path.join(__dirname, '..', '..', '..', 'media', 'models', 'default'),
      bundled: true,
    };
    const host = new mod.EngineHost(ctx, () => bundled);
    try {
      await host.buildIndex({ root: workspace });
      const request = {
        direction: 'code2doc' as const,
        text: limit('y'),
        language: 'python',
        file: path.join(workspace, 'axes.py'),
        decoding: { beamSize: 4, nBest: 1, maxLength: 64, lengthPenalty: 0.6 },
      };
      const alone = (await host.translate(request)).candidates[0]!.text;
      remembered = [
        {
          path: path.join(workspace, 'plot.py'),
          code: limit('x'),
          summary: 'Clamp the x axis limit into its allowed range.',
        },
        // Outside the indexed folder: not this workspace's, never remembered for it.
        { path: path.join(tmp, 'elsewhere.py'), code: limit('y'), summary: 'Something else entirely.' },
      ];
      const withMemory = (await host.translate(request)).candidates[0]!.text;
      assert.notStrictEqual(withMemory, alone);
      assert.match(withMemory, /^Clamp/, `"${withMemory}" (without the memory: "${alone}")`);
      assert.doesNotMatch(withMemory, /\bx\b|Something/);
    } finally {
      host.dispose();
    }
  });
});
