/**
 * The user's verdicts on generated doc comments: a comment written by the real builder is
 * inserted into a real file, the file is edited (the comment, or other parts of the file) and
 * "saved", mining reads it back, and each generated part is judged kept, edited (with the
 * correction) or deleted. Also the store: secrets scrubbed, atomic, forget; and the weighted pairs
 * a learning run trains on.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { DocAnalyzer, type AnalyzedFunction } from '../../src/docComments/analyze';
import { resolveFormat } from '../../src/docComments/formats';
import { applyInsertions, planDocInsertion } from '../../src/docComments/insert';
import { snippetPlainText } from '../../src/docComments/snippet';
import type { CorpusLanguage } from '../../src/parsing/languages';
import { Miner } from '../../src/mining/mine';
import { SCRUBBED } from '../../src/retrieval/secrets';
import {
  CORRECTION_WEIGHT,
  CorrectionStore,
  correctionPairs,
  generatedParts,
  judgeSave,
  signatureOf,
  type Correction,
  type Insertion,
} from '../../src/learning/corrections';

const PY = [
  'import math',
  '',
  '',
  'def circle_area(radius):',
  '    return math.pi * radius * radius',
  '',
  '',
  'def distance(x1, y1, scale=1.0):',
  '    dx = x1 - y1',
  '    return math.sqrt(dx * dx) * scale',
  '',
].join('\n');

const TS = [
  'export function clamp(value: number, low: number, high: number): number {',
  '  return Math.min(high, Math.max(low, value));',
  '}',
  '',
].join('\n');

const analyzer = new DocAnalyzer();
const miner = new Miner();

/** Inserts the builder's comment for `name` as the editor would (placeholders as their text); returns the text and the insertion record. */
async function insertComment(
  lang: CorpusLanguage,
  text: string,
  name: string,
  summary: string,
  params: Record<string, string>,
): Promise<{ text: string; insertion: Insertion }> {
  const fn = (await analyzer.analyze(lang, text)).find((f: AnalyzedFunction) => f.shape.name === name)!;
  const lines = text.split('\n');
  const ins = planDocInsertion(
    fn,
    {
      lang,
      format: resolveFormat(lang, undefined),
      sections: 'full',
      descriptions: { summary, params, code: fn.code },
    },
    lines,
    { eol: '\n', indentUnit: '    ', snippet: true },
  )!;
  const plain = snippetPlainText(ins.text);
  const insertion: Insertion = {
    id: `${name}-1`,
    uri: `file:///ws/demo.${lang === 'python' ? 'py' : 'ts'}`,
    path: `/ws/demo.${lang === 'python' ? 'py' : 'ts'}`,
    lang,
    name,
    signature: signatureOf(fn.code, name),
    line: fn.startLine + 1,
    insertedAt: '2026-01-01T00:00:00.000Z',
    parts: generatedParts(plain),
  };
  return { text: applyInsertions(lines, [{ line: ins.line, text: plain }], '\n'), insertion };
}

async function save(lang: CorpusLanguage, insertion: Insertion, text: string): Promise<Correction | undefined> {
  const pairs = await miner.mine({ path: insertion.path, content: text }, lang);
  return judgeSave(insertion, pairs, text);
}

const verdicts = (c: Correction | undefined): Record<string, string> =>
  Object.fromEntries((c?.parts ?? []).map((p) => [p.part, p.verdict]));

