/**
 * Data filters that drop instead of truncate (`maxCodeTokens`, `maxSummaryWords`, counted in the
 * run's report and the model's meta), and a vocabulary too small for any subword merge refused
 * with the smallest useful size.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import { dropLongPairs } from '../../src/mining/lengthFilter';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { prepareTrainJob } from '../../src/training/job';
import { readTrainConfig } from '../../src/training/trainConfigFile';

describe('length filters and vocabulary size', function () {
  this.timeout(120000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-lengthfilter-'));
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('drops pairs over either limit and counts each reason', () => {
    const pairs = [
      { code: 'a b c', summary: 'one two' },
      { code: 'a b c d e f g', summary: 'one two' },
      { code: 'a b', summary: 'one two three four five' },
      { code: 'a b c d e f g h', summary: 'one two three four five six' },
    ];
    const words = (code: string): number => code.split(' ').length;
    const r = dropLongPairs(pairs, { maxCodeTokens: 5, maxSummaryWords: 3 }, words);
    assert.deepStrictEqual(r.kept, [pairs[0]]);
    assert.deepStrictEqual(r.dropped, { longCode: 2, longSummary: 1 });
    assert.deepStrictEqual(dropLongPairs(pairs, {}, words).kept, pairs);
    assert.throws(() => dropLongPairs(pairs, { maxCodeTokens: 0 }, words), /maxCodeTokens must be a whole number/);
  });

  it('train drops long pairs from the training split (not valid/test), reports and records the counts', async () => {
    const corpus = path.join(dir, 'corpus.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 80; i++) {
      const long = i % 4 === 0;
      lines.push(
        JSON.stringify({
          lang: 'python',
          path: `f${i % 16}.py`,
          code: `def f${i}(x):\n    return x${long ? ' + 1' : ''}`,
          summary: long ? 'return the value of x plus one for the caller here' : 'return x',
        }),
      );
    }
    fs.writeFileSync(corpus, `${lines.join('\n')}\n`);
    const configFile = path.join(dir, 'cfg.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        model: { embeddingDim: 8, hiddenDim: 8 },
        vocabSize: 400,
        maxSummaryWords: 5,
        directions: ['code2doc'],
      }),
    );
    const config = readTrainConfig(configFile);
    const unfiltered = await prepareTrainJob(
      { corpus, outDir: path.join(dir, 'a'), config: { ...config, maxSummaryWords: undefined } as never },
      () => {},
    );
    const job = await prepareTrainJob({ corpus, outDir: path.join(dir, 'b'), config }, () => {});
    try {
      const dropped = job.summary.dropped;
      assert.ok(dropped && dropped.longSummary > 0, JSON.stringify(job.summary));
      assert.strictEqual(dropped.longCode, 0);
      assert.strictEqual(job.summary.trainPairs, unfiltered.summary.trainPairs - dropped.longSummary);
      assert.strictEqual(job.summary.validPairs, unfiltered.summary.validPairs, 'validation pairs are not filtered');
      assert.ok(
        job.examples.train.every((e) => e.tgt.length < 10),
        'no long summary is trained on',
      );
      const meta = job.options.meta as { training: { lengthFilter?: unknown } };
      assert.deepStrictEqual(meta.training.lengthFilter, { maxSummaryWords: 5, dropped });
    } finally {
      for (const j of [job, unfiltered]) {
        j.trainer.dispose();
        j.trainer.model.dispose();
      }
    }
  });

  it('refuses a vocabulary too small for one subword merge, naming the smallest useful size', () => {
    // Every printable ASCII character: 95 distinct characters.
    const texts: string[] = [];
    for (let i = 0; i < 20; i++) {
      let t = '';
      for (let c = 32; c < 127; c++) t += String.fromCharCode(c);
      texts.push(t, 'the same words again and again');
    }
    let smallest = 0;
    assert.throws(
      () => CodeTokenizer.train(texts, { vocabSize: 300 }),
      (e: unknown) => {
        const m = /vocabSize 300 leaves no room for a single subword merge.*at least (\d+)/.exec(String(e));
        smallest = Number(m?.[1]);
        return m !== null;
      },
    );
    const t = CodeTokenizer.train(texts, { vocabSize: smallest });
    assert.strictEqual(t.toJSON().model.merges.length, 1, `vocabSize ${smallest} holds exactly one merge`);
    assert.throws(() => CodeTokenizer.train(texts, { vocabSize: smallest - 1 }), /leaves no room/);
  });
});
