/**
 * The host side of recording verdicts (src/host/corrections.ts) on the VS Code stand-in: a
 * generated comment recorded at insertion is judged when its file is saved and stored in the
 * workspace's storage folder only, and remembered for the decoder at once; nothing is recorded
 * in an untrusted workspace or with seq2seq.learning.mode off.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { fake, installFakeVscode, TextDocument, Uri, vscodeStub } from './helpers/fakeVscode';
import { DocAnalyzer } from '../../src/docComments/analyze';
import { resolveFormat } from '../../src/docComments/formats';
import { planDocInsertion } from '../../src/docComments/insert';
import { snippetPlainText } from '../../src/docComments/snippet';

installFakeVscode();

const PY = ['def distance(x1, y1):', '    return abs(x1 - y1)', ''].join('\n');
const log = { info: () => undefined, warn: () => undefined };

describe('recording verdicts in the extension host', function () {
  this.timeout(60_000);
  const analyzer = new DocAnalyzer();
  let dir: string;
  /* eslint-disable-next-line @typescript-eslint/consistent-type-imports -- loaded after the stand-in */
  let host: typeof import('../../src/host/corrections');

  before(async () => {
    host = await import('../../src/host/corrections');
  });
  beforeEach(() => {
    fake.reset();
    vscodeStub.workspace.isTrusted = true;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recorder-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  after(() => analyzer.dispose());

  /** A document with the builder's comment inserted into distance(), and what was inserted. */
  async function inserted(): Promise<{
    doc: TextDocument;
    snippet: string;
    fn: Awaited<ReturnType<DocAnalyzer['analyze']>>[number];
  }> {
    const fn = (await analyzer.analyze('python', PY))[0]!;
    const ins = planDocInsertion(
      fn,
      {
        lang: 'python',
        format: resolveFormat('python', undefined),
        sections: 'full',
        descriptions: { summary: 'Return the distance between two numbers', code: fn.code },
      },
      PY.split('\n'),
      { eol: '\n', indentUnit: '    ', snippet: true },
    )!;
    const lines = PY.split('\n');
    lines.splice(ins.line, 0, snippetPlainText(ins.text).replace(/\n$/, ''));
    return { doc: new TextDocument(Uri.file('/ws/demo.py'), 'python', lines.join('\n')), snippet: ins.text, fn };
  }

  it('stores the verdict of a save in the workspace storage folder', async () => {
    const recorder = new host.CorrectionRecorder(Uri.file(dir) as never, log);
    const { doc, snippet, fn } = await inserted();
    recorder.recordInsertion(doc as never, 'python', fn, snippet);
    doc.setText(doc.getText().replace('Return the distance between two numbers.', 'Absolute gap.'));
    const judged = await recorder.judge(doc as never);
    assert.strictEqual(judged.length, 1);
    const stored = recorder.store!.list();
    assert.deepStrictEqual(
      stored[0]!.parts.map((p) => [p.part, p.verdict, p.now]),
      [['summary', 'edited', 'Absolute gap.']],
    );
    assert.deepStrictEqual(fs.readdirSync(dir), ['corrections.json']);
    // Remembered at once for the decoder, unless the setting says no.
    assert.deepStrictEqual(
      recorder.remembered().map((c) => [c.path, c.summary, c.code.startsWith('def distance')]),
      [['/ws/demo.py', 'Absolute gap.', true]],
    );
    fake.settings.set('seq2seq.learning.rememberCorrections', false);
    assert.deepStrictEqual(recorder.remembered(), []);
    fake.settings.delete('seq2seq.learning.rememberCorrections');
    // A later save judges it again: the user put the text back.
    doc.setText(doc.getText().replace('Absolute gap.', 'Return the distance between two numbers.'));
    await recorder.judge(doc as never);
    assert.strictEqual(recorder.store!.list()[0]!.parts[0]!.verdict, 'kept');
    assert.strictEqual(recorder.store!.list().length, 1);
    assert.deepStrictEqual(
      recorder.remembered().map((c) => c.summary),
      ['Return the distance between two numbers.'],
    );
    recorder.forget();
    assert.deepStrictEqual(recorder.store!.list(), []);
    assert.deepStrictEqual(recorder.remembered(), []);
    recorder.dispose();
  });

  it('records nothing in an untrusted workspace, with learning off, or without a workspace', async () => {
    const { doc, snippet, fn } = await inserted();
    vscodeStub.workspace.isTrusted = false;
    const untrusted = new host.CorrectionRecorder(Uri.file(dir) as never, log);
    untrusted.recordInsertion(doc as never, 'python', fn, snippet);
    vscodeStub.workspace.isTrusted = true;
    assert.deepStrictEqual(await untrusted.judge(doc as never), [], 'an insertion made while untrusted was kept');
    fake.settings.set('seq2seq.learning.mode', 'off');
    const off = new host.CorrectionRecorder(Uri.file(dir) as never, log);
    assert.strictEqual(off.enabled, false);
    off.recordInsertion(doc as never, 'python', fn, snippet);
    fake.settings.delete('seq2seq.learning.mode');
    assert.deepStrictEqual(await off.judge(doc as never), []);
    assert.strictEqual(new host.CorrectionRecorder(undefined, log).enabled, false);
    assert.deepStrictEqual(fs.readdirSync(dir), []);
  });
});
