/** Parameter descriptions the workspace already wrote: the lookup, the index that keeps them, and the benchmark's cases. */
import * as assert from 'assert';

import type { CorpusRecord } from '../../src/mining/dataset';
import { FunctionIndex, INDEX_VERSION } from '../../src/retrieval/functionIndex';
import { indexFunctionsOf } from '../../src/mining/indexMining';
import {
  ParamDescriptions,
  paramPairs,
  paramSourceText,
  rolesMatch,
  signatureRole,
  typeKey,
} from '../../src/retrieval/paramDescriptions';
import { ParserPool } from '../../src/parsing/parser';
import { choose, paramCases } from '../../bench/params/cases';

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
        new RegExp(`not a version ${INDEX_VERSION} workspace index`),
      );
    } finally {
      parsers.dispose();
    }
  });

  it('the benchmark asks each documented parameter of its project, its own file and other roles left out', () => {
    const rec = (project: string, file: string, code: string, params: { name: string; description: string }[]) =>
      ({
        project,
        path: file,
        lang: 'python',
        name: 'f',
        line: 1,
        code,
        summary: 'S.',
        doc: '',
        params,
        throws: [],
      }) as CorpusRecord;
    const cases = paramCases([
      rec('p', 'a.py', 'def f(path: str):\n    pass', [{ name: 'path', description: 'The file.' }]),
      rec('p', 'b.py', 'def f(path: str, mode):\n    pass', [
        { name: 'path', description: 'The file to read.' },
        { name: 'mode', description: 'How.' },
      ]),
      rec('p', 'c.py', 'def f(path: int):\n    pass', [{ name: 'path', description: 'A number.' }]),
      rec('q', 'c.py', 'def f(mode):\n    pass', [{ name: 'mode', description: 'Open mode.' }]),
    ]);
    assert.deepStrictEqual(
      cases.map((c) => [c.key, c.reference, c.project]),
      [
        ['p\ta.py\t1\tf\tpath', 'The file.', 'The file to read.'],
        ['p\tb.py\t1\tf\tpath', 'The file to read.', 'The file.'],
        ['p\tb.py\t1\tf\tmode', 'How.', undefined],
        // An `int` path borrows nothing from the `str` ones, nor they from it.
        ['p\tc.py\t1\tf\tpath', 'A number.', undefined],
        ['q\tc.py\t1\tf\tmode', 'Open mode.', undefined],
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

  it("chooses as the editor does: the project's description, else the model's when the text gate takes it, else the placeholder", () => {
    const code = 'def load(file_path, mode):\n    return open(file_path, mode).read()';
    const c = (project?: string) => ({
      key: 'k',
      lang: 'python',
      reference: 'r',
      name: 'file_path',
      code,
      ...(project !== undefined ? { project } : {}),
    });
    const model = (text: string, confidence: number) => ({ text, confidence });
    assert.deepStrictEqual(choose(c('The file to read.'), model('Model.', 0.9), 0.5), {
      by: 'project',
      text: 'The file to read.',
    });
    // A person's text is held to plain repeats only; the model is not asked instead.
    assert.deepStrictEqual(choose(c('The the file.'), model('The file to open.', 0.9), 0.5), {
      by: 'placeholder',
      problem: 'repeatedWord',
    });
    assert.deepStrictEqual(choose(c(), model('The file to open.', 0.6), 0.5), {
      by: 'model',
      text: 'The file to open.',
    });
    assert.deepStrictEqual(choose(c(), model('The file to open.', 0.4), 0.5), {
      by: 'placeholder',
      problem: 'lowConfidence',
    });
    assert.deepStrictEqual(choose(c(), model('The file to open -', 0.9), 0.5), {
      by: 'placeholder',
      problem: 'brokenPhrase',
    });
    assert.deepStrictEqual(choose(c(), undefined, 0), { by: 'placeholder' });
  });
});

describe('borrowing a parameter description only for the same role', () => {
  it("reads a parameter's type and default from a signature in each language", () => {
    const py = 'def f(self, total: int, x=3, *args, name: Optional[str] = None, **kw) -> int:\n    pass';
    assert.deepStrictEqual(signatureRole(py, 'total', 'f', 'python'), { type: 'int' });
    assert.deepStrictEqual(signatureRole(py, 'x', 'f', 'python'), { default: '3' });
    assert.deepStrictEqual(signatureRole(py, 'name', 'f', 'python'), { type: 'Optional[str]', default: 'None' });
    assert.deepStrictEqual(
      signatureRole('export function f(a: number, cb: (x: number) => void = () => {}) {}', 'cb', 'f', 'typescript'),
      { type: '(x: number) => void', default: '() => {}' },
    );
    assert.deepStrictEqual(signatureRole('function f(a, b = "x") {}', 'b', 'f', 'javascript'), { default: '"x"' });
    assert.deepStrictEqual(signatureRole('public function f(?string $name = null) {}', 'name', 'f', 'php'), {
      type: 'string',
      default: 'null',
    });
    assert.deepStrictEqual(signatureRole('def f(a, c: 2)\nend', 'c', 'f', 'ruby'), { default: '2' });
    assert.deepStrictEqual(
      signatureRole('public void f(final Map<String, Integer> counts, int n) {', 'counts', 'f', 'java'),
      {
        type: 'Map<String, Integer>',
      },
    );
    assert.deepStrictEqual(signatureRole('def f(a):\n    pass', 'missing', 'f', 'python'), {});
    assert.strictEqual(typeKey('Optional[List[str]]'), typeKey('list[str] | None'));
    assert.strictEqual(typeKey('Readonly<ProcessCov>'), typeKey('ProcessCov'));
    assert.strictEqual(typeKey('ast.AST'), typeKey('AST'));
    assert.strictEqual(typeKey('str | Path'), typeKey('Path | str'));
  });

  it('matches the same annotated type, else compatible defaults', () => {
    // rich: Progress's `total: Optional[float] = 100.0` is not _ratio's `total: int`.
    assert.ok(!rolesMatch({ type: 'Optional[float]', default: '100.0' }, { type: 'int' }));
    assert.ok(rolesMatch({ type: 'Optional[str]', default: 'None' }, { type: 'str' }));
    assert.ok(rolesMatch({ type: 'str | Path' }, { type: 'Path' }), 'a member of the union');
    assert.ok(!rolesMatch({ type: 'Dict[str, str]', default: 'None' }, { type: 'Sequence[str]' }));
    // One side without a type: defaults decide, and a type must fit the other's default.
    assert.ok(!rolesMatch({ default: '"auto"' }, { default: '0' }));
    assert.ok(rolesMatch({ default: '0' }, { default: '10' }));
    assert.ok(rolesMatch({ default: 'None' }, { default: '10' }), 'None is any kind');
    assert.ok(!rolesMatch({ type: 'int' }, { default: '"auto"' }));
    assert.ok(rolesMatch({ type: 'bool' }, { default: 'False' }));
    assert.ok(rolesMatch({}, { type: 'int' }), 'nothing known here: the same name is enough');
  });

  it('borrows only from a parameter in the same role, and says which function it came from', () => {
    const d = new ParamDescriptions([
      {
        path: 'rich/_ratio.py',
        name: 'ratio_resolve',
        line: 14,
        lang: 'python',
        code: 'def ratio_resolve(total: int, edges: List[Edge]) -> List[int]:\n    pass',
        params: [{ name: 'total', description: 'Total to divide.' }],
      },
      {
        path: 'rich/progress.py',
        name: 'add_task',
        line: 1400,
        lang: 'python',
        code: 'def add_task(self, description: str, total: Optional[float] = 100.0) -> TaskID:\n    pass',
        params: [{ name: 'total', description: 'Number of total steps in the progress if known. Defaults to 100.' }],
      },
    ]);
    assert.deepStrictEqual(d.lookup('total', 'rich/progress_bar.py', { type: 'Optional[float]', default: '100.0' }), {
      text: 'Number of total steps in the progress if known. Defaults to 100.',
      source: 'project',
      from: { name: 'add_task', path: 'rich/progress.py', line: 1400 },
    });
    assert.strictEqual(d.lookup('total', 'x.py', { type: 'int' })?.from?.name, 'ratio_resolve');
    assert.strictEqual(d.lookup('total', 'x.py', { type: 'str' }), undefined, 'no parameter in that role');
    // Without a role (the old lookup): the shorter of a tie.
    assert.strictEqual(d.describe('total', 'x.py'), 'Total to divide.');
  });
});
