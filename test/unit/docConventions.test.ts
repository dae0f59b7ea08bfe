/**
 * What counts as public per language (the code lens's default), what Document All leaves out by
 * convention, and the snippet-text helpers that give every comment its own tab stops and end the
 * Tab walk after the comment.
 */
import * as assert from 'assert';
import type { CorpusLanguage } from '../../src/parsing/languages';
import {
  conventionalSkip,
  docNamesAll,
  isPublicFunction,
  type DocumentedUnit,
} from '../../src/docComments/conventions';
import { renumberTabStops, snippetPlainText, withFinalTabStop } from '../../src/docComments/snippet';
import { TreeSitterLocator } from './helpers/treeSitterLocator';

describe('public functions per language', function () {
  this.timeout(60_000);
  const locator = new TreeSitterLocator();
  after(() => locator.dispose());

  const publicNames = async (lang: CorpusLanguage, text: string): Promise<string[]> => {
    const functions = await locator.functions(lang, text);
    assert.ok(functions.length > 0, `no functions found in ${lang}`);
    return functions.filter((f) => isPublicFunction(lang, f, functions, text)).map((f) => f.name);
  };

  it('Python: no leading underscore, not nested, not in a private class', async () => {
    const py = [
      'def api(a):',
      '    def inner(b):',
      '        return b',
      '    return inner(a)',
      '',
      'def _helper():',
      '    pass',
      '',
      'class Shape:',
      '    def __init__(self):',
      '        pass',
      '    def area(self):',
      '        return 0',
      '',
      'class _Hidden:',
      '    def area(self):',
      '        return 0',
      '',
    ].join('\n');
    assert.deepStrictEqual(await publicNames('python', py), ['api', 'area']);
  });

  it('TypeScript: exported functions and the non-private methods of exported classes', async () => {
    const ts = [
      'export function shown(a: number): number {',
      '  return a;',
      '}',
      'function hidden(a: number): number {',
      '  return a;',
      '}',
      'export class Box {',
      '  open(): void {}',
      '  private close(): void {}',
      '  #peek(): void {}',
      '}',
      'class Inner {',
      '  run(): void {}',
      '}',
      'const later = (x: number) => x;',
      'export { later };',
    ].join('\n');
    assert.deepStrictEqual(await publicNames('typescript', ts), ['shown', 'open', 'later']);
  });

  it('JavaScript that exports nothing (a script): every top-level function', async () => {
    const js = ['function a() {', '  return 1;', '}', 'function b() {', '  return 2;', '}', ''].join('\n');
    assert.deepStrictEqual(await publicNames('javascript', js), ['a', 'b']);
  });

  it('Go: capitalised names; Rust: pub and trait impls', async () => {
    const go = ['package p', '', 'func Open() {}', '', 'func close() {}', ''].join('\n');
    assert.deepStrictEqual(await publicNames('go', go), ['Open']);
    const rs = [
      'pub fn open() {}',
      'fn close() {}',
      'impl std::fmt::Display for X {',
      '    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { Ok(()) }',
      '}',
      'impl X {',
      '    fn private_helper(&self) {}',
      '    pub fn shown(&self) {}',
      '}',
      '',
    ].join('\n');
    assert.deepStrictEqual(await publicNames('rust', rs), ['open', 'fmt', 'shown']);
  });

  it('Java: not private; Ruby: outside private sections', async () => {
    const java = [
      'class A {',
      '    public int open() { return 1; }',
      '    private int close() { return 2; }',
      '    int pkg() { return 3; }',
      '}',
    ].join('\n');
    assert.deepStrictEqual(await publicNames('java', java), ['open', 'pkg']);
    const rb = [
      'class A',
      '  def open',
      '    1',
      '  end',
      '',
      '  private',
      '',
      '  def close',
      '    2',
      '  end',
      'end',
      '',
    ].join('\n');
    assert.deepStrictEqual(await publicNames('ruby', rb), ['open']);
  });
});

describe('what Document All leaves out by convention', () => {
  const unit = (
    u: Partial<DocumentedUnit> & Pick<DocumentedUnit, 'name' | 'startOffset' | 'endOffset'>,
  ): DocumentedUnit => ({
    kind: 'function',
    code: '',
    params: [],
    ...u,
  });
  const cls = unit({ name: 'Point', kind: 'class', startOffset: 0, endOffset: 100, params: ['x', 'y'] });
  const init = unit({ name: '__init__', startOffset: 10, endOffset: 40, params: ['x', 'y'] });
  const repr = unit({ name: '__repr__', startOffset: 50, endOffset: 70 });
  const opts = { pythonInitArguments: 'classDocstring', newClassDocListsArguments: true } as const;

  it('skips dunder methods, and __init__ when the class docstring (to be) documents its arguments', () => {
    assert.strictEqual(conventionalSkip('python', repr, [cls, init, repr], opts), 'dunder');
    assert.strictEqual(conventionalSkip('python', init, [cls, init, repr], opts), 'initInClass');
    assert.strictEqual(
      conventionalSkip('python', init, [cls, init], { ...opts, newClassDocListsArguments: false }),
      undefined,
      'a summary-only class docstring does not document the arguments',
    );
    assert.strictEqual(
      conventionalSkip('python', init, [cls, init], { ...opts, pythonInitArguments: 'initDocstring' }),
      undefined,
    );
  });

  it('reads an existing class docstring for the argument names', () => {
    const documented = { ...cls, doc: '"""A point.\n\nArgs:\n    x: Across.\n    y: Up.\n"""' };
    const vague = { ...cls, doc: '"""A point."""' };
    assert.strictEqual(conventionalSkip('python', init, [documented, init], opts), 'initInClass');
    assert.strictEqual(conventionalSkip('python', init, [vague, init], opts), undefined);
    assert.ok(docNamesAll(':param x: a\n:param **kw: b', ['x', 'kw']));
    assert.ok(!docNamesAll('the index', ['x']));
  });

  it('leaves other languages and ordinary methods alone', () => {
    assert.strictEqual(conventionalSkip('ruby', repr, [repr], opts), undefined);
    assert.strictEqual(
      conventionalSkip('python', unit({ name: '_helper', startOffset: 0, endOffset: 1 }), [], opts),
      undefined,
    );
  });
});

describe('snippet text', () => {
  it('renumbers tab stops and leaves escapes alone', () => {
    const r = renumberTabStops('"""${1:Sum \\$1 \\} up.}\n    x: ${2:_description_}$3 \\\\${4:y}"""', 10);
    assert.strictEqual(r.text, '"""${11:Sum \\$1 \\} up.}\n    x: ${12:_description_}$13 \\\\${14:y}"""');
    assert.strictEqual(r.last, 14);
    assert.deepStrictEqual(renumberTabStops('no stops', 3), { text: 'no stops', last: 3 });
  });

  it('puts the final tab stop at the end of the comment, before its line break', () => {
    assert.strictEqual(withFinalTabStop('    """${1:a}"""\n', '\n'), '    """${1:a}"""$0\n');
    assert.strictEqual(withFinalTabStop('/** ${1:a} */\r\n', '\r\n'), '/** ${1:a} */$0\r\n');
  });

  it('gives the text a snippet inserts', () => {
    assert.strictEqual(
      snippetPlainText('"""${1:Cost \\$5 \\} ok.}\n${2:_description_}"""$0\n'),
      '"""Cost $5 } ok.\n_description_"""\n',
    );
  });
});
