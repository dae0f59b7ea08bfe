/**
 * Outputs that never destroy (src/cli/outputPaths.ts, src/modelFolder/atomicFolder.ts
 * checkReplaceableFile): `mine --out` refused when it is one of the inputs (the same file by any
 * path, or a file the walk mines), a FIFO, a link or a device, or in a missing folder, before
 * anything is read or written; `convert` never replaces a file, a device or a folder of other
 * things with a model folder; `writeCorpus` leaves the old file whole and no temporary file when
 * it fails. Devices are never written: `/dev/full` and `/dev/null` are only checked.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { registerDataCommands } from '../../src/cli/dataCommands';
import { registerConvert } from '../../src/cli/nativeCommands';
import { checkOutputFile } from '../../src/cli/outputPaths';
import { checkReplaceableFile } from '../../src/modelFolder/atomicFolder';
import { writeCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { runCli } from './cliHarness';

const SOURCE = 'def add(a, b):\n    """Add two numbers and return the sum."""\n    return a + b\n';

describe('outputs that never destroy', function () {
  this.timeout(60_000);
  let dir: string;
  let src: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-out-'));
    src = path.join(dir, 'in');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'a.py'), SOURCE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const mine = (args: string[]): Promise<string> => runCli(registerDataCommands, ['mine', ...args]);

  it('mine --out one of its input files (by the same path, another path, a hard link) is refused', async () => {
    const a = path.join(src, 'a.py');
    await assert.rejects(mine([a, '--out', a]), /--out .*a\.py is the same file as argument .*a\.py/);
    await assert.rejects(mine([a, '--out', path.join(src, '..', 'in', 'a.py')]), /is the same file as/);
    fs.linkSync(a, path.join(dir, 'hard.py'));
    await assert.rejects(mine([a, '--out', path.join(dir, 'hard.py')]), /is the same file as/);
    assert.strictEqual(fs.readFileSync(a, 'utf8'), SOURCE);
  });

  it('mine --out a file inside a mined folder is refused before anything is written', async () => {
    const a = path.join(src, 'a.py');
    await assert.rejects(mine([src, '--out', a]), /--out .*a\.py is one of the files being mined/);
    assert.strictEqual(fs.readFileSync(a, 'utf8'), SOURCE);
    assert.deepStrictEqual(fs.readdirSync(src), ['a.py']);
  });

  it('mine --out a FIFO, a symbolic link or a path in a missing folder is refused; the entry stays as it was', async () => {
    const fifo = path.join(dir, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(
      mine([src, '--out', fifo]),
      /--out .*pipe\.jsonl is a FIFO \(named pipe\), not a regular file/,
    );
    assert.ok(fs.lstatSync(fifo).isFIFO(), 'the FIFO was replaced');
    const link = path.join(dir, 'link.jsonl');
    fs.symlinkSync(path.join(src, 'a.py'), link);
    await assert.rejects(mine([src, '--out', link]), /is a symbolic link, not a regular file/);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    await assert.rejects(
      mine([src, '--out', path.join(dir, 'no', 'such', 'c.jsonl')]),
      /does not exist; create it first/,
    );
    // --splits outputs are checked as well, before mining.
    const split = path.join(dir, 'c.train.jsonl');
    execFileSync('mkfifo', [split]);
    await assert.rejects(
      mine([src, '--out', path.join(dir, 'c.jsonl'), '--splits']),
      /--splits .*c\.train\.jsonl is a FIFO/,
    );
    assert.ok(!fs.existsSync(path.join(dir, 'c.jsonl')));
  });

  it('a device (/dev/full, /dev/null) is refused by the check that runs before any write', () => {
    for (const device of ['/dev/full', '/dev/null']) {
      if (!fs.existsSync(device)) continue;
      assert.throws(
        () => checkOutputFile('--out', device),
        /--out \/dev\/\w+ is a character device, not a regular file/,
      );
      assert.throws(() => checkReplaceableFile(device), /is a character device/);
      assert.ok(fs.statSync(device).isCharacterDevice());
    }
  });

  it('a folder that is not writable is refused', function () {
    if (process.getuid?.() === 0) this.skip(); // root writes everywhere but on read-only mounts
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro, 0o500);
    assert.throws(() => checkOutputFile('--out', path.join(ro, 'c.jsonl')), /is not writable/);
  });

  it('mine still writes a regular file, replacing an earlier corpus, with no temporary file left', async () => {
    const out = path.join(dir, 'c.jsonl');
    fs.writeFileSync(out, 'old\n');
    await mine([src, '--out', out]);
    assert.match(fs.readFileSync(out, 'utf8'), /"summary":"Add two numbers/);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['c.jsonl', 'in']);
  });

  it('writeCorpus that fails midway leaves the old file whole and no temporary file', () => {
    const out = path.join(dir, 'c.jsonl');
    fs.writeFileSync(out, 'old\n');
    function* failing(): Generator<CorpusRecord> {
      yield {
        lang: 'python',
        path: 'a.py',
        name: 'x',
        line: 1,
        code: 'x',
        doc: 'y',
        summary: 'y',
        params: [],
        throws: [],
      };
      throw new Error('disk full');
    }
    assert.throws(() => writeCorpus(out, failing()), /disk full/);
    assert.strictEqual(fs.readFileSync(out, 'utf8'), 'old\n');
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['c.jsonl', 'in']);
  });

  it('convert never replaces a file, a FIFO or a folder of other things with a model folder', async () => {
    const convert = (args: string[]): Promise<string> => runCli(registerConvert, ['convert', ...args]);
    const weights = path.join(dir, 'w.safetensors');
    fs.writeFileSync(weights, 'not read');
    const like = path.join(dir, 'like');
    fs.mkdirSync(like);
    await assert.rejects(
      convert([weights, path.join(src, 'a.py'), '--like', like]),
      /<to> .*a\.py is a regular file, not a folder/,
    );
    assert.strictEqual(fs.readFileSync(path.join(src, 'a.py'), 'utf8'), SOURCE);
    await assert.rejects(convert([weights, src, '--like', like]), /is a folder but not a model folder/);
    assert.deepStrictEqual(fs.readdirSync(src), ['a.py']);
    await assert.rejects(convert([weights, like, '--like', like]), /--like .* lies in <to>/);
    const fifo = path.join(dir, 'm.safetensors');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(convert([like, fifo]), /<to> .*m\.safetensors is a FIFO/);
    assert.ok(fs.lstatSync(fifo).isFIFO());
  });
});
