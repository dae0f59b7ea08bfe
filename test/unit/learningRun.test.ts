/**
 * A learning run end to end in the worker, on a real tiny model: a base model trained on one
 * comment convention, a workspace written in another with a few of the user's corrections, the
 * run's data as src/learning/learningCorpus.ts lays it out (corrected files out of the held-out
 * split, corrections weighted), fine-tuned through the same TrainStart request Fine-tune on
 * Workspace sends, and judged by the guard with its margin: the tuned model learned the
 * workspace's convention and the corrected function's comment, and the guard installs it. Spawns
 * the compiled worker from out/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import type { CorpusRecord } from '../../src/mining/dataset';
import { writeCorpus } from '../../src/mining/dataset';
import { ModelRunner } from '../../src/inference/modelRunner';
import type { Correction } from '../../src/learning/corrections';
import { learningSplits } from '../../src/learning/learningCorpus';
import { GUARD_MARGIN } from '../../src/training/guard';
import { GUARD_MIN_FUNCTIONS } from '../../src/training/trainingDefaults';
import { EngineWorkerClient } from '../../src/worker/client';
import { TrainStart } from '../../src/worker/protocol';

const WORKER = path.join(__dirname, '..', '..', 'src', 'worker', 'worker.js');
const VERBS = ['get', 'set', 'load', 'save', 'read', 'write', 'open', 'close'];
const NOUNS = ['user', 'name', 'file', 'path', 'table', 'cache', 'token', 'queue', 'list', 'node', 'key', 'item'];

function record(file: string, verb: string, noun: string, summary: string, i: number): CorpusRecord {
  return {
    lang: 'python',
    path: file,
    name: `${verb}_${noun}`,
    line: i + 1,
    code: `def ${verb}_${noun}(x):\n    return x`,
    doc: summary,
    summary,
    params: [],
    throws: [],
  };
}

/** Every verb × noun function once (96), in 16 files; `summary` writes its comment. */
function corpus(dir: string, summary: (verb: string, noun: string) => string): CorpusRecord[] {
  const out: CorpusRecord[] = [];
  VERBS.forEach((verb, v) =>
    NOUNS.forEach((noun, n) =>
      out.push(record(`${dir}/m${(v * NOUNS.length + n) % 16}.py`, verb, noun, summary(verb, noun), n)),
    ),
  );
  return out;
}

/** Small, with attention and copying (as the CLI's synthetic task): names are copied into comments. */
const model = {
  attention: 'bahdanau' as const,
  embeddingDim: 32,
  hiddenDim: 64,
  dropout: 0,
  maxSrcLen: 32,
  maxTgtLen: 12,
  copy: true,
};
const training = {
  optimizer: { name: 'adam' as const, learningRate: 0.01 },
  schedule: { kind: 'constant' as const },
  threads: 1,
};

describe('a learning run on a real tiny model', function () {
  this.timeout(600_000);
  let client: EngineWorkerClient;
  let dir: string;
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    client = new EngineWorkerClient({ backend: 'wasm', script: WORKER });
    await client.ready();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'learning-run-'));
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('learns the workspace and its corrections, and the guard installs it by a clear margin', async () => {
    // The base model: "get user" for get_user.
    const baseCorpus = path.join(dir, 'base.jsonl');
    writeCorpus(
      baseCorpus,
      corpus('/other', (v, n) => `${v} ${n}`),
    );
    const base = await client.request(TrainStart, {
      corpus: baseCorpus,
      outDir: path.join(dir, 'base'),
      config: {
        model,
        vocabSize: 300,
        batchSize: 16,
        directions: ['code2doc'],
        validFraction: 0.1,
        testFraction: 0.01,
        training: { ...training, maxEpochs: 1000, maxSteps: 150, evalEvery: 0 },
      },
    });
    const baseDir = base.bestDir ?? path.join(dir, 'base', 'last');

    // The workspace writes "the user to get"; the user corrected load_cache's generated comment
    // and saved it, so mining reads the correction there too.
    const mined = corpus('/ws', (v, n) => (v === 'load' && n === 'cache' ? 'the warm cache' : `the ${n} to ${v}`));
    const corrected = mined.find((r) => r.name === 'load_cache')!;
    const correction: Correction = {
      id: 'c1',
      uri: `file://${corrected.path}`,
      path: corrected.path,
      lang: 'python',
      name: corrected.name,
      signature: 'x',
      line: corrected.line,
      insertedAt: '2026-01-01T00:00:00.000Z',
      decidedAt: '2026-01-01T00:01:00.000Z',
      code: corrected.code,
      parts: [{ part: 'summary', inserted: 'load cache', verdict: 'edited', now: 'the warm cache' }],
    };
    const splits = learningSplits(mined, [correction], new Set());
    // Enough held-out functions for the guard to judge at all (GUARD_MIN_FUNCTIONS).
    assert.ok(splits.test.length >= GUARD_MIN_FUNCTIONS, `${splits.test.length} held out`);
    const files = Object.fromEntries(
      (['train', 'valid', 'test'] as const).map((k) => {
        const f = path.join(dir, `${k}.jsonl`);
        writeCorpus(f, splits[k]);
        return [k, f];
      }),
    ) as Record<'train' | 'valid' | 'test', string>;
    const tuned = await client.request(TrainStart, {
      corpus: files.train,
      validCorpus: files.valid,
      testCorpus: files.test,
      outDir: path.join(dir, 'tuned'),
      initModel: baseDir,
      guardBaseName: 'the base model',
      config: {
        batchSize: 16,
        rehearsalShare: 0,
        training: { ...training, maxEpochs: 1000, maxSteps: 200, evalEvery: 50, patience: 0, l2sp: 0 },
      },
    });
    const guard = tuned.guard!;
    assert.ok(guard, 'no guard verdict');
    assert.ok(guard.tuned.chrf > guard.base.chrf, guard.message);
    assert.ok(guard.margin!.chrf >= GUARD_MARGIN && guard.margin!.sentenceBleu >= GUARD_MARGIN, guard.message);
    assert.strictEqual(guard.better, true, guard.message);
    assert.match(guard.message, /ahead on chrF in \d+% and on smoothed BLEU-4 in \d+% of 1000 paired resamples/);

    // The correction (weighted: repeated among the mined pairs) is what it writes now.
    const runner = await ModelRunner.load(tuned.bestDir!);
    try {
      const out = runner.translate({
        direction: 'code2doc',
        text: corrected.code,
        language: 'python',
        decoding: { beamSize: 1, nBest: 1, maxLength: 12, lengthPenalty: 0 },
      });
      // "warm" is in no other comment, and the base model never saw it.
      assert.match(out.candidates[0]?.text ?? '', /^the warm\b/);
    } finally {
      runner.dispose();
    }
  });
});
