/**
 * The reader's blind sheet of the card's side-by-side functions (scripts/model-v2/readerSheet.ts)
 * and its count (readerCount.ts): no system named on the sheet, the same sheet for the same seed,
 * identical comments on one line, the right count on a hand-ticked sheet, written into MODEL.md
 * in place of an earlier count, and a sheet that does not match its key refused.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { CorpusRecord } from '../../src/mining/dataset';
import {
  READER_HEADING,
  readerCounts,
  readerSection,
  readerSheet,
  withReaderSection,
  type ReaderKey,
} from '../../scripts/model-v2/readerSheet';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'model-v2', 'readerCount.js');
const JUDGED = ['model', 'bundled v2', 'model, no workspace'];

/** `n` python and `n` ruby functions; `r<i>` documented "reads entry <i>". */
function records(n: number): CorpusRecord[] {
  return Array.from({ length: 2 * n }, (_, i): CorpusRecord => ({
    project: `p${i % 3}`,
    lang: i % 2 ? 'ruby' : 'python',
    path: `f${i}`,
    name: `r${i}`,
    line: 1,
    code: `def r${i}(x):\n### step ${i}: a line the sheet's reader must skip\n    return x[${i}]`,
    doc: '',
    summary: `reads entry ${i}`,
    params: [],
    throws: [],
  }));
}

/** Per system, one comment per record: the first and third agree (bar spacing) on even records, the second says nothing on every third. */
function outputs(pairs: readonly CorpusRecord[]): Record<string, string[]> {
  return {
    model: pairs.map((_, i) => `returns item ${i}`),
    'bundled v2': pairs.map((_, i) => (i % 3 === 0 ? '' : `gets the value ${i}`)),
    'model, no workspace': pairs.map((_, i) => (i % 2 ? `reads ${i}` : `returns  item ${i} `)),
    'bm25 in-project': pairs.map(() => 'a neighbour summary'),
  };
}

/** Ticks, in function `id`'s block, the box of the comment `text`. */
function tick(sheet: string, id: string, text: string): string {
  const start = sheet.indexOf(`### ${id}: `);
  const next = /\n### (python|ruby) \d+: /.exec(sheet.slice(start + 1));
  const block = sheet.slice(start, next ? start + 1 + next.index : undefined);
  const line = new RegExp(`^- \\[ \\] ([A-Z]): ${text}$`, 'm').exec(block);
  assert.ok(line, `no "${text}" in ${id}`);
  return (
    sheet.slice(0, start) + block.replace(line[0], line[0].replace('[ ]', '[x]')) + sheet.slice(start + block.length)
  );
}