describe('corrections: what the user did with a generated comment', function () {
  this.timeout(60_000);
  after(() => {
    analyzer.dispose();
    miner.dispose();
  });

  it('records only the generated parts, not the placeholders', async () => {
    const { insertion } = await insertComment('python', PY, 'distance', 'Return the distance between two points', {
      x1: 'The first coordinate',
    });
    assert.deepStrictEqual(
      insertion.parts.map((p) => p.part),
      ['summary', 'param x1'],
    );
    assert.strictEqual(insertion.parts[0]!.inserted, 'Return the distance between two points.');
    const none = await insertComment('python', PY, 'distance', '', {});
    assert.deepStrictEqual(none.insertion.parts, []);
  });

  it('kept: saved as inserted, even after the user edited other parts of the file', async () => {
    const { text, insertion } = await insertComment(
      'python',
      PY,
      'distance',
      'Return the distance between two points',
      {
        x1: 'The first coordinate',
      },
    );
    assert.deepStrictEqual(verdicts(await save('python', insertion, text)), { summary: 'kept', 'param x1': 'kept' });
    // Lines added above, another function documented by hand, the body changed.
    const edited = text
      .replace('import math\n', 'import math\nimport os\n\nLIMIT = 3\n')
      .replace('def circle_area(radius):\n', 'def circle_area(radius):\n    """Area of a circle."""\n')
      .replace('return math.sqrt(dx * dx) * scale', 'return abs(dx) * scale');
    const c = await save('python', insertion, edited);
    assert.deepStrictEqual(verdicts(c), { summary: 'kept', 'param x1': 'kept' });
    assert.strictEqual(c!.line, insertion.line + 4);
    assert.match(c!.code, /return abs\(dx\) \* scale/);
    assert.doesNotMatch(c!.code, /Return the distance/, 'the code is stored without its doc comment, as mined');
  });

  it('edited: the new text is the correction; a part left alone stays kept', async () => {
    const { text, insertion } = await insertComment(
      'python',
      PY,
      'distance',
      'Return the distance between two points',
      {
        x1: 'The first coordinate',
      },
    );
    const c = await save(
      'python',
      insertion,
      text.replace('Return the distance between two points.', 'Scaled gap between x1 and y1.'),
    );
    assert.deepStrictEqual(verdicts(c), { summary: 'edited', 'param x1': 'kept' });
    assert.strictEqual(c!.parts[0]!.now, 'Scaled gap between x1 and y1.');
    const p = await save('python', insertion, text.replace('The first coordinate.', 'Where the gap starts.'));
    assert.deepStrictEqual(verdicts(p), { summary: 'kept', 'param x1': 'edited' });
    assert.strictEqual(p!.parts[1]!.now, 'Where the gap starts.');
  });

  it('deleted: the comment removed; a renamed function gives no verdict', async () => {
    const { text, insertion } = await insertComment(
      'python',
      PY,
      'distance',
      'Return the distance between two points',
      {
        x1: 'The first coordinate',
      },
    );
    assert.deepStrictEqual(verdicts(await save('python', insertion, PY)), {
      summary: 'deleted',
      'param x1': 'deleted',
    });
    assert.strictEqual(await save('python', insertion, text.replace('def distance(', 'def gap(')), undefined);
  });

  it('works the same for a JSDoc comment in TypeScript', async () => {
    const { text, insertion } = await insertComment('typescript', TS, 'clamp', 'Clamp a value between two bounds', {
      low: 'The lowest value allowed',
    });
    const kept = await save('typescript', insertion, text);
    assert.deepStrictEqual(verdicts(kept), { summary: 'kept', 'param low': 'kept' });
    const c = await save(
      'typescript',
      insertion,
      `// header\n${text.replace('Clamp a value between two bounds.', 'Keeps value within [low, high].')}`,
    );
    assert.deepStrictEqual(verdicts(c), { summary: 'edited', 'param low': 'kept' });
    assert.strictEqual(c!.line, kept!.line + 1);
  });

  it('stores in the given folder only, scrubs secrets, forgets; learning pairs are weighted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corrections-'));
    try {
      const { text, insertion } = await insertComment(
        'python',
        PY,
        'distance',
        'Return the distance between two points',
        {},
      );
      const key = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
      const withKey = text
        .replace('dx = x1 - y1', `dx = x1 - y1  # token "${key}"`)
        .replace('Return the distance between two points.', `Uses ${key} for the gap.`);
      const c = (await save('python', insertion, withKey))!;
      const store = new CorrectionStore(dir);
      store.put([c]);
      const raw = fs.readFileSync(store.file, 'utf8');
      assert.ok(!raw.includes(key), 'a key reached the store');
      assert.ok(raw.includes(SCRUBBED));
      assert.deepStrictEqual(fs.readdirSync(dir), ['corrections.json']);
      // The same insertion judged again replaces its entry.
      store.put([(await save('python', insertion, text))!]);
      const [only] = store.list();
      assert.strictEqual(store.list().length, 1);
      assert.strictEqual(only!.parts[0]!.verdict, 'kept');
      const pairs = correctionPairs([
        only!,
        { ...only!, id: 'x', parts: [{ ...only!.parts[0]!, verdict: 'edited', now: 'Gap.' }] },
        { ...only!, id: 'y', parts: [{ ...only!.parts[0]!, verdict: 'deleted' }] },
      ]);
      assert.strictEqual(pairs.length, CORRECTION_WEIGHT.kept + CORRECTION_WEIGHT.edited);
      assert.strictEqual(pairs.filter((p) => p.summary === 'Gap.').length, CORRECTION_WEIGHT.edited);
      // A damaged file is set aside, not overwritten.
      fs.writeFileSync(store.file, '{ not json');
      assert.deepStrictEqual(store.list(), []);
      assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('corrections.json.damaged-')));
      store.clear();
      assert.ok(!fs.existsSync(store.file));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
