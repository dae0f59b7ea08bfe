/**
 * `tune` a user would use: a search space over any config key (lists, ranges, log scales),
 * checked before anything trains; a seed that repeats or changes the draws; successive halving
 * (the best 1/eta of each rung train eta times longer); a results table and the best config.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import { readTrainConfig } from '../../src/training/trainConfigFile';
import {
  configWith,
  drawValues,
  readSearchSpace,
  successiveHalving,
  trialTable,
  type SearchSpace,
  type Trial,
} from '../../src/training/tune';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('tune', function () {
  this.timeout(600000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-tune-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a search space and refuses bad entries naming the key', () => {
    const file = path.join(dir, 'space.json');
    const space = {
      'training.optimizer.learningRate': { min: 1e-4, max: 1e-1, log: true },
      'model.encoderLayers': { min: 1, max: 3, integer: true },
      'model.cell': { values: ['gru', 'lstm'] },
      batchSize: { values: [8, 16] },
    };
    fs.writeFileSync(file, JSON.stringify(space));
    assert.deepStrictEqual(readSearchSpace(file), space);
    for (const [bad, message] of [
      [{ 'model.hiddenDim': { min: 0, max: 10, log: true } }, /model\.hiddenDim must be a log range with min above 0/],
      [{ 'model.hiddenDim': { values: [] } }, /model\.hiddenDim must be a non-empty list/],
      [{ 'model.hiddenDim': { min: 5, max: 1 } }, /min <= max/],
      [{ 'model.hiddenDim': { min: 1, max: 5, step: 2 } }, /no other field than min, max, log and integer/],
    ] as const) {
      fs.writeFileSync(file, JSON.stringify(bad));
      assert.throws(
        () => readSearchSpace(file),
        (e: unknown) => message.test(String(e)) && String(e).includes(file),
      );
    }
  });

  it('checks every drawn config as a config file: an unknown or impossible key fails before training', () => {
    const config = configWith(
      { model: { hiddenDim: 8 } },
      { 'training.optimizer.learningRate': 0.01, 'model.cell': 'lstm' },
    );
    assert.strictEqual(config.model?.cell, 'lstm');
    assert.strictEqual(config.model?.hiddenDim, 8);
    // The optimizer's other fields come from the defaults when the base config has none.
    assert.strictEqual(config.training?.optimizer?.learningRate, 0.01);
    assert.strictEqual(config.training?.optimizer?.name, 'adam');
    assert.throws(() => configWith({}, { 'model.hiddenSize': 64 }), /hiddenSize.*not a model configuration field/);
    assert.throws(() => configWith({}, { 'training.learningrate': 0.1 }), /training\.learningrate/);
    assert.throws(() => configWith({}, { 'model.cell': 'rnn' }), /cell: must be one of gru, lstm/);
  });

  it('draws log ranges on a log scale, integers within their range, and repeats with the same seed', () => {
    const space: SearchSpace = {
      lr: { min: 1e-4, max: 1e-1, log: true },
      layers: { min: 1, max: 3, integer: true },
      cell: { values: ['gru', 'lstm'] },
    };
    const rnd = seeded(5);
    const draws = Array.from({ length: 2000 }, () => drawValues(space, rnd));
    const lrs = draws.map((d) => d.lr as number).sort((a, b) => a - b);
    const median = lrs[1000]!;
    // Log-uniform: the median is the geometric middle 10^-2.5 (uniform would put it near 0.05).
    assert.ok(median > 10 ** -2.8 && median < 10 ** -2.2, `median learning rate ${median}`);
    const layers = new Set(draws.map((d) => d.layers));
    assert.deepStrictEqual([...layers].sort(), [1, 2, 3]);
    assert.deepStrictEqual(new Set(draws.map((d) => d.cell)), new Set(['gru', 'lstm']));
    assert.deepStrictEqual(drawValues(space, seeded(9)), drawValues(space, seeded(9)));
    assert.notDeepStrictEqual(drawValues(space, seeded(9)), drawValues(space, seeded(10)));
  });

  describe('successive halving', () => {
    const corpus = path.join(dir, 'corpus.jsonl');
    before(async () => {
      await selectBackend({ setting: 'wasm' });
      const words = ['get', 'set', 'user', 'name', 'file', 'path'];
      const lines = Array.from({ length: 40 }, (_, i) =>
        JSON.stringify({
          lang: 'python',
          path: `f${i % 10}.py`,
          code: `def ${words[i % 6]}_${words[(i * 5 + 2) % 6]}(x):\n    return x`,
          summary: `${words[i % 6]} ${words[(i * 5 + 2) % 6]}`,
        }),
      );
      fs.writeFileSync(corpus, `${lines.join('\n')}\n`);
    });

    const base = {
      model: { embeddingDim: 8, hiddenDim: 8, dropout: 0 },
      vocabSize: 300,
      batchSize: 8,
      directions: ['code2doc' as const],
      training: { stopMetric: 'loss' as const, evalLimit: 2, patience: 0 },
    };
    const space: SearchSpace = { 'training.optimizer.learningRate': { min: 1e-4, max: 3e-2, log: true } };

    it('gives the budget to the best: 4 trials, then the best 2 for twice the steps, then the best 1', async () => {
      const events: Trial[] = [];
      const out = path.join(dir, 'sh');
      const result = await successiveHalving({
        corpus,
        outDir: out,
        base,
        space,
        budgetMs: 10 * 60_000,
        stepsPerTrial: 4,
        trials: 4,
        eta: 2,
        seed: 3,
        onTrial: (t) => events.push(t),
      });
      const byRung = [0, 1, 2].map((r) => events.filter((t) => t.rung === r));
      assert.deepStrictEqual(
        byRung.map((r) => r.length),
        [4, 2, 1],
      );
      assert.deepStrictEqual(
        byRung.map((r) => r[0]!.steps),
        [4, 8, 16],
      );
      for (const r of [0, 1]) {
        // Loss: lower is better; the survivors are the best of the rung before.
        const ranked = byRung[r]!.slice().sort((a, b) => a.score! - b.score!);
        const kept = ranked.slice(0, byRung[r + 1]!.length).map((t) => t.index);
        assert.deepStrictEqual(byRung[r + 1]!.map((t) => t.index).sort(), kept.sort(), `rung ${r + 1} takes the best`);
      }
      const winner = result.trials[0]!;
      assert.strictEqual(winner.rung, 2);
      const bestFile = path.join(out, 'best-config.json');
      const best = readTrainConfig(bestFile);
      assert.strictEqual(best.training?.optimizer?.learningRate, winner.values['training.optimizer.learningRate']);
      assert.strictEqual(best.model?.hiddenDim, 8, 'the rest of the base config is kept');
      const table = trialTable(result.trials).split('\n');
      assert.match(table[0]!, /^trial\s+learningRate\s+rung\s+steps\s+score\s+seconds$/);
      assert.strictEqual(table.length, 5);
      const saved = JSON.parse(fs.readFileSync(path.join(out, 'trials.json'), 'utf8')) as { seed: number };
      assert.strictEqual(saved.seed, 3);
    });

    it('a rerun with the same seed draws the same trials, another seed others', async () => {
      const run = async (seed: number, name: string): Promise<unknown[]> =>
        (
          await successiveHalving({
            corpus,
            outDir: path.join(dir, name),
            base,
            space,
            budgetMs: 10 * 60_000,
            stepsPerTrial: 1,
            trials: 2,
            seed,
          })
        ).trials
          .map((t) => [t.index, t.values])
          .sort();
      const a = await run(11, 'a');
      assert.deepStrictEqual(await run(11, 'b'), a);
      assert.notDeepStrictEqual(await run(12, 'c'), a);
    });
  });
});
