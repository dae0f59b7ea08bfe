import * as assert from 'assert';
import { planDocComment, pythonBodyStart } from '../../src/docComments/placement';
import { layoutCode } from '../../src/editing/insertion';

const spaces4 = { insertSpaces: true, tabSize: 4 };

describe('doc comment insertion plans', () => {
  it('puts a Python docstring as the first statement, at the body indentation', () => {
    const lines = ['class A:', '    def area(self,', '             r):', '        return r * r'];
    assert.strictEqual(pythonBodyStart(lines, 1), 3);
    const plan = planDocComment('python', lines, { startLine: 1 }, 'compute the area', '\n', spaces4);
    assert.deepStrictEqual(plan, { line: 3, character: 0, text: '        """Compute the area."""\n' });
  });

  it('handles a one-line Python def at the end of the file', () => {
    const plan = planDocComment('python', ['def f(): pass'], { startLine: 0 }, 'do nothing', '\n', spaces4);
    assert.strictEqual(plan.line, 1);
    assert.match(plan.text, /^\n {4}"""Do nothing."""\n$/);
  });

  it('puts a JSDoc block above the function and its decorators, at their indentation', () => {
    const lines = ['class A {', '  @memo', '  area(r: number) {', '    return r * r;', '  }', '}'];
    const plan = planDocComment('typescript', lines, { startLine: 2, headerLine: 1 }, 'area of r', '\r\n', spaces4);
    assert.deepStrictEqual(plan, { line: 1, character: 0, text: '  /**\r\n   * Area of r.\r\n   */\r\n' });
  });
});

describe('generated code layout', () => {
  it("re-indents with the editor's settings under the base indentation", () => {
    const code = 'def f(x):\n  if x:\n    return 1\n  return 0\n';
    assert.strictEqual(
      layoutCode(code, '    ', '\n', spaces4),
      '    def f(x):\n        if x:\n            return 1\n        return 0',
    );
    assert.strictEqual(
      layoutCode(code, '', '\n', { insertSpaces: false, tabSize: 4 }),
      'def f(x):\n\tif x:\n\t\treturn 1\n\treturn 0',
    );
  });

  it('keeps blank lines empty and drops leading blank lines', () => {
    assert.strictEqual(layoutCode('\n\na = 1\n\nb = 2', '  ', '\n', spaces4), '  a = 1\n\n  b = 2');
  });
});
