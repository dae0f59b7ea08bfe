/**
 * Dedup, split by file, JSONL corpus round trip, examples with truncation, and length-bucketed
 * seeded batches in the shared Batch format.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BOS_ID, CODE2DOC_ID, DOC2CODE_ID, EOS_ID, PAD_ID } from '../../src/core/specialTokens';
import {
  collate,
  makeBatches,
  makeExample,
  makeExamples,
  parseCorpusLine,
  readCorpus,
  writeCorpus,
  type TextEncoder,
} from '../../src/mining/dataset';
import { dedupPairs, splitByFile } from '../../src/mining/dedupSplit';
import type { Pair } from '../../src/mining/mine';

function pair(pathName: string, code: string, summary: string): Pair {
  return { lang: 'python', path: pathName, name: 'f', line: 1, code, doc: summary, summary, params: [], throws: [] };
}

/** One id per character (ids 10+), so lengths are easy to reason about. */
const charEncoder: TextEncoder = { encode: (t) => [...t].map((c) => 10 + (c.codePointAt(0)! % 50)) };

describe('mining/dedupSplit', () => {
  it('removes exact duplicates by normalised code and by normalised (code, description)', () => {
    const r = dedupPairs([
      pair('a.py', 'def f():\n    return 1', 'Returns one.'),
      pair('b.py', 'def f():  return 1', 'returns one'),
      pair('c.py', 'def f():\n    return 1', 'Gives the number one.'),
      pair('d.py', 'def g():\n    return 2', 'Returns one.'),
    ]);
    assert.deepStrictEqual(
      r.kept.map((p) => p.path),
      ['a.py', 'd.py'],
    );
    assert.strictEqual(r.duplicatePair, 1);
    assert.strictEqual(r.duplicateCode, 1);
  });

  it('splits by file, deterministically from the seed, near the requested shares', () => {
    const pairs: Pair[] = [];
    for (let f = 0; f < 200; f++)
      for (let i = 0; i < 1 + (f % 4); i++) pairs.push(pair(`src/f${f}.py`, `code ${f} ${i}`, `doc ${f} ${i}`));
    const a = splitByFile(pairs, { seed: 1 });
    const b = splitByFile(pairs.slice().reverse(), { seed: 1 });
    const files = (ps: Pair[]): string[] => [...new Set(ps.map((p) => p.path))].sort();
    assert.deepStrictEqual(files(a.test), files(b.test));
    assert.deepStrictEqual(files(a.valid), files(b.valid));
    const sets = [files(a.train), files(a.valid), files(a.test)];
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++) assert.ok(!sets[i]!.some((f) => sets[j]!.includes(f)), 'a file in two splits');
    assert.strictEqual(a.train.length + a.valid.length + a.test.length, pairs.length);
    for (const s of [a.valid, a.test])
      assert.ok(Math.abs(s.length / pairs.length - 0.1) < 0.02, `share ${s.length / pairs.length}`);
    const c = splitByFile(pairs, { seed: 2 });
    assert.notDeepStrictEqual(files(c.test), files(a.test));
  });
});

describe('mining/dataset', () => {
  it('writes and reads a JSONL corpus', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
    try {
      const file = path.join(dir, 'c.jsonl');
      const records = [
        pair('a.py', 'def f():\n    return "é"', 'Returns é.'),
        { ...pair('b.py', 'x', 'y'), returns: 'z', params: [{ name: 'a', description: 'b' }] },
      ];
      assert.strictEqual(writeCorpus(file, records), 2);
      const line = JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]!) as Record<string, unknown>;
      for (const k of ['lang', 'path', 'code', 'doc', 'summary']) assert.ok(k in line, k);
      assert.deepStrictEqual(await readCorpus(file), records);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects malformed corpus lines with the place and the reason', () => {
    assert.throws(() => parseCorpusLine('{', 'c.jsonl:3'), /c\.jsonl:3: not JSON/);
    assert.throws(
      () => parseCorpusLine('{"lang":"python","path":"a","code":1,"summary":"s"}'),
      /"code" must be a string/,
    );
    assert.throws(() => parseCorpusLine('{"lang":"cobol","path":"a","code":"c","summary":"s"}'), /unknown language/);
  });

  it('builds both directions with direction tokens, EOS and truncation limits', () => {
    const r = { code: 'abcdefgh', summary: 'xyz' };
    const c2d = makeExample(r, 'code2doc', charEncoder, { maxSrcLen: 6, maxTgtLen: 10 });
    assert.deepStrictEqual(c2d.src, [CODE2DOC_ID, ...charEncoder.encode('abcd'), EOS_ID]);
    assert.deepStrictEqual(c2d.tgt, charEncoder.encode('xyz'));
    const d2c = makeExample(r, 'doc2code', charEncoder, { maxSrcLen: 6, maxTgtLen: 4 });
    assert.deepStrictEqual(d2c.src, [DOC2CODE_ID, ...charEncoder.encode('xyz'), EOS_ID]);
    assert.deepStrictEqual(d2c.tgt, charEncoder.encode('abc'));
    assert.strictEqual(makeExamples([r, r], charEncoder, { maxSrcLen: 10, maxTgtLen: 10 }).length, 4);
  });

  it('collates into padded Batch rows: tgtIn = [BOS, ...], tgtOut = [..., EOS]', () => {
    const b = collate([
      { src: [4, 20, 2], tgt: [30] },
      { src: [4, 20, 21, 22, 2], tgt: [30, 31, 32] },
    ]);
    assert.deepStrictEqual(b.src, [
      [4, 20, 2, PAD_ID, PAD_ID],
      [4, 20, 21, 22, 2],
    ]);
    assert.deepStrictEqual(b.tgtIn, [
      [BOS_ID, 30, PAD_ID, PAD_ID],
      [BOS_ID, 30, 31, 32],
    ]);
    assert.deepStrictEqual(b.tgtOut, [
      [30, EOS_ID, PAD_ID, PAD_ID],
      [30, 31, 32, EOS_ID],
    ]);
  });

  it('batches every example once, grouped by length, the same way for the same seed', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({
      code: 'x'.repeat(1 + ((i * 37) % 97)),
      summary: 'y'.repeat(1 + (i % 13)),
    }));
    const examples = makeExamples(records, charEncoder, { maxSrcLen: 64, maxTgtLen: 16 });
    const batches = makeBatches(examples, { batchSize: 16, seed: 5 });
    assert.strictEqual(
      batches.reduce((n, b) => n + b.src.length, 0),
      examples.length,
    );
    assert.deepStrictEqual(makeBatches(examples, { batchSize: 16, seed: 5 }), batches);
    assert.notDeepStrictEqual(makeBatches(examples, { batchSize: 16, seed: 6 }), batches);
    let padded = 0;
    let total = 0;
    for (const b of batches) {
      assert.ok(b.src.every((r) => r.length === b.src[0]!.length && r.length <= 64));
      assert.ok(b.tgtIn.every((r) => r.length === b.tgtOut[0]!.length && r.length <= 16));
      for (const r of b.src) {
        total += r.length;
        padded += r.filter((id) => id === PAD_ID).length;
      }
    }
    // Random batching would pad about a third of this data; buckets keep it small.
    assert.ok(padded / total < 0.1, `padding share ${(padded / total).toFixed(3)}`);
  });
});
