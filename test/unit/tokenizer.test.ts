/**
 * The code-aware tokenizer: identifier splits, layout marks, reserved ids, exact round trips
 * (fixtures and seeded random strings with digits, acronyms, unicode, tabs, CRLF), save/load,
 * and agreement with the Hugging Face `tokenizers` library on the saved tokenizer.json.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { SPECIAL_TOKENS } from '../../src/core/specialTokens';
import { trainBpe } from '../../src/tokenizer/bpe';
import { preTokenize, unmark } from '../../src/tokenizer/preTokenizer';
import { seededRandom } from '../../src/mining/random';
import { CodeTokenizer, trainTokenizer } from '../../src/tokenizer/tokenizer';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'corpus');
const fixtureTexts = fs.readdirSync(FIXTURES).map((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8'));

const PROSE = [
  'Parses an HTTP header line into a key and a value.',
  'Returns the user ID for the given OAuth2 token, or null.',
  'Converts snake_case names to camelCase: parse_http_header -> parseHttpHeader.',
];

/** Random strings from code-like fragments, seeded. */
function randomTexts(n: number, seed: number): string[] {
  const parts = [
    'parseHTTPHeader',
    'getV2Data',
    'HTML5Parser',
    'x86_64',
    'snake_case_name',
    '__init__',
    'IOError',
    'utf8ToUTF16',
    'café',
    'naïve',
    '日本語',
    '😀',
    'Ω',
    ' ',
    '  ',
    '\t',
    '\n',
    '\n    ',
    '\r\n',
    '(',
    ')',
    '{',
    '}',
    '=>',
    '===',
    '!=',
    '"str"',
    "'c'",
    '0x1F',
    '3.14',
    '1e-9',
    '//',
    '#',
    '/**',
    '*/',
    ';',
    ',',
    '.',
    '$var',
    '@decorator',
    '\\n',
    '`tpl`',
  ];
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => {
    let s = '';
    const len = 1 + Math.floor(rnd() * 30);
    for (let i = 0; i < len; i++) s += parts[Math.floor(rnd() * parts.length)];
    return s;
  });
}

describe('tokenizer/preTokenizer', () => {
  it('splits identifiers at case changes, acronyms, digits and underscores', () => {
    assert.deepStrictEqual(preTokenize('parseHTTPHeader'), ['parse', 'HTTP', 'Header']);
    assert.deepStrictEqual(preTokenize('snake_case'), ['snake', '_', 'case']);
    assert.deepStrictEqual(preTokenize('getV2Data'), ['get', 'V', '2', 'Data']);
    assert.deepStrictEqual(preTokenize('HTML5Parser'), ['HTML', '5', 'Parser']);
  });

  it('marks spaces, newlines with indentation and tabs', () => {
    assert.deepStrictEqual(preTokenize('if x:\n    return y'), ['if', '▁x', ':', '↵▁▁▁▁', 'return', '▁y']);
    assert.deepStrictEqual(preTokenize('a  =\tb'), ['a', '▁▁', '=', '⇥', 'b']);
    assert.deepStrictEqual(preTokenize('a '), ['a', '▁']);
  });

  it('joining pieces and unmarking restores the text', () => {
    for (const t of [...fixtureTexts, ...PROSE, ...randomTexts(200, 7)]) {
      assert.strictEqual(unmark(preTokenize(t).join('')), t.replace(/\r\n?/g, '\n'));
    }
  });
});

