/** Doc comment cleaning: delimiters of each convention, inline markup, sections and summaries. */
import * as assert from 'assert';
import { cleanInline, parseDoc, stripDocDelimiters, summarize } from '../../src/docComments/read';

describe('docComments/read', () => {
  it('strips the delimiters of each convention and dedents', () => {
    assert.strictEqual(stripDocDelimiters('/**\n   * One.\n   *\n   *   indented\n   */'), 'One.\n\n  indented');
    assert.strictEqual(stripDocDelimiters('/** Short. */'), 'Short.');
    assert.strictEqual(
      stripDocDelimiters('/// <summary>\n    /// Hi.\n    /// </summary>'),
      '<summary>\nHi.\n</summary>',
    );
    assert.strictEqual(stripDocDelimiters('// Sum adds.\n// More.'), 'Sum adds.\nMore.');
    assert.strictEqual(stripDocDelimiters('# Ruby doc.\n  # Second.'), 'Ruby doc.\nSecond.');
    assert.strictEqual(
      stripDocDelimiters('r"""Raw docstring.\n\n    Body line.\n    """'),
      'Raw docstring.\n\nBody line.',
    );
    assert.strictEqual(stripDocDelimiters("'''Single quotes.'''"), 'Single quotes.');
    assert.strictEqual(stripDocDelimiters('/*! Qt style. */'), 'Qt style.');
  });

  it('cleans inline markup but keeps its text', () => {
    assert.strictEqual(cleanInline('See {@link Foo#bar} and {@link Baz the baz}.'), 'See Foo.bar and the baz.');
    assert.strictEqual(cleanInline('Uses {@code x + 1}.'), 'Uses x + 1.');
    assert.strictEqual(
      cleanInline('Like <see cref="T:System.String"/> or <paramref name="s"/>, <c>null</c>.'),
      'Like System.String or s, null.',
    );
    assert.strictEqual(cleanInline('A [`Vec`] and a [link](http://x.y).'), 'A `Vec` and a link.');
    assert.strictEqual(cleanInline('Calls :func:`os.path.join` with ``sep``.'), 'Calls os.path.join with `sep`.');
  });

  it('parses reST fields', () => {
    const d = parseDoc(
      'Open a file.\n\n:param str path: where it is\n:param mode: how\n    to open it\n:returns: the handle\n:raises OSError: when missing',
    );
    assert.strictEqual(d.description, 'Open a file.');
    assert.deepStrictEqual(d.params, [
      { name: 'path', type: 'str', description: 'where it is' },
      { name: 'mode', description: 'how to open it' },
    ]);
    assert.strictEqual(d.returns, 'the handle');
    assert.deepStrictEqual(d.throws, ['OSError when missing']);
  });

  it('parses NumPy sections', () => {
    const d = parseDoc(
      'Scale values.\n\nParameters\n----------\nx : ndarray\n    The values.\nk : float\n    The factor.\n\nReturns\n-------\nndarray\n    Scaled values.',
    );
    assert.strictEqual(d.description, 'Scale values.');
    assert.deepStrictEqual(d.params, [
      { name: 'x', type: 'ndarray', description: 'The values.' },
      { name: 'k', type: 'float', description: 'The factor.' },
    ]);
    assert.strictEqual(d.returns, 'ndarray Scaled values.');
  });

  it('parses Google sections with types and continuation lines', () => {
    const d = parseDoc(
      'Fetch rows.\n\nArgs:\n    table (str): The table\n        to read.\n    limit: Max rows.\n\nReturns:\n    list: The rows.',
    );
    assert.deepStrictEqual(d.params, [
      { name: 'table', type: 'str', description: 'The table to read.' },
      { name: 'limit', description: 'Max rows.' },
    ]);
    assert.strictEqual(d.returns, 'list: The rows.');
  });

  it('parses JSDoc optional params and C# XML docs', () => {
    const d = parseDoc('Greets.\n@param {string} [name=World] - who\n@returns {void}');
    assert.deepStrictEqual(d.params, [{ name: 'name', type: 'string', description: 'who' }]);
    const x = parseDoc(
      '<summary>\nSums <paramref name="a"/>.\n</summary>\n<param name="a">The values.</param>\n<exception cref="ArgumentNullException">If null.</exception>',
    );
    assert.strictEqual(x.description, 'Sums a.');
    assert.deepStrictEqual(x.params, [{ name: 'a', description: 'The values.' }]);
    assert.deepStrictEqual(x.throws, ['ArgumentNullException If null.']);
  });

  it('summarises to the first sentence of the first paragraph', () => {
    assert.strictEqual(summarize('Parses the input. Then validates it.\n\nMore text.'), 'Parses the input.');
    assert.strictEqual(
      summarize('Returns the value\nacross two lines\n\nSecond paragraph.'),
      'Returns the value across two lines',
    );
    assert.strictEqual(summarize('Handles e.g. commas. Next.'), 'Handles e.g. commas.');
    assert.strictEqual(summarize('Version 1.2 is parsed here.'), 'Version 1.2 is parsed here.');
    assert.strictEqual(summarize(''), '');
  });
});
