/** Parameter descriptions the workspace already wrote: the lookup, the index that keeps them, and the benchmark's cases. */
import * as assert from 'assert';

import type { CorpusRecord } from '../../src/data/dataset';
import { FunctionIndex, INDEX_VERSION } from '../../src/data/functionIndex';
import { indexFunctionsOf } from '../../src/data/indexMining';
import { ParamDescriptions, paramPairs, paramSourceText } from '../../src/data/paramDescriptions';
import { ParserPool } from '../../src/data/parser';
import { paramCases, shipped } from '../../bench/params/run';

const LOADERS_PY = `def load(path, strict=False):
    """Load a file.

    Args:
        path: The file to read, relative to the project root.
        strict: Fail on unknown keys.
    """
    return open(path).read()


def helper(path):
    return path
`;

describe('parameter descriptions from the workspace', () => {
  it('gives the description most files use for a name, never only the excluded file', () => {
    const d = new ParamDescriptions([
      { path: 'a.py', params: [{ name: 'path', description: 'The file to read.' }] },
      { path: 'b.py', params: [{ name: 'path', description: 'The  file to read.' }] }, // same once spaces are collapsed
      {
        path: 'c.py',
        params: [
          { name: 'path', description: 'Where to write.' },
          { name: 'n', description: '' },
        ],
      },
    ]);
    assert.strictEqual(d.describe('path'), 'The file to read.');
    assert.strictEqual(d.describe('path', 'a.py'), 'Where to write.', 'a tie of one file each: the shorter one');
    assert.strictEqual(d.describe('n'), undefined, 'an empty description is no description');
    assert.strictEqual(d.describe('other'), undefined);
    const only = new ParamDescriptions([{ path: 'a.py', params: [{ name: 'x', description: 'An x.' }] }]);
    assert.strictEqual(only.describe('x', 'a.py'), undefined);
  });

  it('the index keeps the descriptions of documented functions and answers from other files', async () => {
    const parsers = new ParserPool();
    try {
      const fns = await indexFunctionsOf(parsers, 'loaders.py', LOADERS_PY);
      assert.deepStrictEqual(fns[0]!.params, [
        { name: 'path', description: 'The file to read, relative to the project root.' },
        { name: 'strict', description: 'Fail on unknown keys.' },
      ]);
      assert.strictEqual(fns[1]!.params, undefined, 'an undocumented function has none');
      const index = new FunctionIndex('/ws');
      index.setFile('loaders.py', fns);
      assert.strictEqual(index.paramDescription('path', 'other.py'), 'The file to read, relative to the project root.');
      assert.strictEqual(index.paramDescription('path', 'loaders.py'), undefined);
      // Saved and read back with the descriptions; an index of the previous version is not read.
      const again = FunctionIndex.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
      assert.strictEqual(again.paramDescription('strict'), 'Fail on unknown keys.');
      assert.throws(
        () => FunctionIndex.fromJSON({ ...index.toJSON(), version: INDEX_VERSION - 1 }),
        /not a version 2 workspace index/,
      );
    } finally {
      parsers.dispose();
    }
  });

  it('the benchmark asks each documented parameter of its project, its own file left out', () => {
    const rec = (project: string, file: string, params: { name: string; description: string }[]): CorpusRecord =>
      ({
        project,
        path: file,
        lang: 'python',
        name: 'f',
        line: 1,
        code: '',
        summary: 'S.',
        doc: '',
        params,
        throws: [],
      }) as CorpusRecord;
    const cases = paramCases([
      rec('p', 'a.py', [{ name: 'path', description: 'The file.' }]),
      rec('p', 'b.py', [
        { name: 'path', description: 'The file to read.' },
        { name: 'mode', description: 'How.' },
      ]),
      rec('q', 'c.py', [{ name: 'mode', description: 'Open mode.' }]),
    ]);
    assert.deepStrictEqual(
      cases.map((c) => [c.name, c.reference, c.project]),
      [
        ['path', 'The file.', 'The file to read.'],
        ['path', 'The file to read.', 'The file.'],
        ['mode', 'How.', undefined],
        ['mode', 'Open mode.', undefined],
      ],
    );
  });

  it('makes one training pair per described parameter: its name before the code, its description as the target', () => {
    const fn = (params: { name: string; description?: string }[]) => ({
      lang: 'python',
      project: 'p',
      path: 'a.py',
      name: 'load',
      line: 3,
      code: 'def load(path, mode):\n    pass',
      params,
    });
    const pairs = paramPairs([
      fn([
        { name: 'path', description: '  The file\n   to read. ' },
        { name: 'mode', description: ' ' },
      ]),
      fn([{ name: 'mode' }]),
    ]);
    assert.deepStrictEqual(pairs, [
      {
        lang: 'python',
        project: 'p',
        path: 'a.py',
        name: 'load(path)',
        line: 3,
        code: paramSourceText('path', 'def load(path, mode):\n    pass'),
        description: 'The file to read.',
      },
    ]);
    assert.ok(pairs[0]!.code.startsWith('param path\n'));
  });

  it("ships the project's description, else the model's when sure enough, else the name's words", () => {
    const cases = [
      { lang: 'python', reference: 'r', name: 'file_path', source: 's', project: 'From the project.' },
      { lang: 'python', reference: 'r', name: 'file_path', source: 's' },
      { lang: 'python', reference: 'r', name: 'file_path', source: 's' },
    ];
    const model = [
      { text: 'Model A.', confidence: 0.9 },
      { text: 'Model B.', confidence: 0.6 },
      { text: 'Model C.', confidence: 0.2 },
    ];
    assert.deepStrictEqual(shipped(cases, model, 0.5), ['From the project.', 'Model B.', 'file path']);
    assert.deepStrictEqual(shipped(cases, model, 0), ['From the project.', 'Model B.', 'Model C.']);
  });
});
