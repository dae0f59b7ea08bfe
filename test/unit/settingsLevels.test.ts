/**
 * The per-file settings (doc comment format and the rest, code lenses) take effect from every
 * level a user can set them at: user, workspace, workspace folder, and a `[language]` block at
 * each. The reader runs on a stand-in for `vscode` that layers the levels as VS Code does, so a
 * reader that forgot the document's scope would miss the folder and language values here too.
 */
import * as assert from 'assert';
import { fake, installFakeVscode, TextDocument, Uri, type LevelSetting } from './helpers/fakeVscode';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
const settings = require('../../src/host/settings') as typeof import('../../src/host/settings');
const { resolveFormat } = require('../../src/docComments/formats') as typeof import('../../src/docComments/formats');
/* eslint-enable @typescript-eslint/consistent-type-imports */

const FORMAT = 'seq2seq.docComment.format';
const py = new TextDocument(Uri.file('/ws/pkg/shapes.py'), 'python', 'def f(x):\n    return x\n');
const ts = new TextDocument(Uri.file('/ws/src/shapes.ts'), 'typescript', 'export function f(x: number) {}\n');

function set(...entries: LevelSetting[]): void {
  fake.levels.push(...entries);
}

/** The stand-in's document as the scope the reader takes. */
const scope = (doc: TextDocument): Parameters<typeof settings.docCommentSettings>[0] =>
  doc as unknown as Parameters<typeof settings.docCommentSettings>[0];

/** The format a doc comment in `doc` is written in (what the pipeline's request resolves). */
function formatFor(doc: TextDocument): string {
  const lang = doc.languageId === 'python' ? 'python' : 'typescript';
  return resolveFormat(lang, settings.docCommentSettings(scope(doc)).format);
}

describe('settings levels', () => {
  beforeEach(() => fake.reset());
  after(() => fake.reset());

  it('unset: each language gets its usual format', () => {
    assert.strictEqual(formatFor(py), 'google');
    assert.strictEqual(formatFor(ts), 'tsdoc');
  });

  it('user settings: a format set there is used', () => {
    set({ level: 'user', key: FORMAT, value: 'numpy' });
    assert.strictEqual(formatFor(py), 'numpy');
    // A format TypeScript does not use leaves it on its own.
    assert.strictEqual(formatFor(ts), 'tsdoc');
  });

  it('workspace settings: used, and above the user value', () => {
    set({ level: 'workspace', key: FORMAT, value: 'sphinx' });
    assert.strictEqual(formatFor(py), 'sphinx');
    set({ level: 'user', key: FORMAT, value: 'numpy' });
    assert.strictEqual(formatFor(py), 'sphinx');
  });

  it("workspace folder settings: used, and above the workspace's", () => {
    set(
      { level: 'workspace', key: FORMAT, value: 'sphinx' },
      { level: 'workspaceFolder', key: FORMAT, value: 'epytext' },
    );
    assert.strictEqual(formatFor(py), 'epytext');
  });

  it('a [python] block in user settings: used for Python only, even over a workspace value', () => {
    set({ level: 'user', language: 'python', key: FORMAT, value: 'numpy' });
    assert.strictEqual(formatFor(py), 'numpy');
    assert.strictEqual(formatFor(ts), 'tsdoc');
    set({ level: 'workspace', key: FORMAT, value: 'sphinx' });
    assert.strictEqual(formatFor(py), 'numpy');
  });

  it('a [typescript] block in workspace settings: used for TypeScript, Python untouched', () => {
    set({ level: 'user', key: FORMAT, value: 'numpy' });
    set({ level: 'workspace', language: 'typescript', key: FORMAT, value: 'jsdoc' });
    assert.strictEqual(formatFor(ts), 'jsdoc');
    assert.strictEqual(formatFor(py), 'numpy');
  });

  it('a [python] block in workspace settings is above the one in user settings', () => {
    set(
      { level: 'user', language: 'python', key: FORMAT, value: 'numpy' },
      { level: 'workspace', language: 'python', key: FORMAT, value: 'pep257' },
    );
    assert.strictEqual(formatFor(py), 'pep257');
  });

  it('the other doc comment settings and the lens settings follow the same levels', () => {
    set(
      { level: 'user', key: 'seq2seq.docComment.sections', value: 'summary' },
      { level: 'workspace', language: 'python', key: 'seq2seq.docComment.markBorrowed', value: false },
      { level: 'workspaceFolder', key: 'seq2seq.docComment.parameterDescriptions', value: 'none' },
      { level: 'user', language: 'typescript', key: 'seq2seq.codeLens.functions', value: 'all' },
    );
    const p = settings.docCommentSettings(scope(py));
    assert.deepStrictEqual([p.sections, p.markBorrowed, p.parameterDescriptions], ['summary', false, 'none']);
    assert.strictEqual(settings.docCommentSettings(scope(ts)).markBorrowed, true);
    assert.strictEqual(settings.codeLensSettings(scope(ts)).functions, 'all');
    assert.strictEqual(settings.codeLensSettings(scope(py)).functions, 'public');
  });

  it('why the per-language object was dropped: an object at one level hides a format set at another', () => {
    // The old schema offered { "typescript": "jsdoc" }; VS Code replaces a string with an object
    // (it merges only object with object), so the user's "numpy" no longer reached Python files.
    set(
      { level: 'user', key: FORMAT, value: 'numpy' },
      { level: 'workspace', key: FORMAT, value: { typescript: 'jsdoc' } },
    );
    assert.strictEqual(formatFor(py), 'google');
    // The [language] blocks the dropdown leads to keep both.
    fake.levels.length = 0;
    set(
      { level: 'user', key: FORMAT, value: 'numpy' },
      { level: 'workspace', language: 'typescript', key: FORMAT, value: 'jsdoc' },
    );
    assert.deepStrictEqual([formatFor(py), formatFor(ts)], ['numpy', 'jsdoc']);
  });
});
