/**
 * `seq2seq document`'s parameter lines: the project's description for a parameter in the same
 * role, else the parameter model's answer when it is sure enough and the text gate takes it, else
 * the placeholder with what was turned down and why.
 */
import * as assert from 'assert';

import { analyzedByLine, paramLines, paramLineText } from '../../src/cli/paramLines';
import type { ModelRunner } from '../../src/inference/modelRunner';
import { ParserPool } from '../../src/parsing/parser';
import { FunctionIndex } from '../../src/retrieval/functionIndex';

const SOURCE = `function distance(x1, y1, x2, y2, path) {
  const d2 = (x2 - x1) ** 2 + (y2 - y1) ** 2;
  return Math.sqrt(d2);
}
`;

/** A parameter model that answers each parameter from a table, every token `p` sure. */
function fakeModel(answers: Record<string, [string, number]>, minConfidence: number): ModelRunner {
  return {
    meta: { minConfidence },
    translate: ({ text }: { text: string }) => {
      const [answer, p] = answers[/^param (\S+)/.exec(text)![1]!]!;
      return { candidates: [{ text: answer, tokenLogProbs: [Math.log(p), Math.log(p)] }] };
    },
  } as unknown as ModelRunner;
}

describe('seq2seq document: parameter lines', () => {
  it("writes the project's description, else the model's when the gate takes it, else the placeholder and why", async () => {
    const parsers = new ParserPool();
    try {
      const fn = (await analyzedByLine(parsers, 'javascript', SOURCE)).get(1)!;
      assert.deepStrictEqual(
        fn.shape.params.map((p) => p.name),
        ['x1', 'y1', 'x2', 'y2', 'path'],
      );
      const index = new FunctionIndex('/p');
      index.setFile('io.js', [
        {
          path: 'io.js',
          lang: 'javascript',
          name: 'load',
          line: 3,
          code: 'function load(path) {}',
          summary: 'Load a file.',
          params: [{ name: 'path', description: 'The file to read.' }],
        },
      ]);
      const model = fakeModel(
        {
          x1: ['The x1 distance.', 0.6],
          y1: ['The y1 distance.', 0.3],
          x2: ['The x2 of the d2 -', 0.6],
          y2: ['', 0.9],
          path: ['The path of the d2.', 0.9],
        },
        0.45,
      );
      const lines = paramLines(fn, index, 'geometry.js', model);
      assert.deepStrictEqual(lines.map(paramLineText), [
        'x1: The x1 distance. (model, confidence 0.60)',
        'y1: placeholder (model wrote "The y1 distance.", confidence 0.30, turned down: lowConfidence)',
        'x2: placeholder (model wrote "The x2 of the d2 -", confidence 0.60, turned down: brokenPhrase)',
        'y2: placeholder',
        'path: The file to read. (from load in io.js)',
      ]);
      // The file the description lives in is not its own source; no model, no model lines.
      assert.deepStrictEqual(paramLines(fn, index, 'io.js', undefined).map(paramLineText), [
        'x1: placeholder',
        'y1: placeholder',
        'x2: placeholder',
        'y2: placeholder',
        'path: placeholder',
      ]);
    } finally {
      parsers.dispose();
    }
  });
});