describe('tokenizer/tokenizer', function () {
  this.timeout(20000);
  const corpus = [...fixtureTexts, ...PROSE];
  const tok = trainTokenizer(corpus, { vocabSize: 700, minFrequency: 2 });

  it('reserves the special tokens first with their fixed ids, then the 256 byte tokens', () => {
    SPECIAL_TOKENS.forEach((s, i) => assert.strictEqual(tok.idToToken(i), s));
    assert.strictEqual(tok.idToToken(6), '<0x00>');
    assert.strictEqual(tok.idToToken(261), '<0xFF>');
    assert.strictEqual(tok.vocabSize, 700);
  });

  it('never emits special ids when encoding text', () => {
    for (const t of corpus) assert.ok(tok.encode(t).every((id) => id >= SPECIAL_TOKENS.length && id < tok.vocabSize));
  });

  it('round-trips every fixture and prose sample exactly', () => {
    for (const t of corpus) assert.strictEqual(tok.decode(tok.encode(t)), t);
  });

  it('round-trips random code-like strings (digits, acronyms, unicode never seen in training) modulo CRLF', () => {
    for (const t of randomTexts(500, 42)) assert.strictEqual(tok.decode(tok.encode(t)), t.replace(/\r\n?/g, '\n'));
  });

  it('keeps identifier parts apart as subwords shared with prose', () => {
    const tokens = tok.encode('parseHTTPHeader').map((id) => tok.idToToken(id)!);
    assert.strictEqual(tokens.join(''), 'parseHTTPHeader');
    // No token crosses an identifier split.
    let pos = 0;
    const bounds = new Set([0, 5, 9, 15]);
    for (const t of tokens) {
      const end = pos + t.length;
      assert.ok(![...bounds].some((b) => b > pos && b < end), `token ${t} crosses a split`);
      pos = end;
    }
  });

  it('skips special ids when decoding', () => {
    const ids = tok.encode('return x');
    assert.strictEqual(tok.decode([1, 4, ...ids, 2, 0, 0]), 'return x');
  });

  it('learns merges: frequent words become single tokens', () => {
    const ids = tok.encode(' the');
    assert.strictEqual(ids.length, 1, `' the' is ${ids.map((i) => tok.idToToken(i)).join('|')}`);
    assert.ok(tok.stats(corpus).byteFallbackTokens < tok.stats(corpus).tokens * 0.02);
  });

  it('honours minFrequency and vocabSize', () => {
    const small = trainTokenizer(['abab abab', 'xyz'], { vocabSize: 300, minFrequency: 2 });
    assert.ok(small.tokenToId('ab') !== undefined);
    assert.strictEqual(small.tokenToId('xy'), undefined, 'a pair seen once is not merged with minFrequency 2');
    assert.strictEqual(small.tokenToId('x'), undefined, 'a character seen once is left to byte fallback');
    assert.strictEqual(small.decode(small.encode('xyz abab')), 'xyz abab');
    assert.ok(trainTokenizer(corpus, { vocabSize: 400 }).vocabSize <= 400);
    // 300 holds the corpus's characters but no merge: refused, with the smallest useful size.
    assert.throws(() => trainTokenizer(corpus, { vocabSize: 300 }), /no room for a single subword merge.*at least \d+/);
    assert.throws(() => trainTokenizer(corpus, { vocabSize: 100 }), /vocabSize must exceed 262/);
  });

  it('trains deterministically (ties broken by pair order)', () => {
    const a = trainBpe(
      new Map([
        ['abcd', 3],
        ['bcda', 3],
        ['cdab', 3],
      ]),
      { maxMerges: 10, minFrequency: 1 },
    );
    const b = trainBpe(
      new Map([
        ['cdab', 3],
        ['abcd', 3],
        ['bcda', 3],
      ]),
      { maxMerges: 10, minFrequency: 1 },
    );
    assert.deepStrictEqual(a, b);
    // cd is the most frequent pair; then ab, bcd and cda tie at 6 and the smallest pair wins.
    assert.deepStrictEqual(a.merges.slice(0, 2), [
      ['c', 'd'],
      ['a', 'b'],
    ]);
  });

  it('saves a self-contained tokenizer.json that loads back identically and that Hugging Face tokenizers encodes and decodes the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tok-'));
    try {
      const file = path.join(dir, 'tokenizer.json');
      tok.save(file);
      const loaded = CodeTokenizer.load(file);
      assert.strictEqual(loaded.vocabSize, tok.vocabSize);
      const hf = HfTokenizer.fromFile(file);
      assert.strictEqual(hf.getVocabSize(true), tok.vocabSize);
      for (const t of [...corpus, ...randomTexts(100, 3)]) {
        const ours = loaded.encode(t);
        assert.deepStrictEqual(ours, tok.encode(t));
        const theirs = (await hf.encode(t)).getIds();
        assert.deepStrictEqual(theirs, ours, `tokenizers encodes ${JSON.stringify(t.slice(0, 40))} differently`);
        assert.strictEqual(await hf.decode(theirs, true), loaded.decode(ours));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a tokenizer.json whose special ids differ', () => {
    const json = tok.toJSON();
    const vocab = { ...(json.model.vocab as Record<string, number>) };
    vocab['<pad>'] = 1;
    vocab['<s>'] = 0;
    assert.throws(() => CodeTokenizer.fromJSON({ ...json, model: { ...json.model, vocab } }), /id 0 must be <pad>/);
    assert.throws(() => CodeTokenizer.fromJSON({ model: { type: 'WordPiece' } }), /not a BPE tokenizer/);
  });
});
