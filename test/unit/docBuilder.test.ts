/**
 * The pieces of whole doc comments that golden files show less directly: Python annotation
 * unwrapping, JSDoc types from defaults, format resolution from the settings, snippet syntax
 * and the escaping of text that would end a comment.
 */
import * as assert from 'assert';
import { renderDoc } from '../../src/docComments/builder';
import { resolveFormat, resolveSections } from '../../src/docComments/formats';
import type { FunctionShape } from '../../src/docComments/shape';
import { jsTypeOfDefault, pythonType } from '../../src/docComments/types';

const shape = (over: Partial<FunctionShape> = {}): FunctionShape => ({
  name: 'f',
  kind: 'function',
  async: false,
  generator: false,
  isConstructor: false,
  params: [{ name: 'a', kind: 'positional', type: 'int' }],
  typeParams: [],
  returnsValue: true,
  throws: [],
  errors: false,
  panics: false,
  attributes: [],
  stub: false,
  ...over,
});

describe('doc comment builder', () => {
  it('unwraps Optional, Annotated, Union and PEP 604 unions', () => {
    assert.deepStrictEqual(pythonType('Optional[int]'), { type: 'int', optional: true });
    assert.deepStrictEqual(pythonType('typing.Optional[List[str]]'), { type: 'List[str]', optional: true });
    assert.deepStrictEqual(pythonType('Annotated[Optional[float], Gt(0)]'), { type: 'float', optional: true });
    assert.deepStrictEqual(pythonType('int | None'), { type: 'int', optional: true });
    assert.deepStrictEqual(pythonType('None | str | bytes'), { type: 'str | bytes', optional: true });
    assert.deepStrictEqual(pythonType('Union[int, str]'), { type: 'int | str', optional: false });
    assert.deepStrictEqual(pythonType('Union[Dict[str, int], None]'), { type: 'Dict[str, int]', optional: true });
    assert.deepStrictEqual(pythonType('"Point"'), { type: 'Point', optional: false });
  });

  it('reads JSDoc types from default values', () => {
    assert.strictEqual(jsTypeOfDefault('3'), 'number');
    assert.strictEqual(jsTypeOfDefault("'x'"), 'string');
    assert.strictEqual(jsTypeOfDefault('false'), 'boolean');
    assert.strictEqual(jsTypeOfDefault('[]'), 'Array');
    assert.strictEqual(jsTypeOfDefault('() => 1'), 'Function');
    assert.strictEqual(jsTypeOfDefault('new Map()'), 'Map');
    assert.strictEqual(jsTypeOfDefault('other'), undefined);
  });

  it('resolves the format setting per language, falling back to the convention', () => {
    assert.strictEqual(resolveFormat('python', 'auto'), 'google');
    assert.strictEqual(resolveFormat('python', 'numpy'), 'numpy');
    assert.strictEqual(resolveFormat('typescript', 'numpy'), 'tsdoc');
    assert.strictEqual(resolveFormat('python', { python: 'sphinx', typescript: 'jsdoc' }), 'sphinx');
    assert.strictEqual(resolveFormat('tsx', { typescript: 'jsdoc' }), 'jsdoc');
    assert.strictEqual(resolveFormat('go', { python: 'numpy' }), 'godoc');
    assert.strictEqual(resolveSections('summary'), 'summary');
    assert.strictEqual(resolveSections(undefined), 'full');
  });

  it('numbers snippet placeholders in order and escapes snippet syntax in literal text', () => {
    const text = renderDoc(
      shape({ params: [{ name: 'a', kind: 'positional', type: 'Record<string, ${x}>' }] }),
      { lang: 'python', format: 'google', sections: 'full', descriptions: { summary: 'costs $5' } },
      { indent: '  ', eol: '\n', snippet: true },
    );
    assert.strictEqual(
      text,
      [
        '  """${1:Costs \\$5.}',
        '',
        '  Args:',
        '      a (Record<string, \\${x\\}>): ${2:_description_}',
        '',
        '  Returns:',
        '      ${3:_description_}',
        '  """',
      ].join('\n'),
    );
  });

  it('keeps text from closing the comment: backslashes and quotes in docstrings, */ in blocks, markup in XML', () => {
    const py = renderDoc(
      shape({ params: [], returnsValue: false }),
      { lang: 'python', format: 'google', sections: 'full', descriptions: { summary: 'splits on "\\n" and """' } },
      { indent: '', eol: '\n', snippet: false },
    );
    // Backslashes escaped; a triple quote inside becomes ''' (src/docComments/escape.ts).
    assert.strictEqual(py, '"""Splits on "\\\\n" and \'\'\'.' + '"""');
    const js = renderDoc(
      shape({ params: [], returnsValue: false }),
      { lang: 'javascript', format: 'jsdoc', sections: 'full', descriptions: { summary: 'matches a/*/b' } },
      { indent: '', eol: '\n', snippet: false },
    );
    assert.strictEqual(js, '/**\n * Matches a/* /b.\n */');
    const cs = renderDoc(
      shape({ params: [], returnsValue: false }),
      { lang: 'c-sharp', format: 'xmldoc', sections: 'full', descriptions: { summary: 'returns a < b & c' } },
      { indent: '', eol: '\n', snippet: false },
    );
    assert.strictEqual(cs, '/// <summary>\n/// Returns a &lt; b &amp; c.\n/// </summary>');
  });

  it('summary only leaves out every section; Go starts the sentence with the name', () => {
    const req = {
      lang: 'python',
      format: 'google',
      sections: 'summary',
      descriptions: { summary: 'adds one' },
    } as const;
    assert.strictEqual(renderDoc(shape(), req, { indent: '', eol: '\n', snippet: false }), '"""Adds one."""');
    const go = renderDoc(
      shape({ name: 'Add' }),
      { lang: 'go', format: 'godoc', sections: 'full', descriptions: { summary: 'adds one' } },
      { indent: '', eol: '\n', snippet: false },
    );
    assert.strictEqual(go, '// Add adds one.');
  });
});

