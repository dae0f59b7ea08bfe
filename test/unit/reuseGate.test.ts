import * as assert from 'assert';

import { FunctionIndex } from '../../src/retrieval/functionIndex';
import { reusableSummary, reuseConflicts } from '../../src/inference/modelRunner';

/** A two-file TypeScript workspace: the sibling is documented, the function asked about is not. */
function neighbourFor(code: string, sibling: { name: string; code: string; summary: string }) {
  const index = new FunctionIndex('/ws');
  index.setFile('src/codec.ts', [
    {
      path: 'src/codec.ts',
      lang: 'javascript',
      name: sibling.name,
      line: 1,
      code: sibling.code,
      summary: sibling.summary,
    },
  ]);
  return index.neighbour(code, 'src/asked.ts');
}

describe('reuse that does not lie (a sibling summary naming what only the sibling has)', () => {
  const cases = [
    {
      what: 'a hex encoder beside its base32 sibling',
      asked: 'export function encodeHex(data: Uint8Array): string {\n  return toAlphabet(data, HEX_ALPHABET, 4);\n}',
      sibling: {
        name: 'encodeBase32',
        code: 'export function encodeBase32(data: Uint8Array): string {\n  return toAlphabet(data, BASE32_ALPHABET, 5);\n}',
        summary: 'Takes the bytes and encodes it as base32.',
      },
      word: 'base32',
    },
    {
      what: 'deep equality beside strict equality with Object.is',
      asked:
        'export function assertDeepEqual(actual: unknown, expected: unknown): void {\n  if (!deepEqual(actual, expected)) fail(actual, expected);\n}',
      sibling: {
        name: 'assertStrictEqual',
        code: 'export function assertStrictEqual(actual: unknown, expected: unknown): void {\n  if (!Object.is(actual, expected)) fail(actual, expected);\n}',
        summary: 'Asserts that actual and expected are strictly equal, using Object.is.',
      },
      word: 'strictly',
    },
    {
      what: '"greater than" beside "greater than or equal"',
      asked:
        'export function assertGreaterThan(actual: number, limit: number): void {\n  if (!(actual > limit)) fail(actual, limit);\n}',
      sibling: {
        name: 'assertGreaterThanOrEqual',
        code: 'export function assertGreaterThanOrEqual(actual: number, limit: number): void {\n  if (!(actual >= limit)) fail(actual, limit);\n}',
        summary: 'Asserts that actual is greater than or equal to limit.',
      },
      word: 'equal',
    },
  ];
  for (const c of cases)
    it(`does not reuse for ${c.what}, and says which word`, () => {
      const n = neighbourFor(c.asked, c.sibling);
      assert.ok(n, 'the sibling is the neighbour');
      assert.ok(n.similarity >= 0.5, `a near copy (similarity ${n.similarity})`);
      assert.ok(reuseConflicts(n.summary, n.unshared).includes(c.word), reuseConflicts(n.summary, n.unshared).join());
      assert.strictEqual(reusableSummary({ ...n, unshared: n.unshared }, 0.3), undefined);
      // Without the gate (no unshared words known), the same neighbour would have been reused.
      assert.strictEqual(reusableSummary({ summary: n.summary, similarity: n.similarity }, 0.3), n.summary);
    });

  it('still reuses a sibling whose summary names only what both share', () => {
    const n = neighbourFor(
      'def read_config(path, encoding="utf-8"):\n    with open(path, encoding=encoding) as f:\n        return parse(f.read())',
      {
        name: 'read_settings',
        code: 'def read_settings(path, encoding="utf-8"):\n    with open(path, encoding=encoding) as f:\n        return parse(f.read())',
        summary: 'Reads the file at path and parses it.',
      },
    );
    assert.ok(n);
    assert.deepStrictEqual(reuseConflicts(n.summary, n.unshared), []);
    assert.strictEqual(reusableSummary(n, 0.3), 'Reads the file at path and parses it.');
  });

  it('ignores function words and keywords the two happen not to share', () => {
    assert.deepStrictEqual(reuseConflicts('Returns the value if it is set.', ['return', 'if', 'is', 'the', '2']), []);
    assert.deepStrictEqual(reuseConflicts('Gets the value.', ['get']), ['gets']);
  });
});
