/** The workspace index: mining a folder, incremental updates, persistence, neighbours and the bundled fallback. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FunctionIndex, INDEX_VERSION, type IndexedFunction } from '../../src/retrieval/functionIndex';
import { buildFunctionIndex, updateFunctionIndex } from '../../src/mining/indexMining';
import { ParserPool } from '../../src/parsing/parser';
import { walkAdmits } from '../../src/mining/walk';

const IO_PY = `import json


def load_json(path):
    """Read a JSON file and return its contents."""
    with open(path) as f:
        return json.load(f)


def save_json(path, value):
    """Write a value to a file as JSON text."""
    with open(path, 'w') as f:
        json.dump(value, f)
`;

const MATH_PY = `def mean(values):
    total = 0
    for v in values:
        total += v
    return total / len(values)
`;

function fn(p: string, name: string, code: string, summary?: string): IndexedFunction {
  return { path: p, lang: 'python', name, line: 1, code, ...(summary ? { summary } : {}) };
}

describe('workspace index', function () {
  this.timeout(60000);
  let dir: string;
  let parsers: ParserPool;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-'));
    fs.mkdirSync(path.join(dir, 'utils'));
    fs.writeFileSync(path.join(dir, 'utils', 'io.py'), IO_PY);
    fs.writeFileSync(path.join(dir, 'stats.py'), MATH_PY);
    parsers = new ParserPool();
  });
  afterEach(() => {
    parsers.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mines documented and undocumented functions, with the miner’s summaries', async () => {
    const { index } = await buildFunctionIndex(dir, parsers);
    assert.deepStrictEqual(
      index.functions().map((f) => [f.path, f.name, f.line, f.summary]),
      [
        ['stats.py', 'mean', 1, undefined],
        ['utils/io.py', 'load_json', 4, 'Read a JSON file and return its contents.'],
        ['utils/io.py', 'save_json', 10, 'Write a value to a file as JSON text.'],
      ],
    );
    assert.strictEqual(index.documentedCount, 2);
    assert.ok(!index.functions()[1]!.code.includes('Read a JSON'), 'the doc comment is not part of the code');
  });

  it('skips secret, vendored, git-ignored and excluded files', async () => {
    fs.mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'x', 'v.py'), MATH_PY.replace('mean', 'vendored'));
    fs.mkdirSync(path.join(dir, 'gen'));
    fs.writeFileSync(path.join(dir, 'gen', 'g.py'), MATH_PY.replace('mean', 'ignored'));
    fs.writeFileSync(path.join(dir, '.gitignore'), 'gen/\n');
    fs.writeFileSync(path.join(dir, 'skip.py'), MATH_PY.replace('mean', 'excluded'));
    const { index } = await buildFunctionIndex(dir, parsers, { exclude: ['skip.py'] });
    const names = index.functions().map((f) => f.name);
    assert.deepStrictEqual(names.sort(), ['load_json', 'mean', 'save_json']);
    // The same rules for one saved file.
    assert.strictEqual(walkAdmits(dir, path.join(dir, 'gen', 'g.py'), MATH_PY), false);
    assert.strictEqual(walkAdmits(dir, path.join(dir, 'node_modules', 'x', 'v.py'), MATH_PY), false);
    assert.strictEqual(walkAdmits(dir, path.join(dir, 'skip.py'), MATH_PY, { exclude: ['skip.py'] }), false);
    assert.strictEqual(walkAdmits(dir, path.join(dir, '.env.py'), MATH_PY), false);
    assert.strictEqual(walkAdmits(dir, path.join(dir, 'stats.py'), MATH_PY), true);
  });

  it('a saved file is re-mined alone; a rebuild re-mines only changed files and drops deleted ones', async () => {
    const { index } = await buildFunctionIndex(dir, parsers);
    const before = index.functionsOf('utils/io.py');
    const changed = `${MATH_PY}\n\ndef median(values):\n    """Return the middle value of the sorted values."""\n    s = sorted(values)\n    return s[len(s) // 2]\n`;
    fs.writeFileSync(path.join(dir, 'stats.py'), changed);
    assert.strictEqual(await updateFunctionIndex(index, parsers, path.join(dir, 'stats.py'), changed), 2);
    assert.strictEqual(index.functionsOf('utils/io.py'), before, 'other files are untouched');
    assert.strictEqual(index.search('middle value of sorted values', 1)[0]?.fn.name, 'median');

    const again = await buildFunctionIndex(dir, parsers, {}, {}, index);
    assert.strictEqual(again.reMined, 0, 'nothing changed since the update');
    fs.rmSync(path.join(dir, 'utils', 'io.py'));
    const after = await buildFunctionIndex(dir, parsers, {}, {}, index);
    assert.strictEqual(after.reMined, 0);
    assert.deepStrictEqual(
      after.index.functions().map((f) => f.name),
      ['mean', 'median'],
    );
    await updateFunctionIndex(index, parsers, path.join(dir, 'stats.py'), undefined);
    assert.strictEqual(index.size, 0, 'a deleted file leaves the index');
  });

  it('round-trips through its saved file, atomically written and versioned', async () => {
    const { index } = await buildFunctionIndex(dir, parsers);
    const file = path.join(dir, 'store', 'index.json');
    index.save(file);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['index.json'], 'no temporary file left');
    const loaded = FunctionIndex.load(file, dir)!;
    assert.deepStrictEqual(loaded.functions(), index.functions());
    assert.strictEqual(loaded.hashOf('stats.py'), index.hashOf('stats.py'));
    assert.strictEqual(FunctionIndex.load(file, path.join(dir, 'utils')), undefined, 'another root is not used');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.throws(() => FunctionIndex.fromJSON({ ...saved, version: INDEX_VERSION + 1 }), /version/);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 100));
    assert.strictEqual(FunctionIndex.load(file, dir), undefined, 'a damaged file is rebuilt, not misread');
  });

  it('never takes the neighbour from the file being documented', () => {
    const index = new FunctionIndex(dir);
    const code = 'def load_json(path):\n    with open(path) as f:\n        return json.load(f)';
    index.setFile('a.py', [fn('a.py', 'load_json', code, 'Read a JSON file.')]);
    index.setFile('b.py', [
      fn('b.py', 'read_config', 'def read_config(p):\n    return json.load(open(p))', 'Read the config.'),
    ]);
    assert.strictEqual(index.neighbour(code)?.path, 'a.py', 'itself when nothing is excluded');
    const n = index.neighbour(code, 'a.py')!;
    assert.deepStrictEqual([n.path, n.name, n.summary], ['b.py', 'read_config', 'Read the config.']);
    index.removeFile('b.py');
    assert.strictEqual(index.neighbour(code, 'a.py'), undefined);
  });
});