describe('doc comment builder: gated, punctuated and marked text (issue 36)', () => {
  const code =
    'def bar(style: str = "bar.complete", width: int = 5, total: int = 0):\n    return render(style, width, total)';
  const bar = shape({
    name: 'bar',
    returnsValue: false,
    params: [
      { name: 'style', kind: 'positional', type: 'str', default: '"bar.complete"', optional: true },
      { name: 'width', kind: 'positional', type: 'int', default: '5', optional: true },
      { name: 'total', kind: 'positional', type: 'int', default: '0', optional: true },
    ],
  });
  const descriptions = {
    summary: 'render the bar',
    code,
    params: {
      style: {
        text: 'Style of the completed bar. Defaults to "bar.complete".',
        source: 'project' as const,
        from: { name: 'make_bar', path: 'rich/bar.py', line: 3 },
      },
      width: { text: 'The width width.', source: 'model' as const, confidence: 0.3 },
      total: { text: 'The total to render.', source: 'model' as const, confidence: 0.3 },
    },
  };
  const render = (format: 'google' | 'numpy' | 'sphinx', markBorrowed?: boolean) =>
    renderDoc(
      bar,
      {
        lang: 'python',
        format,
        sections: 'full',
        descriptions,
        ...(markBorrowed === undefined ? {} : { markBorrowed }),
      },
      { indent: '', eol: '\n', snippet: false },
    );

  it('Google: one period, the default once, a broken description left as the placeholder, the source named', () => {
    assert.strictEqual(
      render('google'),
      [
        '"""Render the bar.',
        '',
        'Args:',
        '    style (str, optional): Style of the completed bar (from `make_bar` in rich/bar.py). Defaults to "bar.complete".',
        '    width (int, optional): _description_. Defaults to 5.',
        '    total (int, optional): The total to render. Defaults to 0.',
        '"""',
      ].join('\n'),
    );
    assert.ok(!render('google', false).includes('(from '), 'markBorrowed off: no marker');
  });

  it('NumPy and Sphinx: no ".," and a final period', () => {
    const numpy = render('numpy');
    assert.ok(numpy.includes('    The total to render, by default 0.\n'), numpy);
    assert.ok(numpy.includes('    _description_, by default 5\n'), 'the placeholder line keeps its old layout');
    assert.ok(!/\.,/.test(numpy));
    assert.ok(render('sphinx').includes(':param total: The total to render, defaults to 0.'));
  });

  it('JSDoc: the description ends with one period; the default stays in the name', () => {
    const js = renderDoc(
      shape({
        name: 'pad',
        returnsValue: false,
        params: [{ name: 'width', kind: 'positional', default: '2', optional: true }],
      }),
      {
        lang: 'javascript',
        format: 'jsdoc',
        sections: 'full',
        descriptions: {
          code: 'function pad(width = 2) {\n  return " ".repeat(width);\n}',
          params: { width: { text: 'the width to pad..', source: 'model', confidence: 0.3 } },
        },
      },
      { indent: '', eol: '\n', snippet: false },
    );
    assert.ok(js.includes(' * @param {number} [width=2] - The width to pad.\n'), js);
  });
});
