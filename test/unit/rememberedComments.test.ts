/**
 * The bundled model remembering the user's corrections (src/core/decoderMemory.ts through
 * ModelRunner): a summary the user wrote for a function shapes the proposal for a sibling written
 * the same way, without the words that named the remembered function's own code; a function
 * unlike any remembered one gets the model's own comment; entries are computed once per comment.
 */
import * as assert from 'assert';

import { selectBackend } from '../../src/core/backend';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { bundledModelDir } from '../../src/cli/documentCommand';
import { ModelRunner } from '../../src/inference/modelRunner';
import { FunctionIndex } from '../../src/retrieval/functionIndex';
import { rememberedComments, type Correction } from '../../src/learning/corrections';

const SAVE = (what: string) =>
  `def save_${what}(self, path):\n    with open(path, "w") as f:\n        json.dump(self.${what}, f, indent=2)`;

function correction(path: string, code: string, summary: string, at: number): Correction {
  const time = new Date(Date.UTC(2026, 0, 1, 0, at)).toISOString();
  return {
    id: `${path}:${at}`,
    uri: `file:///ws/${path}`,
    path,
    lang: 'python',
    name: 'f',
    signature: '',
    line: 1,
    insertedAt: time,
    decidedAt: time,
    code,
    parts: [{ part: 'summary', inserted: 'Sets the limit.', verdict: 'edited', now: summary }],
  };
}

describe('remembered corrections (bundled model)', function () {
  this.timeout(120_000);
  let runner: ModelRunner;
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    runner = await ModelRunner.load(bundledModelDir(process.cwd())!);
  });
  after(() => runner.dispose());

  it("proposes the user's wording for a sibling of a corrected function, and counts each comment once", () => {
    const index = new FunctionIndex('/ws');
    index.setFile('other.py', [
      {
        path: 'other.py',
        lang: 'python',
        name: 'load',
        line: 1,
        code: 'def load(path):\n    return open(path).read()',
        summary: 'Read a file.',
      },
    ]);
    const written = 'Write the settings to the given file as JSON.';
    const remembered = rememberedComments([correction('io.py', SAVE('settings'), written, 1)]);
    const request = {
      direction: 'code2doc' as const,
      text: SAVE('profile'),
      language: 'python',
      decoding: DECODING_DEFAULTS,
    };
    const alone = runner.translate(request, { index, excludePath: 'store.py' }).candidates[0]!.text;
    let passes = 0;
    const targetStates = runner.model.targetStates!.bind(runner.model);
    runner.model.targetStates = (...a) => {
      passes++;
      return targetStates(...a);
    };
    try {
      const withMemory = runner.translate(request, { index, excludePath: 'store.py', remembered }).candidates[0]!.text;
      assert.notStrictEqual(alone, withMemory, `the memory changed nothing: "${alone}"`);
      // The user's wording, never the remembered function's own name for what it saves.
      assert.match(withMemory, /to the given file as JSON/, `"${withMemory}" (the model alone: "${alone}")`);
      assert.doesNotMatch(withMemory, /settings/, `"${withMemory}" names the remembered function's field`);
      runner.translate(request, { index, excludePath: 'store.py', remembered });
      assert.strictEqual(passes, 1, 'the remembered comment was computed again');
      // Unlike every remembered function: the model's own comment.
      const unlike = { ...request, text: 'def load(path):\n    return open(path).read()' };
      assert.strictEqual(
        runner.translate(unlike, { index, excludePath: 'x.py', remembered }).candidates[0]!.text,
        runner.translate(unlike, { index, excludePath: 'x.py' }).candidates[0]!.text,
      );
    } finally {
      runner.model.targetStates = targetStates;
    }
  });

  it('remembers the most recently decided kept or edited summaries, never a deleted one', () => {
    const kept = correction('a.py', 'def a(): pass', 'A.', 2);
    const edited = correction('b.py', 'def b(): pass', 'B.', 1);
    const deleted: Correction = {
      ...correction('c.py', 'def c(): pass', 'C.', 3),
      parts: [{ part: 'summary', inserted: 'C.', verdict: 'deleted' }],
    };
    assert.deepStrictEqual(
      rememberedComments([kept, deleted, edited]).map((c) => c.summary),
      ['B.', 'A.'],
    );
    assert.deepStrictEqual(
      rememberedComments([kept, deleted, edited], 1).map((c) => c.summary),
      ['A.'],
    );
  });
});
