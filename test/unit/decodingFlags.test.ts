/**
 * The CLI speaks every decoding option the extension has: `--length-penalty`, `--length-reward`,
 * `--no-repeat-ngram` and `--max-length` on `translate`, `document` and `eval`, and `eval
 * --nbest` (the best of n candidates). Bad values name their flag; each flag changes what a
 * small trained model writes.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';

import { addDecodingFlags, decodingChoice, OptionError, type DecodingFlags } from '../../src/cli/options';
import { writeWordPairCorpus } from './helpers/wordPairCorpus';
import { cliProcess } from './helpers/cliProcess';

const cli = (args: string[], input?: string) => cliProcess(args, { input });

/** The options commander hands a command with the decoding flags for `args`. */
function parsed(args: string[]): DecodingFlags {
  let got: DecodingFlags = {};
  const program = new Command('seq2seq').exitOverride();
  addDecodingFlags(program.command('x')).action((o: DecodingFlags) => {
    got = o;
  });
  program.parse(['node', 'seq2seq', 'x', ...args]);
  return got;
}

describe('decoding flags on the CLI', function () {
  this.timeout(300000);

  it('parses the four flags into the request fields, and leaves absent ones to the defaults', () => {
    assert.deepStrictEqual(decodingChoice(parsed([])), {});
    assert.deepStrictEqual(
      decodingChoice(
        parsed(['--length-penalty', '1.2', '--length-reward', '0.5', '--no-repeat-ngram', '2', '--max-length', '20']),
      ),
      { lengthPenalty: 1.2, lengthReward: 0.5, noRepeatNgramSize: 2, maxLength: 20 },
    );
    assert.deepStrictEqual(decodingChoice(parsed(['--no-repeat-ngram', '0'])), { noRepeatNgramSize: 0 });
  });

  it('refuses bad values naming the flag', () => {
    const bad: [string[], RegExp][] = [
      [['--length-penalty', '-1'], /--length-penalty must be a number from 0 to 10, got "-1"/],
      [['--length-reward', 'lots'], /--length-reward must be a number from 0 to 100/],
      [['--length-reward', '1e308'], /--length-reward must be a number from 0 to 100, got "1e308"/],
      [['--no-repeat-ngram', '2.5'], /--no-repeat-ngram must be a whole number from 0 to 16/],
      [['--max-length', '0'], /--max-length must be a whole number from 1/],
      [['--max-length', '4097'], /--max-length must be a whole number from 1 to 4096, got "4097"/],
    ];
    for (const [args, message] of bad)
      assert.throws(
        () => decodingChoice(parsed(args)),
        (e: unknown) => e instanceof OptionError && message.test(e.message),
      );
  });

  describe('with a small trained model', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-decoding-'));
    const corpus = path.join(dir, 'corpus.jsonl');
    const run = path.join(dir, 'run');
    const code = 'def get_user_name(x):\n    return x\n';

    before(() => {
      writeWordPairCorpus(corpus, { pairs: 60, files: 20 });
      const config = path.join(dir, 'cfg.json');
      fs.writeFileSync(
        config,
        JSON.stringify({
          model: { attention: 'bahdanau', embeddingDim: 32, hiddenDim: 32, dropout: 0, maxSrcLen: 24, maxTgtLen: 12 },
          vocabSize: 300,
          batchSize: 8,
          directions: ['code2doc'],
          training: {
            optimizer: { name: 'adam', learningRate: 0.01 },
            schedule: { kind: 'constant' },
            maxEpochs: 200,
            evalEvery: 1000,
          },
        }),
      );
      const trained = cli(['train', '--corpus', corpus, '--config', config, '--out', run, '--max-steps', '250']);
      assert.strictEqual(trained.code, 0, trained.err);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** The best candidates' texts and scores (`--nbest 2` prints `1. [score] text`). */
    const translate = (...flags: string[]): { text: string; score: number }[] => {
      const r = cli(['translate', '--model', run, '--no-reuse', '--beam', '3', '--nbest', '2', ...flags], code);
      assert.strictEqual(r.code, 0, r.err);
      return r.out
        .trim()
        .split('\n')
        .map((line) => {
          const m = /^\d+\. \[(-?[\d.]+)\] ?(.*)$/.exec(line);
          assert.ok(m, `a candidate line: ${line}`);
          return { score: Number(m[1]), text: m[2]! };
        });
    };
    const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

    it('translate: --length-reward and --max-length set the length, --no-repeat-ngram forbids repeats', () => {
      const plain = translate()[0]!;
      // A reward of 100 per token keeps every hypothesis going to the length limit, so the score
      // is 100 * tokens plus a log-probability above -100: its ceiling / 100 counts the tokens.
      const tokens = (c: { score: number }): number => Math.ceil(c.score / 100);
      assert.ok(plain.score < 0, `without a reward the score is a log-probability (${plain.score})`);
      const long = translate('--length-reward', '100', '--no-repeat-ngram', '0', '--max-length', '10')[0]!;
      const short = translate('--length-reward', '100', '--no-repeat-ngram', '0', '--max-length', '3')[0]!;
      assert.strictEqual(tokens(long), 10, `--max-length 10: ${JSON.stringify(long)}`);
      assert.strictEqual(tokens(short), 3, `--max-length 3: ${JSON.stringify(short)}`);
      const repeated = words(long.text);
      assert.ok(new Set(repeated).size < repeated.length, `without the n-gram ban words repeat: ${long.text}`);
      const unique = translate('--length-reward', '100', '--no-repeat-ngram', '1', '--max-length', '10')[0]!;
      assert.strictEqual(
        new Set(words(unique.text)).size,
        words(unique.text).length,
        `--no-repeat-ngram 1: ${unique.text}`,
      );
      // The length penalty divides the log-probability by ((5 + n) / 6) ^ alpha: 0 leaves it whole.
      const flat = translate('--length-penalty', '0')[0]!;
      const steep = translate('--length-penalty', '2')[0]!;
      assert.notStrictEqual(flat.score, steep.score);
    });

    it('translate and eval refuse a bad decoding value before loading anything', () => {
      const r = cli(['translate', '--model', run, '--length-penalty', 'x'], code);
      assert.notStrictEqual(r.code, 0);
      assert.match(r.err, /--length-penalty must be a number from 0 to 10, got "x"/);
      const e = cli(['eval', '--model', run, '--corpus', corpus, '--max-length', '-3']);
      assert.notStrictEqual(e.code, 0);
      assert.match(e.err, /--max-length must be a whole number/);
    });

    it('eval: --nbest reports the best of n candidates, at least as good as the first; --max-length applies', () => {
      const one = cli(['eval', '--model', run, '--corpus', corpus, '--json', '--limit', '20', '--beam', '4']);
      assert.strictEqual(one.code, 0, one.err);
      const base = JSON.parse(one.out) as { exactMatch: number; sentenceBleu: number; oracle?: unknown };
      assert.strictEqual(base.oracle, undefined);
      const r = cli([
        'eval',
        '--model',
        run,
        '--corpus',
        corpus,
        '--json',
        '--limit',
        '20',
        '--beam',
        '4',
        '--nbest',
        '4',
      ]);
      assert.strictEqual(r.code, 0, r.err);
      const res = JSON.parse(r.out) as {
        exactMatch: number;
        sentenceBleu: number;
        oracle: { nBest: number; exactMatch: number; sentenceBleu: number };
      };
      assert.strictEqual(res.oracle.nBest, 4);
      assert.strictEqual(res.exactMatch, base.exactMatch, 'the first candidate is the same with --nbest');
      assert.ok(res.oracle.exactMatch >= res.exactMatch && res.oracle.sentenceBleu >= res.sentenceBleu);
      // One token cannot be a two-word summary.
      const cut = cli(['eval', '--model', run, '--corpus', corpus, '--json', '--limit', '20', '--max-length', '1']);
      assert.strictEqual(cut.code, 0, cut.err);
      const cutRes = JSON.parse(cut.out) as { exactMatch: number; sentenceBleu: number };
      assert.strictEqual(cutRes.exactMatch, 0);
      assert.ok(base.sentenceBleu > cutRes.sentenceBleu, `${base.sentenceBleu} > ${cutRes.sentenceBleu}`);
    });

    it('document takes the same flags', () => {
      const file = path.join(dir, 'a.py');
      fs.writeFileSync(file, code);
      const args = [
        'document',
        file,
        '--model',
        run,
        '--no-reuse',
        '--no-indexing',
        '--json',
        '--length-reward',
        '100',
      ];
      const long = cli([...args, '--max-length', '10']);
      const short = cli([...args, '--max-length', '2']);
      assert.strictEqual(long.code, 0, long.err);
      assert.strictEqual(short.code, 0, short.err);
      const text = (out: string): string =>
        (JSON.parse(out.trim().split('\n')[0]!) as { candidates: { text: string }[] }).candidates[0]!.text;
      assert.ok(text(short.out).length < text(long.out).length, `${text(short.out)} vs ${text(long.out)}`);
    });
  });
});
