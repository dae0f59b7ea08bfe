import * as assert from 'assert';
import { execFileSync } from 'child_process';
import type { Node } from 'web-tree-sitter';
import { blockCommentText, lineCommentText, pythonDocstring } from '../../src/docComments/escape';
import { renderDocComment, type CommentLanguage } from '../../src/docComments/styles';
import { planDocComment } from '../../src/docComments/placement';
import { ParserPool } from '../../src/parsing/parser';
import type { CorpusLanguage } from '../../src/parsing/languages';
import { seededRandom } from '../../src/mining/random';
import { TreeSitterLocator } from './helpers/treeSitterLocator';

/** One small file per language, with one undocumented function and code after it. */
const SAMPLES: Record<CommentLanguage, string> = {
  python: 'import os\n\nclass A:\n    def f(self, x):\n        y = x + 1\n        return y\n\nz = A()\n',
  javascript: 'const k = 1;\nfunction f(x) {\n  return x + k;\n}\nf(2);\n',
  typescript: 'const k: number = 1;\nexport function f(x: number): number {\n  return x + k;\n}\nf(2);\n',
  tsx: 'export function F(p: { a: string }) {\n  return <div>{p.a}</div>;\n}\n',
  java: 'class A {\n  int k = 1;\n  int f(int x) {\n    return x + k;\n  }\n}\n',
  go: 'package main\n\nfunc F(x int) int {\n\treturn x + 1\n}\n',
  rust: 'fn f(x: i32) -> i32 {\n    x + 1\n}\n\nfn main() {}\n',
  'c-sharp': 'class A {\n  int F(int x) {\n    return x + 1;\n  }\n}\n',
  cpp: 'int k = 1;\nint f(int x) {\n  return x + k;\n}\n',
  php: '<?php\nfunction f($x) {\n  return $x + 1;\n}\necho f(2);\n',
  ruby: 'class A\n  def f(x)\n    x + 1\n  end\nend\n',
};

/** Pieces that break comments in some language, mixed with ordinary words. */
const PIECES = [
  '\\',
  '"',
  "'",
  '*',
  '/',
  '*/',
  '/*',
  '"""',
  "'''",
  '\\u002a/',
  '\\u002A\\u002F',
  '\\uuu002a/',
  '\\u',
  '\\u00',
  '\\x',
  '\\N{',
  '\\N{BOGUS}',
  '}',
  '{',
  '\\\\',
  '\\\\u002a/',
  '\n',
  '\r',
  '\r\n',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u000b',
  '\u0000',
  '\t',
  '?>',
  '<?php',
  '#',
  '=begin',
  '=end',
  '<',
  '>',
  '&',
  '`',
  '$',
  '-->',
  '//',
  '///',
  'u',
  '0',
  'a',
  'Z',
  'é',
  '😀',
  ' ',
  ' ',
  ' ',
  'reads',
  'the',
  'hex',
  'digits',
  'escape',
  'end',
];

function randomText(random: () => number): string {
  const n = 1 + Math.floor(random() * 24);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(random() * PIECES.length)]!;
  return s;
}

interface Token {
  readonly type: string;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Leaves of the tree, with each comment as one token (some grammars give comments children). */
function tokens(node: Node, out: Token[] = []): Token[] {
  if (/comment/.test(node.type) || node.childCount === 0) {
    out.push({ type: node.type, text: node.text, start: node.startIndex, end: node.endIndex });
    return out;
  }
  for (const child of node.children) if (child) tokens(child, out);
  return out;
}

/**
 * Java's compiler decodes `\uXXXX` escapes everywhere, comments included, before it reads the
 * source (JLS 3.3); tree-sitter does not. The file javac sees, or an error for a `\u` without
 * four hex digits (a compile error).
 */
function javacUnicode(text: string): string {
  return text.replace(/(\\+)(u+)(.{0,4})/gs, (all, slashes: string, _u: string, hex: string) => {
    if (slashes.length % 2 === 0) return all;
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`illegal unicode escape in ${JSON.stringify(all)}`);
    return slashes.slice(1) + String.fromCharCode(parseInt(hex, 16));
  });
}

