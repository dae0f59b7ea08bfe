import * as assert from 'assert';
import { renderDocComment, wrapWords, COMMENT_STYLES } from '../../src/docComments/styles';

describe('doc comment styles', () => {
  it('writes a one-line Python docstring placed at the start of the body', () => {
    assert.strictEqual(
      renderDocComment('python', 'return the area of a circle', '    '),
      '    """Return the area of a circle."""',
    );
    assert.strictEqual(COMMENT_STYLES.python.placement, 'bodyStart');
  });

  it('writes JSDoc blocks above the function, indented', () => {
    assert.strictEqual(
      renderDocComment('typescript', 'Reverses a string', '  '),
      ['  /**', '   * Reverses a string.', '   */'].join('\n'),
    );
  });

  it('uses /// for Rust and <summary> for C#', () => {
    assert.strictEqual(renderDocComment('rust', 'adds two numbers', ''), '/// Adds two numbers.');
    assert.strictEqual(
      renderDocComment('c-sharp', 'adds two numbers', '    ', '\r\n'),
      '    /// <summary>\r\n    /// Adds two numbers.\r\n    /// </summary>',
    );
  });

  it('starts Go comments with the function name', () => {
    assert.strictEqual(renderDocComment('go', 'returns the sum', '', '\n', 'Sum'), '// Sum returns the sum.');
    assert.strictEqual(renderDocComment('go', 'Sum returns the sum', '', '\n', 'Sum'), '// Sum returns the sum.');
  });

  it('never lets generated text close the comment early', () => {
    assert.ok(!renderDocComment('java', 'a */ b', '').slice(3, -3).includes('*/'));
    assert.ok(!renderDocComment('python', 'say """hi"""', '').slice(3, -3).includes('"""'));
  });

  it('wraps long summaries without breaking words', () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const lines = wrapWords(long, 30);
    assert.ok(lines.length > 1);
    assert.ok(lines.every((l) => l.length <= 30));
    assert.strictEqual(lines.join(' '), long);
    const doc = renderDocComment('python', long, '').split('\n');
    assert.ok(doc[0]!.startsWith('"""') && doc.at(-1) === '"""');
  });
});
