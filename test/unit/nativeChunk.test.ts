/**
 * The default model's recipe on the native engine (scripts/model-v2/train.ts with native arms,
 * scripts/model-v2/nativeChunk.ts) on a tiny corpus split by project: each run is handed the
 * validation examples a second time without neighbours (valid-bare.bin), whose loss the native
 * engine writes beside the other; a run prepared before that file existed gets it when it
 * resumes; chunks.json and --compare show each arm's neighbour dropout and, at the chosen
 * evaluation, the loss without a workspace (a dash for BLEU, which native runs do not measure);
 * an arm with averageCheckpoints keeps its last evaluations and averages them into run/average.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import { readCorpus } from '../../src/mining/dataset';
import { ModelRunner } from '../../src/inference/modelRunner';
import { decodeExamples } from '../../src/training/examplesCache';
import { readConfigFile } from '../../src/modelFolder/format';
import { readInterchange } from '../../src/modelFolder/interchange';
import { interleaveLanguages } from '../../src/training/quality';
import { committedV3Recipe, nativeEngineOrSkip, nativeMetrics, runRecipe } from './helpers/nativeEngine';
import { writeProjectSplitCorpus } from './helpers/wordPairCorpus';

describe('train:v2 with native arms: the validation loss without neighbours', function () {
  this.timeout(600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-native-'));
  const corpus = path.join(dir, 'corpus');
  const recipe = path.join(dir, 'recipe.json');
  const work = path.join(dir, 'work');
  const native = (arm: string) => path.join(work, arm, 'run', 'native');
  const run = (...args: string[]) => runRecipe({ corpus, work, recipe }, ...args);
  const evaluations = (arm: string) =>
    nativeMetrics<{ step: number; validLoss?: number; validLossBare?: number }>(path.join(native(arm), 'run')).filter(
      (m) => m.validLoss !== undefined,
    );
  const chunks = (arm: string) =>
    JSON.parse(fs.readFileSync(path.join(work, arm, 'chunks.json'), 'utf8')) as { neighbourDropout?: number }[];

  before(function () {
    nativeEngineOrSkip(this);
    fs.mkdirSync(corpus);
    writeProjectSplitCorpus(corpus);
    // The committed recipe's GRU arm, shrunk, twice: with the recipe's neighbour dropout and with none.
    const r = committedV3Recipe();
    const gru = { ...r.arms['gru']!, processes: 1 };
    Object.assign(gru.model, { embeddingDim: 16, hiddenDim: 16, maxSrcLen: 40, maxTgtLen: 8 });
    Object.assign(r, { vocabSize: 300, batchSize: 8, validPairsPerLanguage: 4, defaultArm: 'drop' });
    Object.assign(r.training, { evalEvery: 5, maxSteps: 10 });
    r.arms = { drop: gru, none: { ...gru, neighbourDropout: 0 }, avg: { ...gru, averageCheckpoints: 2 } };
    fs.writeFileSync(recipe, JSON.stringify(r));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes valid-bare.bin, and the native engine reports its loss at every evaluation', function () {
    nativeEngineOrSkip(this);
    for (const arm of ['drop', 'none']) {
      const ok = run('--arm', arm);
      assert.strictEqual(ok.code, 0, ok.err);
      assert.match(ok.err, /validation examples \(and \d+ without neighbours\)/);
      assert.ok(fs.existsSync(path.join(native(arm), 'valid-bare.bin')));
      const evals = evaluations(arm);
      assert.ok(evals.length >= 2, JSON.stringify(evals));
      for (const e of evals) assert.strictEqual(typeof e.validLossBare, 'number', JSON.stringify(e));
      // The validation functions have neighbours in their project: without them the loss differs.
      assert.ok(
        evals.some((e) => e.validLossBare !== e.validLoss),
        JSON.stringify(evals),
      );
    }
    assert.deepStrictEqual(
      chunks('drop').map((c) => c.neighbourDropout),
      [0.2],
    );
    assert.deepStrictEqual(
      chunks('none').map((c) => c.neighbourDropout),
      [0],
    );
  });

  it('averageCheckpoints: the run keeps its last evaluations and the chunk writes their mean as run/average', async function () {
    nativeEngineOrSkip(this);
    const ok = run('--arm', 'avg');
    assert.strictEqual(ok.code, 0, ok.err);
    const kept = path.join(native('avg'), 'run', 'checkpoints');
    assert.deepStrictEqual(fs.readdirSync(kept).sort(), ['step-10.safetensors', 'step-5.safetensors']);
    assert.match(ok.err, /averaged the weights of steps 5, 10 into /);
    const [a, b] = ['step-5', 'step-10'].map((s) => readInterchange(path.join(kept, `${s}.safetensors`)));
    const mean = readInterchange(path.join(native('avg'), 'run', 'average', 'model.safetensors'));
    assert.strictEqual(mean.step, 10);
    let largest = 0;
    mean.tensors.forEach((t, i) =>
      t.values.forEach((v, j) => {
        const want = (a!.tensors[i]!.values[j]! + b!.tensors[i]!.values[j]!) / 2;
        largest = Math.max(largest, Math.abs(v - want));
      }),
    );
    assert.ok(largest < 1e-6, `largest difference ${largest}`);
    assert.ok(
      a!.tensors.some((t, i) => t.values.some((v, j) => v !== b!.tensors[i]!.values[j])),
      'two different checkpoints',
    );
    const folder = path.join(work, 'avg', 'run', 'average');
    assert.deepStrictEqual(readConfigFile(folder).meta.averagedSteps, [5, 10]);
    await selectBackend({ setting: 'wasm' });
    const runner = await ModelRunner.load(folder);
    runner.dispose();
    // The others keep no checkpoints and have no average.
    assert.ok(!fs.existsSync(path.join(native('drop'), 'run', 'checkpoints')));
    assert.ok(!fs.existsSync(path.join(work, 'drop', 'run', 'average')));
  });

  it('its sources are those inference builds in a folder with no documented function', async function () {
    nativeEngineOrSkip(this);
    await selectBackend({ setting: 'wasm' });
    const bare = decodeExamples(fs.readFileSync(path.join(native('none'), 'valid-bare.bin')))!;
    const records = interleaveLanguages(await readCorpus(path.join(work, 'valid-sample-4.jsonl')));
    const runner = await ModelRunner.load(path.join(work, 'none', 'run', 'last'));
    try {
      const sources = records.flatMap((r) => [
        runner.encodeSource({ direction: 'code2doc', text: r.code }).ids,
        runner.encodeSource({ direction: 'doc2code', text: r.summary }).ids,
      ]);
      assert.deepStrictEqual(
        bare.map((e) => e.src),
        sources,
      );
    } finally {
      runner.dispose();
    }
  });

  it('a run prepared before valid-bare.bin existed gets the same file when it resumes', function () {
    nativeEngineOrSkip(this);
    const file = path.join(native('none'), 'valid-bare.bin');
    const made = fs.readFileSync(file);
    fs.rmSync(file);
    const before = evaluations('none').at(-1)!.step;
    // A resumed chunk takes this invocation's step limit (run.json keeps the first one, 10).
    const resumed = run('--arm', 'none', '--resume', '--max-steps', '15');
    assert.strictEqual(resumed.code, 0, resumed.err);
    assert.strictEqual(before, 10);
    assert.strictEqual(evaluations('none').at(-1)!.step, 15);
    assert.match(resumed.err, /wrote the \d+ validation examples without neighbours/);
    assert.match(resumed.err, /resumed at step \d+: .* validation \(and \d+ without neighbours\)/);
    assert.ok(fs.readFileSync(file).equals(made), 'the examples made again equal those made with the run');
    assert.deepStrictEqual(
      chunks('none').map((c) => c.neighbourDropout),
      [0, 0],
    );
  });

  it('--compare shows each arm with its dropout and its loss without a workspace; no NaN', function () {
    nativeEngineOrSkip(this);
    const cmp = run('--compare');
    assert.strictEqual(cmp.code, 0, cmp.err);
    for (const [arm, dropout] of [
      ['drop', '0.2'],
      ['none', '0'],
    ])
      assert.match(
        cmp.out,
        new RegExp(
          `\\| ${arm} \\| ${dropout} \\| [1-9]\\d* \\| \\d+ \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{3} \\| — \\| — \\|`,
        ),
      );
    assert.doesNotMatch(cmp.out, /NaN/);
    assert.match(cmp.out, /"No workspace"/);
  });
});
