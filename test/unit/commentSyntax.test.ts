/**
 * The comment-marker and doc-comment-opener regexes of the commands, pinned on a table before
 * they become one module: what each of them made of the same lines. The regexes below are the
 * commands' own, copied as they were written (commentCommands.ts commentAt and generateCode,
 * attentionCommand.ts guessDirection, docCommentCommands.ts firstContentLine, the completion's
 * trigger in docCommentRegistration.ts and host/docProviders.ts). All of them now call
 * src/docComments/syntax.ts, which must give the same answers on the same table.
 */
import * as assert from 'assert';
import { docOpener, isCommentLine, stripCommentMarkers, stripLeadingMarkers } from '../../src/docComments/syntax';

/** commentAt's and guessDirection's test for a comment line. */
const oldIsComment = (l: string): boolean => /^\s*(\/\/|#|\/\*|\*|"""|''')/.test(l);
/** commentAt: one line's markers, leading and closing. */
const oldCommentAtStrip = (l: string): string =>
  l.replace(/^\s*(\/\/\/?|#|\/\*\*?|\*\/|\*|"""|''')\s?/, '').replace(/(\*\/|"""|''')\s*$/, '');
/** generateCode: a selection's leading markers, every line at once (closing markers stay). */
const oldSelectionStrip = (t: string): string => t.replace(/^\s*(\/\/\/?|#|\/\*\*?|\*\/?|"""|''')\s?/gm, '').trim();
/** firstContentLine: a rendered comment's line, trimmed. */
const oldFirstContentLine = (l: string): string =>
  l
    .trim()
    .replace(/^("""|'''|\/\*\*|\/\/\/|\/\/|\*\/|\*|#)\s?/, '')
    .replace(/("""|'''|\*\/)$/, '')
    .trim();
/** docCommentRegistration: the cheap test before the completion provider loads. */
const oldTrigger = (before: string): boolean => /^\s*([rRuU]?"""|[rRuU]?'''|\/\*\*)$/.test(before);
/** docProviders: the opener for the document's language; its indentation, or null. */
const oldOpener = (before: string, lang: string): string | null => {
  const m = lang === 'python' ? /^(\s*)([rRuU]?"""|[rRuU]?''')$/.exec(before) : /^(\s*)\/\*\*$/.exec(before);
  return m ? m[1]! : null;
};

/** [line, is a comment line, commentAt's text, firstContentLine's text] */
const LINES: readonly (readonly [string, boolean, string, string])[] = [
  ['// foo', true, 'foo', 'foo'],
  ['/// foo', true, 'foo', 'foo'],
  ['//foo', true, 'foo', 'foo'],
  ['//  two', true, ' two', 'two'],
  ['  # foo', true, 'foo', 'foo'],
  ['#', true, '', ''],
  ['#!shebang', true, '!shebang', '!shebang'],
  ['/* foo */', true, 'foo ', '/* foo'],
  ['/** foo */', true, 'foo ', 'foo'],
  ['/*', true, '', '/*'],
  ['/**', true, '', ''],
  ['/*/', true, '/', '/'],
  [' * foo', true, 'foo', 'foo'],
  [' *', true, '', ''],
  [' */', true, '', ''],
  ['*/ after', true, 'after', 'after'],
  ['**bold', true, '*bold', '*bold'],
  ['"""Foo."""', true, 'Foo.', 'Foo.'],
  ["'''foo'''", true, 'foo', 'foo'],
  ['"""', true, '', ''],
  ['  """Foo.  """  ', true, 'Foo.  ', 'Foo.'],
  ['r"""raw', false, 'r"""raw', 'r"""raw'],
  ['code();', false, 'code();', 'code();'],
  ['x = 1  # note', false, 'x = 1  # note', 'x = 1  # note'],
  ['', false, '', ''],
  ['   ', false, '   ', ''],
  ['\t// tab', true, 'tab', 'tab'],
  ['/**Tight*/', true, 'Tight', 'Tight'],
  ['<summary>', false, '<summary>', '<summary>'],
];

/** [selected text, the description Generate Code from Comment reads from it] */
const SELECTIONS: readonly (readonly [string, string])[] = [
  ['// a\n// b', 'a\nb'],
  // `^\s*` and the `\s?` after a marker run over line ends: an empty comment line and a blank line go.
  ['// a\n//\n// b', 'a\nb'],
  ['# a\n\n# b', 'a\nb'],
  ['/**\n * Foo.\n */', 'Foo.'],
  ['"""Foo.\nbar"""', 'Foo.\nbar"""'],
  ['x = 1\n# y', 'x = 1\ny'],
  ['  //\tindented', 'indented'],
  // `^` also matches after a lone \r, so the \n of a CRLF line end goes.
  ['/// a\r\n/// b', 'a\rb'],
];

/** [text before the cursor, the trigger's test, Python's opener indentation, TypeScript's] */
const OPENERS: readonly (readonly [string, boolean, string | null, string | null])[] = [
  ['"""', true, '', null],
  ['  """', true, '  ', null],
  ['r"""', true, '', null],
  ["U'''", true, '', null],
  ["'''", true, '', null],
  ['/**', true, null, ''],
  ['  /**', true, null, '  '],
  ['\t/**', true, null, '\t'],
  ['/*', false, null, null],
  ['/***', false, null, null],
  ['x = """', false, null, null],
  ['""" ', false, null, null],
  ['f"""', false, null, null],
  ['rb"""', false, null, null],
  ['', false, null, null],
  ['*', false, null, null],
];

describe('comment syntax: the commands’ regexes, pinned', () => {
  it('comment lines and their text (commentAt, guessDirection, firstContentLine)', () => {
    for (const [line, isComment, text, first] of LINES) {
      assert.strictEqual(oldIsComment(line), isComment, JSON.stringify(line));
      assert.strictEqual(oldCommentAtStrip(line), text, JSON.stringify(line));
      assert.strictEqual(oldFirstContentLine(line), first, JSON.stringify(line));
    }
  });

  it('a selection read as a description (generateCode)', () => {
    for (const [text, description] of SELECTIONS) {
      assert.strictEqual(oldSelectionStrip(text), description, JSON.stringify(text));
    }
  });

  it('the doc-comment openers that trigger the completion', () => {
    for (const [before, trigger, python, typescript] of OPENERS) {
      assert.strictEqual(oldTrigger(before), trigger, JSON.stringify(before));
      assert.strictEqual(oldOpener(before, 'python'), python, JSON.stringify(before));
      assert.strictEqual(oldOpener(before, 'typescript'), typescript, JSON.stringify(before));
    }
  });
});

/**
 * The one place where syntax.ts reads differently: firstContentLine knew `/**` but not a bare `/*`.
 * It only reads comments that src/docComments/builder.ts rendered, which open with `/**`, so
 * nothing it is given changes; syntax.ts strips `/*` as commentAt always did.
 */
const FIRST_CONTENT_LINE_NOW: ReadonlyMap<string, string> = new Map([
  ['/* foo */', 'foo'],
  ['/*', ''],
]);

describe('comment syntax: src/docComments/syntax.ts on the same table', () => {
  it('isCommentLine and stripCommentMarkers answer as the commands did', () => {
    for (const [line, isComment, text, first] of LINES) {
      assert.strictEqual(isCommentLine(line), isComment, JSON.stringify(line));
      assert.strictEqual(stripCommentMarkers(line), text, JSON.stringify(line));
      const now = FIRST_CONTENT_LINE_NOW.get(line) ?? first;
      assert.strictEqual(stripCommentMarkers(line).trim(), now, JSON.stringify(line));
    }
  });

  it('stripLeadingMarkers reads a selection as generateCode did', () => {
    for (const [text, description] of SELECTIONS) {
      assert.strictEqual(stripLeadingMarkers(text), description, JSON.stringify(text));
    }
  });

  it('docOpener finds the openers the trigger and the provider found', () => {
    for (const [before, trigger, python, typescript] of OPENERS) {
      assert.strictEqual(docOpener(before) !== undefined, trigger, JSON.stringify(before));
      assert.strictEqual(docOpener(before, 'python')?.indent ?? null, python, JSON.stringify(before));
      assert.strictEqual(docOpener(before, 'typescript')?.indent ?? null, typescript, JSON.stringify(before));
    }
    assert.deepStrictEqual(docOpener("  r'''", 'python'), { indent: '  ', opener: "r'''" });
    assert.deepStrictEqual(docOpener('\t/**', 'go'), { indent: '\t', opener: '/**' });
  });
});
