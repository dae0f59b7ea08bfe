import * as assert from 'assert';
import { TreeSitterLocator } from './helpers/treeSitterLocator';
import { innermostAt } from '../../src/host/functionLocator';

describe('tree-sitter function locator', () => {
  const locator = new TreeSitterLocator();
  after(() => locator.dispose());

  it('finds Python functions, which are documented, and where their bodies start', async () => {
    const src = [
      'class Stack:',
      '    @property',
      '    def size(self):',
      '        return len(self.items)',
      '',
      '    def push(self, item):',
      '        """Push an item onto the stack."""',
      '        self.items.append(item)',
      '',
    ].join('\n');
    const fns = await locator.functions('python', src);
    assert.deepStrictEqual(
      fns.map((f) => [f.name, f.startLine, f.headerLine, f.bodyStartLine, f.documented]),
      [
        ['size', 2, 1, 3, false],
        ['push', 5, undefined, 6, true],
      ],
    );
    assert.strictEqual(innermostAt(fns, src.indexOf('append'))?.name, 'push');
    assert.ok(fns[0]!.code.startsWith('@property'));
  });

  it('finds TypeScript functions and JSDoc', async () => {
    const src =
      'export function a(x: number) {\n  return x;\n}\n\n/** Doubles x. */\nexport function b(x: number) {\n  return 2 * x;\n}\n';
    const fns = await locator.functions('typescript', src);
    assert.deepStrictEqual(
      fns.map((f) => [f.name, f.documented]),
      [
        ['a', false],
        ['b', true],
      ],
    );
    assert.strictEqual(await locator.functions('haskell', src).then((f) => f.length), 0);
  });

  it('keeps offsets exact on CRLF text', async () => {
    const src = 'def f():\r\n    return 1\r\n';
    const [f] = await locator.functions('python', src);
    assert.strictEqual(src.slice(f!.startOffset, f!.endOffset), 'def f():\r\n    return 1');
  });
});
