import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { ModelStore, DEFAULT_MODEL_ID } from '../../src/host/modelStore';

const TOKENIZER = JSON.stringify(CodeTokenizer.train(['a b c'], { vocabSize: 270, minFrequency: 1 }).toJSON());

function fakeModel(dir: string, metrics: Record<string, number> = { bleu: 12.5 }): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ config: { arch: 'rnn' }, meta: { createdAt: '2026-01-01', metrics, training: { corpus: 'ws' } } }),
  );
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(16, 1));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), TOKENIZER);
  return dir;
}

describe('model store', () => {
  let tmp: string;
  let store: ModelStore;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
    store = new ModelStore(path.join(tmp, 'models'), fakeModel(path.join(tmp, 'bundled')));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lists the bundled default first, with its summary', () => {
    const list = store.list();
    assert.deepStrictEqual(
      list.map((m) => [m.id, m.bundled]),
      [[DEFAULT_MODEL_ID, true]],
    );
    assert.strictEqual(list[0]!.summary?.metrics?.bleu, 12.5);
    assert.strictEqual(list[0]!.summary?.corpus, 'ws');
    assert.strictEqual(list[0]!.summary?.arch, 'rnn');
  });

  it('imports a validated folder under a free name and exports it back', async () => {
    const src = fakeModel(path.join(tmp, 'mine'));
    const a = await store.import(src, async () => undefined);
    const b = await store.import(src, async () => undefined);
    assert.deepStrictEqual([a.id, b.id], ['mine', 'mine-2']);
    assert.deepStrictEqual(fs.readFileSync(path.join(a.dir, 'weights.bin')), Buffer.alloc(16, 1));
    const out = path.join(tmp, 'exported');
    store.export('mine', out);
    assert.ok(fs.existsSync(path.join(out, 'config.json')));
    assert.throws(() => store.export('mine', out), /already exists/);
  });

  it('leaves the store untouched when validation rejects a model', async () => {
    const src = fakeModel(path.join(tmp, 'broken'));
    await assert.rejects(
      store.import(src, async () => {
        throw new Error('weights are truncated');
      }),
      /truncated/,
    );
    assert.deepStrictEqual(
      store.list().map((m) => m.id),
      [DEFAULT_MODEL_ID],
    );
    assert.ok(!fs.existsSync(store.root) || fs.readdirSync(store.root).length === 0);
  });

  it('refuses folders that are not models, and never deletes the bundled one', async () => {
    fs.mkdirSync(path.join(tmp, 'empty'));
    await assert.rejects(
      store.import(path.join(tmp, 'empty'), async () => undefined),
      /no config.json/,
    );
    assert.throws(() => store.delete(DEFAULT_MODEL_ID), /cannot be deleted/);
  });

  it('deletes a user model', async () => {
    await store.import(fakeModel(path.join(tmp, 'x')), async () => undefined);
    store.delete('x');
    assert.strictEqual(store.get('x'), undefined);
  });
});
