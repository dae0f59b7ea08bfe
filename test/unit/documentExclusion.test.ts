/**
 * `document` and its project index: the file being documented is excluded from the neighbours
 * whatever form its argument has (relative to the working folder from the parent or a subfolder,
 * absolute, through a symbolic link), and the default index (no --index) reads a capped amount of
 * a folder that is not one project, saying so and naming --index.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundledModelDir, registerDocumentCommand } from '../../src/cli/documentCommand';
import { DEFAULT_INDEX_LIMITS, indexFolder, pathInIndex } from '../../src/cli/projectIndex';
import { ParserPool } from '../../src/parsing/parser';
import { runCli } from './cliHarness';

const ROOT = path.join(__dirname, '..', '..', '..');

const CELLS = `def merge_cells(grid, row, first, last):
    """Merge the cells first..last of a grid row into one spanning cell."""
    cells = grid[row]
    merged = " ".join(str(c) for c in cells[first:last + 1])
    grid[row] = cells[:first] + [merged] + cells[last + 1:]
    return grid
`;

const OTHER = `def parse_header(line):
    """Split a CSV header line into its column names."""
    return [name.strip() for name in line.split(",")]
`;

async function inFolder<T>(dir: string, run: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await run();
  } finally {
    process.chdir(cwd);
  }
}

async function captureStderr<T>(run: () => Promise<T>): Promise<{ value: T; err: string }> {
  let err = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await run(), err };
  } finally {
    process.stderr.write = write;
  }
}

interface DocumentRecord {
  name: string;
  neighbour?: { path: string; source: string };
  candidates: { text: string; reusedFrom?: { path: string } }[];
}

describe('document: own-file exclusion and the default index', function () {
  this.timeout(300000);
  let tmp: string;
  let proj: string;
  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exclusion-')));
    proj = path.join(tmp, 'proj');
    fs.mkdirSync(path.join(proj, '.git'), { recursive: true });
    fs.mkdirSync(path.join(proj, 'pkg'));
    fs.mkdirSync(path.join(proj, 'sub'));
    fs.writeFileSync(path.join(proj, 'pkg', 'cells.py'), CELLS);
    fs.writeFileSync(path.join(proj, 'other.py'), OTHER);
    fs.symlinkSync(proj, path.join(tmp, 'link'));
    fs.symlinkSync(path.join(proj, 'pkg', 'cells.py'), path.join(proj, 'alias.py'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('names the file as the index does for every path form', async () => {
    const want = 'pkg/cells.py';
    assert.strictEqual(pathInIndex(proj, path.join(proj, 'pkg', 'cells.py')), want, 'absolute');
    assert.strictEqual(
      await inFolder(tmp, async () => pathInIndex('proj', 'proj/pkg/cells.py')),
      want,
      'from the parent',
    );
    assert.strictEqual(
      await inFolder(path.join(proj, 'pkg'), async () => pathInIndex(proj, 'cells.py')),
      want,
      'from a subfolder',
    );
    assert.strictEqual(
      await inFolder(path.join(proj, 'sub'), async () => pathInIndex('..', '../pkg/cells.py')),
      want,
      'with ..',
    );
    assert.strictEqual(
      pathInIndex(path.join(tmp, 'link'), path.join(proj, 'pkg', 'cells.py')),
      want,
      'root through a link',
    );
    assert.strictEqual(pathInIndex(proj, path.join(tmp, 'link', 'pkg', 'cells.py')), want, 'file through a link');
    assert.strictEqual(pathInIndex(proj, path.join(proj, 'alias.py')), want, 'a linked file');
    assert.strictEqual(
      pathInIndex(path.join(proj, 'pkg'), path.join(proj, 'other.py')),
      '../other.py',
      'outside the root',
    );
  });

  it('never reuses the function’s own documented version as its neighbour', async function () {
    if (!bundledModelDir(ROOT)) this.skip();
    const forms: [string, string, string[]][] = [
      ['inside the project', proj, ['--index', '.', 'pkg/cells.py']],
      ['from the parent folder', tmp, ['--index', 'proj', 'proj/pkg/cells.py']],
      ['from a subfolder, the git root as the default index', path.join(proj, 'pkg'), ['cells.py']],
      ['absolute paths', tmp, ['--index', proj, path.join(proj, 'pkg', 'cells.py')]],
      ['the index through a link', tmp, ['--index', 'link', 'proj/pkg/cells.py']],
      ['the file through a link', tmp, ['--index', 'proj', 'link/pkg/cells.py']],
    ];
    for (const [form, cwd, args] of forms) {
      const out = await inFolder(cwd, () =>
        runCli(registerDocumentCommand, ['document', ...args, '--json', '--backend', 'wasm']),
      );
      const record = JSON.parse(out.trim().split('\n')[0]!) as DocumentRecord;
      assert.strictEqual(record.name, 'merge_cells', form);
      const own = (p?: string): boolean => p === 'pkg/cells.py';
      assert.ok(!own(record.neighbour?.path), `${form}: its own file is its neighbour`);
      assert.ok(!record.candidates.some((c) => own(c.reusedFrom?.path)), `${form}: its own comment reused`);
      assert.ok(
        !record.candidates.some((c) => c.text.includes('spanning cell')),
        `${form}: ${record.candidates[0]?.text}`,
      );
    }
  });

  it('caps what the default index reads, with a message naming --index', async function () {
    const scratch = path.join(tmp, 'scratch');
    for (let i = 0; i < 12; i++) {
      fs.mkdirSync(path.join(scratch, `p${i}`), { recursive: true });
      fs.writeFileSync(
        path.join(scratch, `p${i}`, 'm.py'),
        `def f${i}(x):\n    """Return x plus ${i}."""\n    return x + ${i}\n`,
      );
    }
    const parsers = new ParserPool();
    try {
      const capped = await captureStderr(() => indexFolder(scratch, parsers, { maxFiles: 5, maxBytes: 1e9 }));
      assert.strictEqual(capped.value.minedFiles().length, 5);
      assert.match(capped.err, /stopped indexing .*scratch after 5 source files/);
      assert.match(capped.err, /--index <project folder>/);
      const bytes = await captureStderr(() => indexFolder(scratch, parsers, { maxFiles: 5000, maxBytes: 150 }));
      assert.ok(bytes.value.minedFiles().length < 12 && /stopped indexing/.test(bytes.err), bytes.err);
      const whole = await captureStderr(() => indexFolder(scratch, parsers));
      assert.strictEqual(whole.value.minedFiles().length, 12);
      assert.strictEqual(whole.err, '');
    } finally {
      parsers.dispose();
    }
    if (!bundledModelDir(ROOT)) return;
    // `document x.py` in a folder with no git root: the default index stops at the cap; --index reads it whole.
    fs.writeFileSync(path.join(scratch, 'x.py'), 'def double(x):\n    return 2 * x\n');
    const saved = { ...DEFAULT_INDEX_LIMITS };
    DEFAULT_INDEX_LIMITS.maxFiles = 3;
    try {
      const run = (args: string[]): Promise<{ value: string; err: string }> =>
        inFolder(scratch, () =>
          captureStderr(() => runCli(registerDocumentCommand, ['document', 'x.py', '--backend', 'wasm', ...args])),
        );
      const capped = await run([]);
      assert.match(capped.err, /stopped indexing .*scratch after 3 source files.*--index/s);
      assert.match(capped.value, /neighbours from .*scratch: \d+ documented of 3 functions/);
      const named = await run(['--index', '.']);
      assert.strictEqual(named.err, '');
      assert.match(named.value, /neighbours from .*scratch: 12 documented of 13 functions/);
    } finally {
      Object.assign(DEFAULT_INDEX_LIMITS, saved);
    }
  });
});