describe('reader sheet', () => {
  const pairs = records(25);
  const systems = outputs(pairs);
  const dirs: string[] = [];
  const tempDir = (): string => {
    dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'reader-')));
    return dirs[dirs.length - 1]!;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('shows the side-by-side functions with no system named, the same for a seed, identical comments merged', () => {
    const { sheet, key } = readerSheet(pairs, systems, JUDGED, 7);
    for (const name of [...JUDGED, 'bundled', 'workspace', 'bm25', 'a neighbour summary'])
      assert.ok(!sheet.includes(name), `the sheet names "${name}"`);
    // The card's 20 per language, in its order: python 1 is r0, ruby 20 is r39.
    assert.deepStrictEqual(
      key.functions.map((f) => f.id),
      [
        ...Array.from({ length: 20 }, (_, i) => `python ${i + 1}`),
        ...Array.from({ length: 20 }, (_, i) => `ruby ${i + 1}`),
      ],
    );
    assert.strictEqual(key.functions[0]!.name, 'r0');
    assert.strictEqual(key.functions[39]!.name, 'r39');
    assert.match(sheet, /### python 1: `r0` \(p0\)\n\n```python\ndef r0\(x\):\n/);
    assert.match(sheet, /Author: reads entry 0\n/);
    // r0: model and no workspace wrote the same text (bar spacing), the bundled model nothing.
    const r0 = key.functions[0]!.comments;
    assert.deepStrictEqual(Object.values(r0).sort(), [['bundled v2'], ['model', 'model, no workspace']]);
    const block0 = sheet.slice(sheet.indexOf('### python 1:'), sheet.indexOf('### python 2:'));
    assert.deepStrictEqual(
      block0
        .match(/^- \[ \] [A-Z]: .*$/gm)!
        .map((l) => l.slice(9))
        .sort(),
      ['(nothing)', 'returns item 0'],
    );
    // r1: three different comments.
    assert.strictEqual(Object.keys(key.functions[20]!.comments).length, 3);

    assert.deepStrictEqual(readerSheet(pairs, systems, JUDGED, 7), { sheet, key });
    const other = readerSheet(pairs, systems, JUDGED, 8);
    assert.notStrictEqual(other.sheet, sheet, 'another seed, another order');
    assert.strictEqual(other.sheet.replace(/- \[ \] [A-Z]: .*\n/g, ''), sheet.replace(/- \[ \] [A-Z]: .*\n/g, ''));
  });

  it('counts a hand-ticked sheet per language and system, and writes it into MODEL.md in place of an earlier count', () => {
    const { sheet, key } = readerSheet(pairs, systems, JUDGED, 7);
    let ticked = tick(sheet, 'python 1', 'returns item 0'); // model and no workspace
    ticked = tick(ticked, 'python 2', 'gets the value 2'); // bundled
    ticked = tick(ticked, 'python 2', 'returns item 2'); // model and no workspace
    ticked = tick(ticked, 'ruby 1', 'reads 1'); // no workspace
    ticked = tick(ticked, 'ruby 2', '\\(nothing\\)'); // r3: bundled wrote nothing
    const counts = readerCounts(ticked, key);
    assert.deepStrictEqual(counts, [
      { language: 'python', functions: 20, kept: { model: 2, 'bundled v2': 1, 'model, no workspace': 2 } },
      { language: 'ruby', functions: 20, kept: { model: 0, 'bundled v2': 1, 'model, no workspace': 1 } },
    ]);

    const dir = tempDir();
    const card = '# Card\n\n## Test projects\n\n| a | b |\n\n## 20 test functions per language, side by side\n\nrows\n';
    fs.writeFileSync(path.join(dir, 'MODEL.md'), card);
    fs.writeFileSync(path.join(dir, 'reader-sheet.md'), ticked);
    fs.writeFileSync(path.join(dir, 'reader-key.json'), JSON.stringify(key));
    const count = () => spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
    const first = count();
    assert.strictEqual(first.status, 0, first.stderr);
    const table = [
      '| language | model | bundled v2 | model, no workspace |',
      '|---|---:|---:|---:|',
      '| python | 2 / 20 | 1 / 20 | 2 / 20 |',
      '| ruby | 0 / 20 | 1 / 20 | 1 / 20 |',
    ].join('\n');
    assert.strictEqual(first.stdout, `${table}\n`);
    const written = fs.readFileSync(path.join(dir, 'MODEL.md'), 'utf8');
    assert.ok(written.startsWith(`${card}\n${READER_HEADING}\n\n`), written);
    assert.ok(written.endsWith(`${table}\n`));
    // Counted again after more ticks: one section, the new counts.
    fs.writeFileSync(path.join(dir, 'reader-sheet.md'), tick(ticked, 'ruby 3', 'returns item 5'));
    assert.strictEqual(count().status, 0);
    const again = fs.readFileSync(path.join(dir, 'MODEL.md'), 'utf8');
    assert.strictEqual(again.split(READER_HEADING).length, 2);
    assert.match(again, /\| ruby \| 1 \/ 20 \| 1 \/ 20 \| 1 \/ 20 \|\n$/);
  });

  it('replaces a reader section in the middle of a card, keeping what follows', () => {
    const old = readerSection([{ language: 'go', functions: 1, kept: { model: 0 } }], ['model']);
    const now = readerSection([{ language: 'go', functions: 1, kept: { model: 1 } }], ['model']);
    const card = `# Card\n\n${old}\n\n## Later\n\ntext\n`;
    assert.strictEqual(withReaderSection(card, now), `# Card\n\n${now}\n\n## Later\n\ntext\n`);
    assert.strictEqual(withReaderSection('# Card\n', now), `# Card\n\n${now}\n`);
  });

  it('refuses a sheet whose functions or letters are not the key', () => {
    const { sheet, key } = readerSheet(pairs, systems, JUDGED, 7);
    const refused = (s: string, k: ReaderKey, message: RegExp) =>
      assert.throws(
        () => readerCounts(s, k),
        (e: Error) => /does not match reader-key\.json/.test(e.message) && message.test(e.message),
      );
    refused(sheet.replace(/^- \[ \] C: .*\n/m, ''), key, /has letters A, B, the key A, B, C/);
    refused(sheet.replace('### ruby 20:', '### ruby 21:'), key, /"ruby 21" is not in the key/);
    refused(
      sheet,
      { ...key, functions: [...key.functions, { ...key.functions[0]!, id: 'go 1' }] },
      /"go 1" is missing/,
    );
    // The command says so and leaves MODEL.md alone.
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'MODEL.md'), '# Card\n');
    fs.writeFileSync(path.join(dir, 'reader-sheet.md'), sheet.replace('### python 3:', '### python 33:'));
    fs.writeFileSync(path.join(dir, 'reader-key.json'), JSON.stringify(key));
    const r = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /reader-sheet\.md does not match reader-key\.json: "python 33" is not in the key/);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'MODEL.md'), 'utf8'), '# Card\n');
  });
});
