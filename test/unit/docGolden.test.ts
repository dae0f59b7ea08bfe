/**
 * Golden files for whole doc comments: every fixture under test/fixtures/docs documented with
 * every format its language accepts (and once summary-only), compared byte for byte with
 * test/fixtures/docs/golden. `UPDATE_GOLDEN=1 npx mocha out/test/unit/docGolden.test.js`
 * rewrites them; review the diff before committing.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { languageOfPath } from '../../src/parsing/languages';
import { DocAnalyzer } from '../../src/docComments/analyze';
import { LANGUAGE_FORMATS, type DocFormat, type DocSections } from '../../src/docComments/formats';
import { applyInsertions, documentAll } from '../../src/docComments/insert';

const DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'docs');
const GOLDEN = path.join(DIR, 'golden');

describe('doc comment golden files', function () {
  this.timeout(60_000);
  const analyzer = new DocAnalyzer();
  after(() => analyzer.dispose());
  const files = fs.readdirSync(DIR).filter((f) => fs.statSync(path.join(DIR, f)).isFile());

  it('covers every language', () => {
    const langs = new Set(files.map((f) => languageOfPath(f)));
    for (const lang of Object.keys(LANGUAGE_FORMATS)) if (lang !== 'tsx') assert.ok(langs.has(lang as never), lang);
  });

  for (const file of files) {
    const lang = languageOfPath(file)!;
    const cases: [DocFormat, DocSections][] = [
      ...LANGUAGE_FORMATS[lang].map((f): [DocFormat, DocSections] => [f, 'full']),
      [LANGUAGE_FORMATS[lang][0]!, 'summary'],
    ];
    for (const [format, sections] of cases) {
      it(`${file} in ${format} (${sections})`, async () => {
        const text = fs.readFileSync(path.join(DIR, file), 'utf8');
        const lines = text.split('\n');
        const functions = await analyzer.analyze(lang, text);
        const edits = documentAll(
          functions,
          // A stand-in for the model's sentence, so the goldens test the layout only.
          (fn) => ({ lang, format, sections, descriptions: { summary: `summary of ${fn.shape.name}` } }),
          lines,
          { eol: '\n', indentUnit: lang === 'go' ? '\t' : '    ' },
        );
        const actual = applyInsertions(lines, edits, '\n');
        const golden = path.join(GOLDEN, `${file}.${format}${sections === 'summary' ? '.summary' : ''}.golden`);
        if (process.env.UPDATE_GOLDEN) {
          fs.mkdirSync(GOLDEN, { recursive: true });
          fs.writeFileSync(golden, actual);
        }
        assert.strictEqual(actual, fs.readFileSync(golden, 'utf8'));
      });
    }
  }
});
