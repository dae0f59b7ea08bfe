/**
 * The one language table (src/parsing/languages.ts) and what is derived from it: the editor's
 * language ids, the usual file extension of each language, and package.json's activation events.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CORPUS_LANGUAGES, LANGUAGE_SPECS, languageOfPath, usualExtension } from '../../src/parsing/languages';
import { LANGUAGE_FORMATS } from '../../src/docComments/formats';
import { COMMENT_STYLES } from '../../src/docComments/styles';
import { LANGUAGE_IDS, SUPPORTED_LANGUAGE_IDS } from '../../src/host/languages';

const PACKAGE_JSON = path.join(__dirname, '..', '..', '..', 'package.json');

describe('language table', () => {
  it('maps the editor language ids to the corpus languages', () => {
    assert.deepStrictEqual(Object.entries(LANGUAGE_IDS), [
      ['python', 'python'],
      ['javascript', 'javascript'],
      ['javascriptreact', 'javascript'],
      ['typescript', 'typescript'],
      ['typescriptreact', 'tsx'],
      ['java', 'java'],
      ['go', 'go'],
      ['rust', 'rust'],
      ['csharp', 'c-sharp'],
      ['cpp', 'cpp'],
      ['c', 'cpp'],
      ['php', 'php'],
      ['ruby', 'ruby'],
    ]);
    assert.deepStrictEqual(SUPPORTED_LANGUAGE_IDS, Object.keys(LANGUAGE_IDS));
  });

  it('gives each language its usual extension, which maps back to the language', () => {
    assert.deepStrictEqual(
      CORPUS_LANGUAGES.map((l) => usualExtension(l)),
      ['.py', '.js', '.ts', '.tsx', '.java', '.go', '.rs', '.cs', '.cpp', '.php', '.rb'],
    );
    for (const lang of CORPUS_LANGUAGES) {
      assert.strictEqual(LANGUAGE_SPECS[lang].name, lang);
      assert.strictEqual(languageOfPath(`a/b${usualExtension(lang).toUpperCase()}`), lang);
    }
  });

  it('every language has a comment style and doc formats', () => {
    assert.deepStrictEqual(Object.keys(COMMENT_STYLES).sort(), [...CORPUS_LANGUAGES].sort());
    assert.deepStrictEqual(Object.keys(LANGUAGE_FORMATS).sort(), [...CORPUS_LANGUAGES].sort());
  });

  it("package.json activates on exactly the table's editor language ids", () => {
    const pkg = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { activationEvents: string[] };
    const onLanguage = pkg.activationEvents
      .filter((e) => e.startsWith('onLanguage:'))
      .map((e) => e.slice('onLanguage:'.length));
    assert.deepStrictEqual(onLanguage, [...SUPPORTED_LANGUAGE_IDS]);
  });
});
