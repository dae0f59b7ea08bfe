/** The `mine` and `corpus-stats` commands, run in-process on the fixture corpus. */
import * as assert from 'assert';
import { runCli } from './cliHarness';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { registerDataCommands } from '../../src/cli/dataCommands';
import { readCorpus } from '../../src/mining/dataset';
import { trainTokenizer } from '../../src/tokenizer/tokenizer';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'corpus');

const run = (args: string[]): Promise<string> => runCli(registerDataCommands, args);

describe('cli: mine and corpus-stats', function () {
  this.timeout(20000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('mine writes a corpus and prints pairs per language', async () => {
    const out = path.join(dir, 'corpus.jsonl');
    const text = await run(['mine', FIXTURES, '--out', out, '--splits', '--seed', '3']);
    const pairs = await readCorpus(out);
    assert.ok(pairs.length >= 25, `${pairs.length} pairs`);
    assert.match(text, /^python\s+5$/m);
    assert.match(text, /^c-sharp\s+\d+$/m);
    assert.match(text, new RegExp(`^total\\s+${pairs.length}$`, 'm'));
    const split = ['train', 'valid', 'test'].map(
      (s) =>
        fs
          .readFileSync(path.join(dir, `corpus.${s}.jsonl`), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean).length,
    );
    assert.strictEqual(split[0]! + split[1]! + split[2]!, pairs.length);
  });

  it('mine honours --include', async () => {
    const out = path.join(dir, 'py.jsonl');
    await run(['mine', FIXTURES, '--out', out, '--include', '**/*.py']);
    const pairs = await readCorpus(out);
    assert.ok(pairs.length > 0 && pairs.every((p) => p.lang === 'python'));
  });

  it('corpus-stats prints languages, percentiles and OOV rates, with and without a tokenizer', async () => {
    const corpus = path.join(dir, 'corpus.jsonl');
    const plain = await run(['corpus-stats', corpus]);
    assert.match(plain, /^ruby\s+2$/m);
    assert.match(plain, /^code lines\s+\d+/m);
    assert.match(plain, /held-out OOV rate \d+\.\d+%/);
    const tokFile = path.join(dir, 'tokenizer.json');
    const pairs = await readCorpus(corpus);
    trainTokenizer(
      pairs.flatMap((p) => [p.code, p.summary]),
      { vocabSize: 500 },
    ).save(tokFile);
    const withTok = await run(['corpus-stats', corpus, '--tokenizer', tokFile]);
    assert.match(withTok, /^code tokens\s+\d+/m);
    assert.match(withTok, /OOV \(byte-fallback\) rate \d+\.\d+%/);
  });
});
