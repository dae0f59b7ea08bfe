import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/model';
import { saveModel } from '../../src/modelFolder/checkpoint';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { cleanGeneratedText, ModelRunner, spacedCommentText } from '../../src/inference/modelRunner';
import { FunctionIndex } from '../../src/retrieval/functionIndex';
import { MEMORY_FILE, TOKENIZER_FILE } from '../../src/modelFolder/format';
import { ExampleMemory } from '../../src/retrieval/retrieval';

const TEXTS = [
  'def read_file(path):\n    return open(path).read()',
  'Read the whole file at path.',
  'function parseHttpHeader(line) { return line.split(": "); }',
  'Split an HTTP header line into its name and value.',
];

describe('model runner (model + tokenizer -> translation)', () => {
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
    const tokenizer = CodeTokenizer.train(TEXTS, { vocabSize: 300, minFrequency: 1 });
    const model = buildModel(
      { arch: 'rnn', cell: 'gru', attention: 'luong-general', embeddingDim: 8, hiddenDim: 8, maxTgtLen: 12 },
      tokenizer.vocabSize,
      tokenizer.vocabSize,
      7,
    );
    await saveModel(
      model,
      path.join(dir, 'm'),
      { tokenizer: TOKENIZER_FILE },
      { extraFiles: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()) } },
    );
    model.dispose();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of the tiny model that ships `memory` as its example memory. */
  const withMemory = (name: string, memory: ExampleMemory): string => {
    const m = path.join(dir, name);
    fs.cpSync(path.join(dir, 'm'), m, { recursive: true });
    const configFile = path.join(m, 'config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { meta: Record<string, unknown> };
    config.meta.retrieval = { memory: MEMORY_FILE, entries: 1 };
    fs.writeFileSync(configFile, JSON.stringify(config));
    fs.writeFileSync(path.join(m, MEMORY_FILE), JSON.stringify(memory.toJSON()));
    return m;
  };

  it('maps every source token back to the characters it came from', async () => {
    const runner = await ModelRunner.load(path.join(dir, 'm'));
    try {
      const text = 'def read_file(path):\r\n    return open(path).read()';
      const { ids, tokens } = runner.encodeSource({ direction: 'code2doc', text });
      assert.strictEqual(ids.length, tokens.length);
      assert.strictEqual(tokens[0]!.start, -1);
      assert.strictEqual(tokens.at(-1)!.start, -1);
      const normalised = text.replace(/\r\n/g, '\n');
      const rebuilt = tokens
        .slice(1, -1)
        .map((t) => normalised.slice(t.start, t.end))
        .join('');
      assert.strictEqual(rebuilt, normalised);
    } finally {
      runner.dispose();
    }
  });

  it('returns ranked candidates whose attention has one row per output token and one column per source token', async () => {
    const runner = await ModelRunner.load(path.join(dir, 'm'));
    const before = tf.memory().numTensors;
    try {
      const t = runner.translate({
        direction: 'code2doc',
        text: TEXTS[0]!,
        decoding: { beamSize: 3, nBest: 3, maxLength: 10, lengthPenalty: 0.6 },
      });
      assert.ok(t.candidates.length >= 1 && t.candidates.length <= 3);
      for (let i = 1; i < t.candidates.length; i++) assert.ok(t.candidates[i - 1]!.score >= t.candidates[i]!.score);
      for (const c of t.candidates) {
        assert.strictEqual(
          c.tokens.length,
          c.tokenLogProbs.length - (c.tokenLogProbs.length > c.tokens.length ? 1 : 0),
        );
        assert.ok(c.attention.length >= c.tokens.length);
        for (const row of c.attention) {
          assert.strictEqual(row.length, t.sourceTokens.length);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
        }
      }
      assert.strictEqual(tf.memory().numTensors, before);
    } finally {
      runner.dispose();
    }
  });

  it('refuses a folder without a tokenizer, with a message that says what to do', async () => {
    fs.cpSync(path.join(dir, 'm'), path.join(dir, 'no-tok'), { recursive: true });
    fs.rmSync(path.join(dir, 'no-tok', TOKENIZER_FILE));
    await assert.rejects(ModelRunner.load(path.join(dir, 'no-tok')), /has no tokenizer.json; re-export it/);
  });

  it("puts a retrieval-augmented model's neighbour summary before the code, with no place in the text", async () => {
    const memory = ExampleMemory.build(
      [
        {
          path: 'a.py',
          code: 'def read_file(path): return open(path).read()',
          summary: 'Read the whole file at path.',
        },
      ],
      // The memory says how much of the neighbour the model was trained to see.
      { neighbourTokens: 4 },
    );
    const m = withMemory('with-memory', memory);
    const runner = await ModelRunner.load(m);
    try {
      const text = 'def read_text(path):\n    return open(path).read()';
      const { ids, tokens } = runner.encodeSource({ direction: 'code2doc', text });
      const prefix = runner.tokenizer.encode('same: Read the whole file at path.').slice(0, 4);
      assert.deepStrictEqual(ids.slice(1, 1 + prefix.length), prefix);
      assert.ok(tokens.slice(1, 1 + prefix.length).every((t) => t.start === -1 && t.end === -1));
      const body = tokens.slice(1 + prefix.length, -1);
      assert.strictEqual(body.map((t) => text.slice(t.start, t.end)).join(''), text);
      // comment -> code has no neighbour.
      const back = runner.encodeSource({ direction: 'doc2code', text: 'Read a file.' });
      assert.ok(back.tokens.slice(1, -1).every((t) => t.start >= 0));
      assert.strictEqual(
        runner.translate({
          direction: 'code2doc',
          text,
          decoding: { beamSize: 2, nBest: 1, maxLength: 5, lengthPenalty: 0.6 },
        }).candidates.length,
        1,
      );
    } finally {
      runner.dispose();
    }
    fs.rmSync(path.join(m, MEMORY_FILE));
    await assert.rejects(ModelRunner.load(m), /memory\.json, which is missing; re-export it/);
  });

  it("falls back to the model's own memory only when the workspace has no neighbour", async () => {
    const code = 'def read_text(path):\n    return open(path).read()';
    const memory = ExampleMemory.build(
      [
        {
          path: 'io.py',
          code: 'def read_file(path): return open(path).read()',
          summary: 'Read the whole file at path.',
        },
      ],
      { neighbourTokens: 16 },
    );
    const runner = await ModelRunner.load(withMemory('with-fallback', memory));
    const index = new FunctionIndex(path.join(dir, 'ws'));
    const fn = (p: string, name: string, body: string, summary: string) => ({
      path: p,
      lang: 'python' as const,
      name,
      line: 1,
      code: body,
      summary,
    });
    try {
      assert.strictEqual(runner.neighbourOf(code, { index })?.source, 'bundled', 'empty index');
      index.setFile('a.py', [fn('a.py', 'read_text', code, 'Read the text.')]);
      assert.strictEqual(runner.neighbourOf(code, { index, excludePath: 'a.py' })?.source, 'bundled', 'own file only');
      index.setFile('b.py', [
        fn('b.py', 'load_text', 'def load_text(path):\n    return open(path).read()', 'Load a text file.'),
      ]);
      const n = runner.neighbourOf(code, { index, excludePath: 'a.py' })!;
      assert.deepStrictEqual([n.source, n.name, n.path], ['workspace', 'load_text', 'b.py']);
      const t = runner.translate(
        { direction: 'code2doc', text: code, decoding: { beamSize: 1, nBest: 1, maxLength: 5, lengthPenalty: 0.6 } },
        { index, excludePath: 'a.py' },
      );
      assert.strictEqual(t.neighbour?.name, 'load_text');
      const prefix = t.sourceTokens
        .filter((s) => s.start < 0)
        .map((s) => s.text)
        .join('');
      assert.ok(prefix.startsWith('<code2doc>'), prefix);
      assert.ok(prefix.replace(/\s/g, '').includes('Load'), `the workspace summary is read before the code: ${prefix}`);
    } finally {
      runner.dispose();
    }
  });

  it("reads a project-scoped model's neighbour from the workspace index only (it ships no memory)", async () => {
    const m = path.join(dir, 'project-scoped');
    fs.cpSync(path.join(dir, 'm'), m, { recursive: true });
    const configFile = path.join(m, 'config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { meta: Record<string, unknown> };
    config.meta.retrieval = { scope: 'project', graded: true, neighbourTokens: 4 };
    fs.writeFileSync(configFile, JSON.stringify(config));
    const runner = await ModelRunner.load(m);
    try {
      const text = 'def read_text(path):\n    return open(path).read()';
      // No workspace: no neighbour, the source is the code alone.
      const alone = runner.encodeSource({ direction: 'code2doc', text });
      assert.strictEqual(alone.neighbour, undefined);
      assert.ok(alone.tokens.slice(1, -1).every((t) => t.start >= 0));
      const index = new FunctionIndex('/ws');
      const fn = { lang: 'python' as const, line: 1, code: 'def read_file(path): return open(path).read()' };
      index.setFile('io.py', [{ ...fn, path: 'io.py', name: 'read_file', summary: 'Read the whole file at path.' }]);
      const withIndex = runner.encodeSource({ direction: 'code2doc', text }, { index, excludePath: 'other.py' });
      assert.strictEqual(withIndex.neighbour?.source, 'workspace');
      assert.strictEqual(withIndex.neighbour?.path, 'io.py');
      const prefix = runner.tokenizer.encode('same: Read the whole file at path.').slice(0, 4);
      assert.deepStrictEqual(withIndex.ids.slice(1, 1 + prefix.length), prefix);
      // The file being documented is never its own neighbour.
      const own = runner.encodeSource({ direction: 'code2doc', text }, { index, excludePath: 'io.py' });
      assert.strictEqual(own.neighbour, undefined);
    } finally {
      runner.dispose();
    }
  });

  it("decodes with the model's tuned length reward unless the request names one", async () => {
    const m = path.join(dir, 'tuned');
    fs.cpSync(path.join(dir, 'm'), m, { recursive: true });
    const configFile = path.join(m, 'config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { meta: Record<string, unknown> };
    config.meta.decoding = { lengthReward: 50 };
    fs.writeFileSync(configFile, JSON.stringify(config));
    const runner = await ModelRunner.load(m);
    try {
      const request = {
        direction: 'code2doc' as const,
        text: TEXTS[0]!,
        decoding: { beamSize: 2, nBest: 1, maxLength: 12, lengthPenalty: 0 },
      };
      const tuned = runner.translate(request);
      assert.strictEqual(tuned.lengthReward, 50);
      // A reward this large outweighs any log-probability: the output runs to the length limit.
      assert.strictEqual(tuned.candidates[0]!.tokenLogProbs.length, 12);
      const off = runner.translate({ ...request, decoding: { ...request.decoding, lengthReward: 0 } });
      assert.strictEqual(off.lengthReward, 0);
      assert.ok(Math.abs(off.candidates[0]!.score - off.candidates[0]!.logProb) < 1e-9);
    } finally {
      runner.dispose();
    }
  });

  it('spaces a copied identifier piece off the generated word before it, and keeps copied identifiers whole', () => {
    const pieces: Record<number, string> = {
      10: '▁Returns',
      11: '▁the',
      12: 'Framebuffer',
      13: 'Frame',
      14: '.',
      15: 'buffer',
      16: '▁resource',
      17: 's',
      18: 'extension',
    };
    const tokenizer = {
      idToToken: (id: number) => pieces[id],
      decode: (ids: readonly number[]) =>
        ids
          .map((id) => pieces[id] ?? '')
          .join('')
          .replace(/▁/g, ' '),
    };
    const text = (ids: number[], copied: number[]) => spacedCommentText(tokenizer, ids, copied).trim();
    assert.strictEqual(text([10, 11, 12, 14], [0, 0, 0.9, 0]), 'Returns the Framebuffer.');
    assert.strictEqual(text([10, 11, 13, 15, 14], [0, 0, 0.8, 0.9, 0]), 'Returns the Framebuffer.');
    // A generated continuation is the model's own word split, and a copied lower-case ending
    // after a generated stem is how it spells words.
    assert.strictEqual(text([11, 12, 14], [0, 0.2, 0.9]), 'theFramebuffer.');
    assert.strictEqual(text([16, 17], [0, 0.9]), 'resources');
    assert.strictEqual(text([11, 18], [0, 0.9]), 'the extension');
  });

  it('cleans generated text of debris an editor would choke on', () => {
    assert.strictEqual(cleanGeneratedText('Vx\ufffd\u0085C\u0000ount\u2028words.\tok\r\n'), 'VxCount\nwords.\tok\n');
  });
});
