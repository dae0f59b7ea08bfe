/**
 * The CLI's option parser (src/cli/options.ts) and the commands that use it: a typo in a numeric
 * option is refused with a message naming the flag and the value, never read as NaN.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { registerDataCommands } from '../../src/cli/dataCommands';
import { registerDocumentCommand } from '../../src/cli/documentCommand';
import {
  backendOption,
  choiceOption,
  integerOption,
  lineRangeOption,
  OptionError,
  optional,
  positiveNumberOption,
  wholeNumberOption,
} from '../../src/cli/options';
import { registerSearchCommand } from '../../src/cli/searchCommand';
import { registerTrainCommands, withTrainingFlags } from '../../src/cli/trainCommands';
import { runCli } from './cliHarness';

describe('cli options', () => {
  it('reads whole numbers and refuses text, fractions, blanks and values below the minimum', () => {
    assert.strictEqual(wholeNumberOption('--beam', '4'), 4);
    assert.strictEqual(wholeNumberOption('--seed', '0', 0), 0);
    assert.throws(
      () => wholeNumberOption('--batch-size', 'abc'),
      (e: unknown) =>
        e instanceof OptionError &&
        e.flag === '--batch-size' &&
        e.message === '--batch-size must be a whole number of at least 1, got "abc"',
    );
    for (const bad of ['1.5', '0', '-2', '', ' ', 'NaN', 'Infinity'])
      assert.throws(() => wholeNumberOption('--limit', bad), /--limit must be a whole number of at least 1/, bad);
    assert.strictEqual(wholeNumberOption('--layers', '64', 1, 64), 64);
    assert.throws(
      () => wholeNumberOption('--layers', '65', 1, 64),
      /--layers must be a whole number from 1 to 64, got "65"/,
    );
  });

  it('reads integers of either sign, and positive numbers', () => {
    assert.strictEqual(integerOption('--seed', '-3'), -3);
    assert.throws(() => integerOption('--seed', '3x'), /--seed must be a whole number, got "3x"/);
    assert.strictEqual(positiveNumberOption('--minutes', '0.5'), 0.5);
    for (const bad of ['0', '-1', 'abc', '', 'Infinity'])
      assert.throws(() => positiveNumberOption('--minutes', bad), /--minutes must be a positive number/, bad);
  });

  it('reads choices, backends and line ranges', () => {
    assert.strictEqual(choiceOption('--direction', 'doc2code', ['code2doc', 'doc2code']), 'doc2code');
    assert.throws(
      () => choiceOption('--direction', 'both', ['code2doc', 'doc2code']),
      /^OptionError: --direction must be code2doc or doc2code, got "both"$/,
    );
    assert.strictEqual(backendOption('wasm'), 'wasm');
    assert.throws(() => backendOption('gpu'), /--backend must be auto, tensorflow, wasm or cpu, got "gpu"/);
    assert.deepStrictEqual(lineRangeOption('--lines', undefined, 9), [1, 9]);
    assert.deepStrictEqual(lineRangeOption('--lines', '2-30', 9), [2, 9]);
    assert.deepStrictEqual(lineRangeOption('--lines', '4', 9), [4, 4]);
    assert.throws(() => lineRangeOption('--lines', 'x-y', 9), /--lines must look like 10-30/);
    assert.throws(() => lineRangeOption('--lines', '5-2', 9), /--lines 5-2 is not a valid range/);
    assert.strictEqual(
      optional(undefined, (v) => wholeNumberOption('--n', v)),
      undefined,
    );
  });

  it('lays --max-steps, --minutes and --threads over the training config, or refuses them', () => {
    const cfg = withTrainingFlags({ training: { patience: 2 } }, { maxSteps: '30', minutes: '1.5', threads: '2' });
    assert.deepStrictEqual(cfg.training, { patience: 2, maxSteps: 30, timeBudgetMs: 90_000, threads: 2 });
    assert.throws(
      () => withTrainingFlags({}, { maxSteps: 'abc' }),
      /--max-steps must be a whole number of at least 1, got "abc"/,
    );
    assert.throws(() => withTrainingFlags({}, { minutes: '0' }), /--minutes must be a positive number, got "0"/);
    assert.throws(() => withTrainingFlags({}, { threads: '1.5' }), /--threads must be a whole number of at least 1/);
  });
});

describe('cli commands refuse bad option values before doing any work', function () {
  this.timeout(30000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-options-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('train --max-steps abc fails without creating the run folder', async () => {
    const out = path.join(dir, 'run');
    await assert.rejects(
      runCli(registerTrainCommands, ['train', '--corpus', 'none.jsonl', '--out', out, '--max-steps', 'abc']),
      /--max-steps must be a whole number of at least 1, got "abc"/,
    );
    assert.strictEqual(fs.existsSync(out), false);
  });

  it('tune, eval and translate refuse non-numbers and zero', async () => {
    await assert.rejects(
      runCli(registerTrainCommands, ['tune', '--corpus', 'c', '--out', dir, '--steps', '2OO']),
      /--steps must be a whole number of at least 1, got "2OO"/,
    );
    await assert.rejects(
      runCli(registerTrainCommands, ['eval', '--corpus', 'c', '--limit', 'ten']),
      /--limit must be a whole number of at least 1, got "ten"/,
    );
    await assert.rejects(
      runCli(registerTrainCommands, ['translate', '--beam', '0']),
      /--beam must be a whole number from 1 to 64, got "0"/,
    );
    await assert.rejects(
      runCli(registerTrainCommands, ['translate', '--beam', '100000']),
      /--beam must be a whole number from 1 to 64, got "100000"/,
    );
    await assert.rejects(
      runCli(registerTrainCommands, ['translate', '--direction', 'sideways']),
      /--direction must be code2doc or doc2code, got "sideways"/,
    );
  });

  it('document, search and mine refuse bad numbers and backends', async () => {
    await assert.rejects(
      runCli(registerDocumentCommand, ['document', 'a.py', '--nbest', 'x']),
      /--nbest must be a whole number of at least 1, got "x"/,
    );
    await assert.rejects(
      runCli(registerSearchCommand, ['search', 'parse a header', '--candidates', '1e']),
      /--candidates must be a whole number of at least 1, got "1e"/,
    );
    await assert.rejects(
      runCli(registerSearchCommand, ['search', 'parse a header', '--backend', 'gpu']),
      /--backend must be auto, tensorflow, wasm or cpu, got "gpu"/,
    );
    await assert.rejects(
      runCli(registerDataCommands, ['mine', dir, '--out', path.join(dir, 'c.jsonl'), '--max-file-kb', 'big']),
      /--max-file-kb must be a whole number of at least 1, got "big"/,
    );
    assert.strictEqual(fs.existsSync(path.join(dir, 'c.jsonl')), false);
  });
});
