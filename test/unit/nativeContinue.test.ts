/**
 * `train:v2 --continue-from` with a native arm (scripts/model-v2/train.ts, nativeChunk.ts) on a tiny
 * corpus split by project: a native run trains 8 steps and its last/ model stands for the exported
 * model whose run is gone; the same run resumed to step 14 is what training would have done. A new
 * work folder continued from that model records the earlier minutes as its first chunk, is handed
 * the same examples, evaluates the model first, and steps from 9 at the schedule's rate on the
 * batches the run would have taken, into its next epoch (step 9's loss is the run's own: the same
 * weights on the same batch, no dropout); only the optimizer's moments start afresh.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { committedV3Recipe, nativeEngineOrSkip, nativeMetrics, runRecipe } from './helpers/nativeEngine';
import { writeProjectSplitCorpus } from './helpers/wordPairCorpus';

interface Line {
  step: number;
  loss?: number;
  lr?: number;
  tokens?: number;
  epoch?: number;
  validLoss?: number;
  reference?: boolean;
}

describe('train:v2 --continue-from with a native arm', function () {
  this.timeout(600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-native-continue-'));
  const corpus = path.join(dir, 'corpus');
  const recipe = path.join(dir, 'recipe.json');
  const exported = path.join(dir, 'exported');
  const run = (work: string, ...args: string[]) => runRecipe({ corpus, work, recipe }, ...args);
  const native = (work: string) => path.join(work, 'tiny', 'run', 'native');
  const metrics = (work: string): Line[] => nativeMetrics<Line>(path.join(native(work), 'run'));
  const steps = (work: string): Map<number, Line> =>
    new Map(
      metrics(work)
        .filter((m) => m.loss !== undefined)
        .map((m) => [m.step, m]),
    );

  before(function () {
    nativeEngineOrSkip(this);
    fs.mkdirSync(corpus);
    writeProjectSplitCorpus(corpus);
    // The committed recipe's transformer-small arm, shrunk, without dropout (so that a step's loss
    // depends on the weights and the batch alone), with a short warm-up.
    const r = committedV3Recipe();
    const arm = { ...r.arms['transformer-small']!, processes: 1, batchSize: 8 };
    Object.assign(arm.model, { dModel: 16, heads: 2, ffDim: 32, encoderLayers: 1, decoderLayers: 1 });
    Object.assign(arm.model, { dropout: 0, maxSrcLen: 40, maxTgtLen: 8 });
    Object.assign(r, { vocabSize: 300, batchSize: 8, validPairsPerLanguage: 4, defaultArm: 'tiny', studies: [] });
    // No re-warm-up (the native tests check its ramp): steps from 9 at the schedule's own rate.
    Object.assign(r.training, { evalEvery: 4, schedule: { kind: 'noam', warmupSteps: 5 }, rewarmSteps: 0 });
    r.arms = { tiny: arm };
    fs.writeFileSync(recipe, JSON.stringify(r));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('goes on from the model at its step, with its weights, batches and learning rate', function () {
    nativeEngineOrSkip(this);
    const earlier = path.join(dir, 'earlier');
    const first = run(earlier, '--arm', 'tiny', '--max-steps', '8');
    assert.strictEqual(first.code, 0, first.err);
    fs.cpSync(path.join(earlier, 'tiny', 'run', 'last'), exported, { recursive: true });
    const resumed = run(earlier, '--arm', 'tiny', '--resume', '--max-steps', '14');
    assert.strictEqual(resumed.code, 0, resumed.err);

    const work = path.join(dir, 'continued');
    const cont = run(
      work,
      ...['--arm', 'tiny', '--continue-from', exported, '--trained-minutes', '3', '--lost-minutes', '2'],
      ...['--max-steps', '14'],
    );
    assert.strictEqual(cont.code, 0, cont.err);
    assert.match(cont.err, /continued from .*exported at step 8/);
    assert.match(cont.err, /continued at step 8: /);
    const chunks = JSON.parse(fs.readFileSync(path.join(work, 'tiny', 'chunks.json'), 'utf8')) as {
      minutes: number;
      fromStep: number;
      continuedFrom?: string;
      lost?: boolean;
      engine?: string;
    }[];
    assert.deepStrictEqual(
      chunks.map((c) => [c.minutes, c.fromStep, c.continuedFrom !== undefined, c.lost === true]).slice(0, 2),
      [
        [3, 0, true, false],
        [2, 8, false, true],
      ],
    );
    assert.strictEqual(chunks.length, 3);
    assert.strictEqual(chunks[2]!.fromStep, 8);
    assert.match(chunks[2]!.engine ?? '', /^native/);
    // The same examples (the model's tokenizer, the same corpus and recipe).
    assert.ok(
      fs
        .readFileSync(path.join(native(work), 'train.bin'))
        .equals(fs.readFileSync(path.join(native(earlier), 'train.bin'))),
    );

    // The model is evaluated first: the earlier run's loss at step 8, the checkpoint to beat.
    const reference = metrics(work)[0]!;
    const before = metrics(earlier).find((m) => m.step === 8 && m.validLoss !== undefined)!;
    assert.strictEqual(reference.step, 8);
    assert.ok(reference.reference);
    assert.ok(
      Math.abs(reference.validLoss! - before.validLoss!) < 1e-5,
      `${reference.validLoss} vs ${before.validLoss}`,
    );

    const whole = steps(earlier);
    const after = steps(work);
    assert.deepStrictEqual([...after.keys()], [9, 10, 11, 12, 13, 14]);
    const noam = (s: number) => 0.002 * Math.min(s / 5, Math.sqrt(5 / s));
    for (const [s, m] of after) {
      const w = whole.get(s)!;
      assert.deepStrictEqual([m.tokens, m.epoch], [w.tokens, w.epoch], `the batch of step ${s}`);
      assert.ok(Math.abs(m.lr! - noam(s)) < 1e-12, `lr at step ${s}: ${m.lr} vs ${noam(s)}`);
    }
    assert.ok(after.get(9)!.epoch! < after.get(14)!.epoch!, 'the steps go on into the next epoch');
    // The first step's loss is the run's own at that step, well below a fresh model's.
    const loss = after.get(9)!.loss!;
    assert.ok(Math.abs(loss - whole.get(9)!.loss!) < 1e-4 * loss, `${loss} vs ${whole.get(9)!.loss}`);
    assert.ok(loss < whole.get(1)!.loss! - 0.1, `${loss} vs a fresh model's ${whole.get(1)!.loss}`);
    const last = JSON.parse(fs.readFileSync(path.join(work, 'tiny', 'run', 'last', 'config.json'), 'utf8')) as {
      meta: { step: number };
    };
    assert.strictEqual(last.meta.step, 14);

    // Its next chunk resumes the native run; a second --continue-from is refused.
    const again = run(work, '--arm', 'tiny', '--continue-from', exported, '--trained-minutes', '3');
    assert.notStrictEqual(again.code, 0);
    assert.match(again.err, /starts a new run/);
    const next = run(work, '--arm', 'tiny', '--resume', '--max-steps', '16');
    assert.strictEqual(next.code, 0, next.err);
    assert.deepStrictEqual([...steps(work).keys()], [9, 10, 11, 12, 13, 14, 15, 16]);
  });
});
