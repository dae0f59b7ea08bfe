/**
 * Safe terminal output: escape sequences and other control characters from source files (a
 * docstring, a file name) reach the terminal as visible escapes, never raw, in `document` and
 * `search`; `--json` keeps the exact text.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundledModelDir, registerDocumentCommand } from '../../src/cli/documentCommand';
import { runCli as runMain } from '../../src/cli/main';
import { registerSearchCommand } from '../../src/cli/searchCommand';
import { jsonLine, terminalLines, terminalText } from '../../src/cli/terminalText';
import { runCli } from './cliHarness';

const ROOT = path.join(__dirname, '..', '..', '..');
/** Retitles the window and clears the screen. */
const ATTACK = '\x1b]0;TITLE\x07\x1b[2J';
// eslint-disable-next-line no-control-regex -- raw control characters are what the tests look for
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

async function captureStderr(run: () => Promise<unknown>): Promise<string> {
  let err = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stderr.write = write;
  }
  return err;
}

describe('terminal output of source-derived text', function () {
  this.timeout(300000);

  it('shows control characters as escapes, keeps line feeds only in multi-line text, and JSON exact', () => {
    assert.strictEqual(terminalText(`a${ATTACK}b`), 'a\\x1b]0;TITLE\\x07\\x1b[2Jb');
    assert.strictEqual(terminalText('x\u202ey\x9b1m\r\nz\t'), 'x\\u202ey\\x9b1m\\r\\nz\\t');
    assert.strictEqual(terminalLines('one\n\ttwo\x1b[2J'), 'one\n\ttwo\\x1b[2J');
    assert.strictEqual(terminalText('plain text, “quotes” and é'), 'plain text, “quotes” and é');
    const value = { text: `doc ${ATTACK} \u202e \x9b \u2028 end` };
    const line = jsonLine(value);
    assert.ok(!RAW.test(line) && !line.includes('\u2028'), line);
    assert.deepStrictEqual(JSON.parse(line), value);
  });

  describe('document and search', () => {
    let dir: string;
    let file: string;
    before(function () {
      if (!bundledModelDir(ROOT)) this.skip();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terminal-'));
      fs.mkdirSync(path.join(dir, '.git'));
      file = path.join(dir, `grid${ATTACK}.py`);
      fs.writeFileSync(
        file,
        `def load_grid(path):\n    """Load the grid ${ATTACK}from a text file."""\n    with open(path) as f:\n        return [line.split() for line in f]\n`,
      );
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it('document prints the file name and the author’s comment without raw escape sequences', async () => {
      const text = await runCli(registerDocumentCommand, ['document', file, '--backend', 'wasm', '--index', dir]);
      assert.match(text, /written by its author: Load the grid \\x1b\]0;TITLE\\x07\\x1b\[2Jfrom a text file\./);
      assert.ok(text.includes('grid\\x1b]0;TITLE\\x07\\x1b[2J.py'), text);
      assert.ok(!RAW.test(text), JSON.stringify(text));
      const json = await runCli(registerDocumentCommand, ['document', file, '--backend', 'wasm', '--json']);
      assert.ok(!RAW.test(json));
      const record = JSON.parse(json.trim().split('\n')[0]!) as { file: string; existing: string };
      assert.strictEqual(record.file, file, 'JSON keeps the exact name');
      assert.strictEqual(record.existing, `Load the grid ${ATTACK}from a text file.`);
    });

    it('search prints names, paths and summaries without raw escape sequences', async () => {
      const text = await runCli(registerSearchCommand, ['search', 'load the grid', '--index', dir, '--bm25-only']);
      assert.match(text, /1\. load_grid {2}grid\\x1b\]0;TITLE\\x07\\x1b\[2J\.py:1/);
      assert.ok(text.includes('Load the grid \\x1b]0;TITLE'), text);
      assert.ok(!RAW.test(text), JSON.stringify(text));
      const json = await runCli(registerSearchCommand, [
        'search',
        'load the grid',
        '--index',
        dir,
        '--bm25-only',
        '--json',
      ]);
      const hit = JSON.parse(json.trim().split('\n')[0]!) as { path: string; summary: string };
      assert.strictEqual(hit.path, `grid${ATTACK}.py`);
      assert.strictEqual(hit.summary, `Load the grid ${ATTACK}from a text file.`);
    });

    it('an error message quoting a file name shows its escapes', async () => {
      const missing = path.join(dir, `gone${ATTACK}.py`);
      const err = await captureStderr(() => runMain(['node', 'seq2seq', 'document', missing]));
      process.exitCode = 0;
      assert.ok(err.includes('gone\\x1b]0;TITLE') && !RAW.test(err), JSON.stringify(err));
    });
  });
});