const STRING_PARTS = /^(string|string_start|string_content|string_end|escape_sequence|expression_statement|")$/;

describe('comment escaping', () => {
  const parsers = new ParserPool();
  const locator = new TreeSitterLocator();
  after(() => {
    parsers.dispose();
    locator.dispose();
  });

  it('writes a raw Python docstring for text with backslashes, and never """ inside', () => {
    assert.deepStrictEqual(pythonDocstring(['Reads the hex digits of a `\\x`/`\\u` escape.']), [
      'r"""Reads the hex digits of a `\\x`/`\\u` escape."""',
    ]);
    assert.deepStrictEqual(pythonDocstring(['Say """hi""".']), [`"""Say '''hi'''."""`]);
    assert.deepStrictEqual(pythonDocstring(['Ends with a backslash \\']), ['r"""Ends with a backslash \\ """']);
    assert.deepStrictEqual(pythonDocstring(['Quote "x"']), ['"""Quote "x" """']);
  });

  it('neutralises block comment ends and Java Unicode escapes', () => {
    assert.strictEqual(blockCommentText('a */ b'), 'a * / b');
    assert.strictEqual(blockCommentText('a \\u002a/ b', 'java'), 'a &#92;u002a/ b');
    assert.strictEqual(blockCommentText('a \\\\u002a/ b', 'java'), 'a \\\\u002a/ b');
    assert.strictEqual(blockCommentText('a \\\\\\uu002a/ b', 'java'), 'a \\\\&#92;uu002a/ b');
    assert.strictEqual(blockCommentText('a \\u002a/ b', 'typescript'), 'a \\u002a/ b');
  });

  it('keeps line comments on one line', () => {
    assert.strictEqual(lineCommentText('a\r\nb\u2028c\u0085d\re'), 'a b c d e');
  });

  it('property: for random text, every language still parses and no code outside the comment changes', async () => {
    const random = seededRandom(20);
    const pythonFiles: { text: string; summary: string }[] = [];
    for (const [lang, original] of Object.entries(SAMPLES) as [CommentLanguage, string][]) {
      const parser = await parsers.get(lang as CorpusLanguage);
      const before = parser.parse(original)!;
      const beforeTokens = tokens(before.rootNode);
      assert.ok(!before.rootNode.hasError, `${lang} sample parses`);
      before.delete();
      const [fn] = await locator.functions(lang, original);
      assert.ok(fn, `${lang} sample has a function`);
      for (let i = 0; i < 80; i++) {
        const summary = randomText(random);
        const lines = original.split('\n');
        const plan = planDocComment(lang, lines, fn, summary, '\n', { insertSpaces: true, tabSize: 4 });
        const at = lines.slice(0, plan.line).reduce((n, l) => n + l.length + 1, 0) + plan.character;
        const text = original.slice(0, at) + plan.text + original.slice(at);
        const where = `${lang}, summary ${JSON.stringify(summary)}:\n${text}`;
        if (lang === 'java') assert.strictEqual(javacUnicode(text), text, `javac decodes an escape in ${where}`);
        if (lang === 'python') pythonFiles.push({ text, summary });
        const tree = parser.parse(text)!;
        try {
          assert.ok(!tree.rootNode.hasError, `parse error in ${where}`);
          const after = tokens(tree.rootNode);
          const end = at + plan.text.length;
          const inside = after.filter((t) => t.end > at && t.start < end);
          for (const t of inside) {
            assert.ok(t.start >= at && t.end <= end, `a token straddles the comment in ${where}`);
            assert.ok(
              /comment/.test(t.type) || (lang === 'python' && STRING_PARTS.test(t.type)),
              `${t.type} ${JSON.stringify(t.text)} inside the comment in ${where}`,
            );
          }
          const outside = after.filter((t) => t.end <= at || t.start >= end).map((t) => [t.type, t.text]);
          assert.deepStrictEqual(
            outside,
            beforeTokens.map((t) => [t.type, t.text]),
            `code changed in ${where}`,
          );
        } finally {
          tree.delete();
        }
      }
    }
    // tree-sitter does not check Python's string escapes (`\x`, `\N{...}`); Python itself does.
    const python = (() => {
      try {
        execFileSync('python3', ['--version']);
        return true;
      } catch {
        return false;
      }
    })();
    if (!python) return;
    const check =
      'import ast, json, sys\n' +
      'for f in json.load(sys.stdin):\n' +
      '    m = ast.parse(f)\n' +
      '    d = ast.get_docstring(m.body[1].body[0], clean=False)\n' +
      '    assert d is not None, f\n';
    execFileSync('python3', ['-W', 'error', '-c', check], {
      input: JSON.stringify(pythonFiles.map((f) => f.text)),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  });

  it('renders the issue’s examples as comments that stay comments', () => {
    assert.ok(renderDocComment('python', 'Reads the hex digits of a `\\x`/`\\u` escape', '').startsWith('r"""'));
    assert.ok(!renderDocComment('java', 'closes \\u002a/ early', '').includes('\\u002a/'));
  });
});
