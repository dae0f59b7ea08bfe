/**
 * The tokenized-examples cache of long runs: a second run with the same inputs reads the
 * examples instead of making them; another key, a truncated file or a missing key file make them
 * again; the key follows the corpus file and the inputs.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { Example } from '../../src/mining/dataset';
import { cachedExamples, EXAMPLES_BIN, EXAMPLES_KEY, examplesKey } from '../../src/training/examplesCache';

describe('tokenized examples cache', () => {
  let dir: string;
  let corpus: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-cache-'));
    corpus = path.join(dir, 'train.jsonl');
    fs.writeFileSync(corpus, '{"a":1}\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const EXAMPLES: Example[] = [
    { src: [2, 40, 41, 3], tgt: [50] },
    { src: [4, 9999, 3], tgt: [] },
    { src: [], tgt: [7, 8, 9] },
  ];

  it('reads back exactly what it wrote, without making the examples again', () => {
    const key = examplesKey(corpus, { seed: 1 });
    let made = 0;
    const make = () => (made++, EXAMPLES);
    assert.deepStrictEqual(cachedExamples(dir, key, make), EXAMPLES);
    assert.deepStrictEqual(cachedExamples(dir, key, make), EXAMPLES);
    assert.strictEqual(made, 1);
    assert.ok(fs.existsSync(path.join(dir, EXAMPLES_BIN)) && fs.existsSync(path.join(dir, EXAMPLES_KEY)));
  });

  it('makes them again for another key, a damaged file or no key file', () => {
    const key = examplesKey(corpus, { seed: 1 });
    cachedExamples(dir, key, () => EXAMPLES);
    let made = 0;
    const other: Example[] = [{ src: [1], tgt: [2] }];
    const make = () => (made++, other);
    assert.deepStrictEqual(cachedExamples(dir, examplesKey(corpus, { seed: 2 }), make), other);
    assert.strictEqual(made, 1);
    // The cache now holds `other` under seed 2; cut its file short.
    const bin = path.join(dir, EXAMPLES_BIN);
    fs.truncateSync(bin, fs.statSync(bin).size - 4);
    assert.deepStrictEqual(cachedExamples(dir, examplesKey(corpus, { seed: 2 }), make), other);
    assert.strictEqual(made, 2);
    fs.rmSync(path.join(dir, EXAMPLES_KEY));
    cachedExamples(dir, examplesKey(corpus, { seed: 2 }), make);
    assert.strictEqual(made, 3);
  });

  it('keys on the inputs (in any key order) and on the corpus file', () => {
    const a = examplesKey(corpus, { seed: 1, limits: { maxSrcLen: 8, maxTgtLen: 4 } });
    assert.strictEqual(a, examplesKey(corpus, { limits: { maxTgtLen: 4, maxSrcLen: 8 }, seed: 1 }));
    assert.notStrictEqual(a, examplesKey(corpus, { seed: 1, limits: { maxSrcLen: 9, maxTgtLen: 4 } }));
    fs.appendFileSync(corpus, '{"b":2}\n');
    assert.notStrictEqual(a, examplesKey(corpus, { seed: 1, limits: { maxSrcLen: 8, maxTgtLen: 4 } }));
  });
});
