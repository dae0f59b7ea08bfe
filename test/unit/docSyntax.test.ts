/**
 * The comment-marker and doc-comment-opener regexes of the commands, pinned on a table before
 * they become one module: what each of them made of the same lines. The regexes below are the
 * commands' own, copied as they were written (commentCommands.ts commentAt and generateCode,
 * attentionCommand.ts guessDirection, docCommentCommands.ts firstContentLine, the completion's
 * trigger in docCommentRegistration.ts and host/docProviders.ts), and the doc reader's
 * (docComments/scan.ts content and its end of an entry, docComments/consistency.ts's blank line,
 * closing line and docstring test). All of them now call src/docComments/syntax.ts, which must
 * give the same answers on the same tables.
 */
import * as assert from 'assert';
import {
  closingMarkerAt,
  docContentColumn,
  docOpener,
  isCommentLine,
  opensDocstring,
  stripClosingMarker,
  stripCommentMarkers,
  stripLeadingMarkers,
} from '../../src/docComments/syntax';

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

/** scan.ts content: where a doc comment line's text begins, and that text without its closing marker. */
const oldScanContent = (line: string): [number, string] => {
  const quotes = /^[ \t]*[rRuU]?("""|''')/.exec(line);
  const m = quotes ?? /^[ \t]*(?:\/\*\*+|\*\/|\*(?!\/)|\/\/\/?|#)?[ \t]?/.exec(line)!;
  let col = m[0].length;
  while (col < line.length && (line[col] === ' ' || line[col] === '\t')) col++;
  return [col, line.slice(col).replace(/\s*(\*\/|"""|''')\s*$/, '')];
};
/** scanDoc: a line that is only a closing marker ends an entry. */
const oldClosingLine = (l: string): boolean => /^\s*(\*\/|"""|''')\s*$/.test(l);
/** docFixEdits: where the last line's closing marker (and the whitespace before it) begins. */
const oldClosingAt = (l: string): number | null => /\s*(\*\/|"""|''')\s*$/.exec(l)?.index ?? null;
/** docFixEdits blank: a line's text without its closing marker, trimmed. */
const oldBlankText = (t: string): string => t.replace(/(\*\/|"""|''')\s*$/, '').trim();
/** docFixEdits: a doc comment that opens with a docstring's quotes is Python's. */
const oldIsDocstring = (text: string): boolean => /^\s*[rRuU]?("""|''')/.test(text);

/**
 * [doc comment line, scan's content column, scan's content text, only a closing marker,
 * where its closing marker begins, its text without the closing marker trimmed, opens a docstring]
 */
const DOC_LINES: readonly (readonly [string, number, string, boolean, number | null, string, boolean])[] = [
  ['/**', 3, '', false, null, '/**', false],
  ['/** Foo. */', 4, 'Foo.', false, 8, '/** Foo.', false],
  ['/**Tight*/', 3, 'Tight', false, 8, '/**Tight', false],
  ['/*** stars', 5, 'stars', false, null, '/*** stars', false],
  ['/**/', 3, '/', false, 2, '/*', false],
  ['/* plain', 0, '/* plain', false, null, '/* plain', false],
  [' * foo', 3, 'foo', false, null, '* foo', false],
  [' *   deep', 5, 'deep', false, null, '*   deep', false],
  [' *\ttab', 3, 'tab', false, null, '*\ttab', false],
  [' *', 2, '', false, null, '*', false],
  [' */', 3, '', true, 0, '', false],
  ['  */  ', 6, '', true, 0, '', false],
  ['*/ after', 3, 'after', false, null, '*/ after', false],
  ['**bold', 1, '*bold', false, null, '**bold', false],
  ['/// foo', 4, 'foo', false, null, '/// foo', false],
  ['//  two', 4, 'two', false, null, '//  two', false],
  ['//! inner', 2, '! inner', false, null, '//! inner', false],
  ['# foo', 2, 'foo', false, null, '# foo', false],
  ['#', 1, '', false, null, '#', false],
  ['#!shebang', 1, '!shebang', false, null, '#!shebang', false],
  ['"""Foo."""', 3, 'Foo.', false, 7, '"""Foo.', true],
  ['  """Foo.', 5, 'Foo.', false, null, '"""Foo.', true],
  ["r'''Raw.", 4, 'Raw.', false, null, "r'''Raw.", true],
  ['U"""', 4, '', false, 1, 'U', true],
  ['b"""', 0, 'b', false, 1, 'b', false],
  ['rb"""', 0, 'rb', false, 2, 'rb', false],
  ['"""', 3, '', true, 0, '', true],
  ["'''x'''", 3, 'x', false, 4, "'''x", true],
  ['x = """', 0, 'x =', false, 3, 'x =', false],
  ['foo */', 0, 'foo', false, 3, 'foo', false],
  ['foo"""', 0, 'foo', false, 3, 'foo', false],
  ['a */ */', 0, 'a */', false, 4, 'a */', false],
  ['a """ """', 0, 'a """', false, 5, 'a """', false],
  ['x * y', 0, 'x * y', false, null, 'x * y', false],
  ['    text', 4, 'text', false, null, 'text', false],
  ['\ttabbed', 1, 'tabbed', false, null, 'tabbed', false],
  ['', 0, '', false, null, '', false],
  ['   ', 3, '', false, null, '', false],
  // A no-break space is whitespace to `\s`, but not indentation to the content column.
  ['\u00a0"""', 0, '', true, 0, '', true],
  ['\u00a0/**', 0, '\u00a0/**', false, null, '/**', false],
  [' * a */  ', 3, 'a', false, 4, '* a', false],
  ['@param x the x', 0, '@param x the x', false, null, '@param x the x', false],
];

/** [a doc comment's whole text, opens a docstring] */
const DOC_TEXTS: readonly (readonly [string, boolean])[] = [
  ['"""Foo.\n"""', true],
  ['/**\n * x\n */', false],
  ['\n  """Foo."""', true],
  ['# """', false],
  ['\u00a0r"""x', true],
];

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

describe('comment syntax: the doc reader’s regexes, pinned', () => {
  it('doc comment lines: content, closing markers, docstring quotes (scan.ts, consistency.ts)', () => {
    for (const [line, col, text, closingLine, closingAt, blankText, docstring] of DOC_LINES) {
      assert.deepStrictEqual(oldScanContent(line), [col, text], JSON.stringify(line));
      assert.strictEqual(oldClosingLine(line), closingLine, JSON.stringify(line));
      assert.strictEqual(oldClosingAt(line), closingAt, JSON.stringify(line));
      assert.strictEqual(oldBlankText(line), blankText, JSON.stringify(line));
      assert.strictEqual(oldIsDocstring(line), docstring, JSON.stringify(line));
    }
    for (const [text, docstring] of DOC_TEXTS)
      assert.strictEqual(oldIsDocstring(text), docstring, JSON.stringify(text));
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

  it('the doc reader’s line start, closing marker and docstring test answer as scan.ts and consistency.ts did', () => {
    for (const [line, col, text, closingLine, closingAt, blankText, docstring] of DOC_LINES) {
      const at = docContentColumn(line);
      assert.deepStrictEqual([at, stripClosingMarker(line.slice(at))], [col, text], JSON.stringify(line));
      assert.strictEqual(closingMarkerAt(line) === 0, closingLine, JSON.stringify(line));
      assert.strictEqual(closingMarkerAt(line) ?? null, closingAt, JSON.stringify(line));
      assert.strictEqual(stripClosingMarker(line).trim(), blankText, JSON.stringify(line));
      assert.strictEqual(opensDocstring(line), docstring, JSON.stringify(line));
    }
    for (const [text, docstring] of DOC_TEXTS)
      assert.strictEqual(opensDocstring(text), docstring, JSON.stringify(text));
  });
});
