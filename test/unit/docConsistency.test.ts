/**
 * The doc comment consistency check and its fix: which disagreements are reported, and that the
 * fix changes only the entries concerned, leaving every other byte (odd spacing, continuation
 * lines, CRLF, other sections) exactly as written.
 */
import * as assert from 'assert';
import type { CorpusLanguage } from '../../src/parsing/languages';
import { DocAnalyzer, type AnalyzedFunction } from '../../src/docComments/analyze';
import { applyEdits, docFixEdits, docIssues } from '../../src/docComments/consistency';

describe('doc comment consistency', function () {
  this.timeout(60_000);
  const analyzer = new DocAnalyzer();
  after(() => analyzer.dispose());

  async function only(lang: CorpusLanguage, text: string): Promise<AnalyzedFunction> {
    const fns = (await analyzer.analyze(lang, text)).filter((f) => f.doc);
    assert.strictEqual(fns.length, 1);
    return fns[0]!;
  }

  async function fixed(lang: CorpusLanguage, text: string, eol = '\n'): Promise<string> {
    return applyEdits(text, docFixEdits(await only(lang, text), eol));
  }

  it('Google: renames in place, removes a stale Returns and Raises, keeps the prose byte for byte', async () => {
    const text = [
      'def f(a, bee):',
      '    """Does  things   (keep  this).',
      '',
      '    Args:',
      '        a (int): First;   odd  spacing.',
      '            Continued line.',
      '        b: The old name.',
      '',
      '    Returns:',
      '        int: Nothing really.',
      '',
      '    Raises:',
      '        KeyError: When missing.',
      '    """',
      '    print(a)',
      '',
    ].join('\n');
    const kinds = docIssues(await only('python', text)).map((i) => i.kind);
    assert.deepStrictEqual(kinds, ['renamed-param', 'stale-returns', 'stale-raises']);
    assert.strictEqual(
      await fixed('python', text),
      [
        'def f(a, bee):',
        '    """Does  things   (keep  this).',
        '',
        '    Args:',
        '        a (int): First;   odd  spacing.',
        '            Continued line.',
        '        bee: The old name.',
        '    """',
        '    print(a)',
        '',
      ].join('\n'),
    );
  });

  it('Google: adds a missing parameter after its predecessor and removes an extra one', async () => {
    const text = [
      'def f(a, b, c):',
      '    """Sum.',
      '',
      '    Args:',
      '        a (int):  A.',
      '        gone: Bye.',
      '        b (str):  B.',
      '    """',
      '    return a',
      '',
    ].join('\n');
    const fn = await only('python', text);
    assert.deepStrictEqual(
      docIssues(fn).map((i) => i.kind),
      ['extra-param', 'missing-param'],
    );
    assert.strictEqual(
      applyEdits(text, docFixEdits(fn)),
      [
        'def f(a, b, c):',
        '    """Sum.',
        '',
        '    Args:',
        '        a (int):  A.',
        '        b (str):  B.',
        '        c: _description_',
        '    """',
        '    return a',
        '',
      ].join('\n'),
    );
  });

  it('NumPy: a new entry copies the layout of its neighbour, the Yields section stays', async () => {
    const text = [
      'def f(a, b: int):',
      '    """Sum.',
      '',
      '    Parameters',
      '    ----------',
      '    a : int',
      '          First (odd indent).',
      '',
      '    Yields',
      '    ------',
      '    int',
      '        Keep.',
      '    """',
      '    yield a',
      '',
    ].join('\n');
    assert.strictEqual(
      await fixed('python', text),
      [
        'def f(a, b: int):',
        '    """Sum.',
        '',
        '    Parameters',
        '    ----------',
        '    a : int',
        '          First (odd indent).',
        '    b : int',
        '          _description_',
        '',
        '    Yields',
        '    ------',
        '    int',
        '        Keep.',
        '    """',
        '    yield a',
        '',
      ].join('\n'),
    );
  });

  it('Sphinx: a rename also renames the :type: line', async () => {
    const text =
      'def f(new, b):\n    """Sum.\n\n    :param old: Old thing.\n    :type old: int\n    :param b: B.\n    :returns: x\n    """\n    return 1\n';
    assert.strictEqual(
      await fixed('python', text),
      'def f(new, b):\n    """Sum.\n\n    :param new: Old thing.\n    :type new: int\n    :param b: B.\n    :returns: x\n    """\n    return 1\n',
    );
  });

  it('JSDoc with CRLF: removes an extra tag and a stale @throws, keeps CRLF and the other tags', async () => {
    const text =
      '/**\r\n * Sum  here.\r\n *\r\n * @param {number} a - First.\r\n * @param {string} gone - Bye.\r\n * @param {string} b - Be.\r\n * @throws {TypeError} never\r\n */\r\nfunction f(a, b) {\r\n  return a;\r\n}\r\n';
    assert.strictEqual(
      await fixed('javascript', text, '\r\n'),
      '/**\r\n * Sum  here.\r\n *\r\n * @param {number} a - First.\r\n * @param {string} b - Be.\r\n */\r\nfunction f(a, b) {\r\n  return a;\r\n}\r\n',
    );
  });

  it("JSDoc: a missing parameter is added in the neighbour's style, with a type from its default", async () => {
    const text = '/**\n * Sum.\n * @param {number} a - First.\n */\nfunction f(a, b = 2) {\n  return a + b;\n}\n';
    assert.strictEqual(
      await fixed('javascript', text),
      '/**\n * Sum.\n * @param {number} a - First.\n * @param {number} b - _description_\n */\nfunction f(a, b = 2) {\n  return a + b;\n}\n',
    );
  });

  it('TSDoc: a documented return on a function returning nothing goes with its blank line', async () => {
    const text = '/**\n * Sum.\n *\n * @returns The thing.\n */\nfunction g(): void {\n  run();\n}\n';
    assert.strictEqual(await fixed('typescript', text), '/**\n * Sum.\n */\nfunction g(): void {\n  run();\n}\n');
  });

  it('C# XML doc: adds a <param> and removes <returns> on a void method', async () => {
    const text =
      'class A {\n    /// <summary>Sum.</summary>\n    /// <param name="a">A.</param>\n    /// <returns>x</returns>\n    void F(int a, int b) { Run(a, b); }\n}\n';
    assert.strictEqual(
      await fixed('c-sharp', text),
      'class A {\n    /// <summary>Sum.</summary>\n    /// <param name="a">A.</param>\n    /// <param name="b">_description_</param>\n    void F(int a, int b) { Run(a, b); }\n}\n',
    );
  });

  it('Javadoc and PHPDoc renames keep the description', async () => {
    const java =
      'class A {\n    /**\n     * Sum.\n     * @param old the count\n     */\n    void f(int count) { run(count); }\n}\n';
    assert.strictEqual(await fixed('java', java), java.replace('@param old', '@param count'));
    const php = '<?php\n/**\n * Sum.\n * @param int $old the count\n */\nfunction f(int $count) { run($count); }\n';
    assert.strictEqual(await fixed('php', php), php.replace('$old', '$count'));
  });

  it('reports nothing for a doc that agrees, a summary-only doc, or an abstract stub', async () => {
    const texts: [CorpusLanguage, string][] = [
      [
        'python',
        'def f(a):\n    """Sum.\n\n    Args:\n        a: A.\n\n    Returns:\n        x\n    """\n    return a\n',
      ],
      ['python', 'def f(a, b):\n    """Only a summary."""\n    return a\n'],
      ['python', 'def f(a):\n    """Sum.\n\n    Returns:\n        x\n    """\n    raise NotImplementedError\n'],
      [
        'python',
        'def f(a):\n    """Sum.\n\n    Raises:\n        KeyError: when.\n    """\n    return d[a] if a else fail(KeyError)\n',
      ],
    ];
    for (const [lang, text] of texts) {
      const fn = await only(lang, text);
      assert.deepStrictEqual(docIssues(fn), [], text);
      assert.deepStrictEqual(docFixEdits(fn), []);
    }
  });
});
