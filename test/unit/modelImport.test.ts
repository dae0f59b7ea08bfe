import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/model';
import { saveModel } from '../../src/modelFolder/checkpoint';
import { loadTokenizerFile, MAX_TOKENIZER_BYTES } from '../../src/modelFolder/sideFiles';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { ModelStore } from '../../src/host/modelStore';
import { ModelRunner } from '../../src/inference/modelRunner';

const SECRET = 'root:x:0:0:SECRET-LINE-THAT-MUST-NOT-LEAK';
const TOKENIZER = JSON.stringify(
  CodeTokenizer.train(['def f(x):\n    return x', 'Return x.'], { vocabSize: 280, minFrequency: 1 }).toJSON(),
);

/** A model folder as the store sees it (config.json + tokenizer), with optional changes. */
function modelFolder(dir: string, meta: Record<string, unknown> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ config: { arch: 'rnn' }, meta: { tokenizer: 'tokenizer.json', ...meta } }),
  );
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), TOKENIZER);
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(16, 1));
  return dir;
}

describe('model import and model files', () => {
  let tmp: string;
  let store: ModelStore;
  let secretFile: string;
  let validated: number;
  const validate = async (): Promise<void> => void validated++;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-import-'));
    store = new ModelStore(path.join(tmp, 'models'));
    secretFile = path.join(tmp, 'secret.txt');
    fs.writeFileSync(secretFile, `${SECRET}\n`);
    validated = 0;
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** The import's error; the store must be left empty (no model, no temporary folder). */
  async function refused(source: string): Promise<string> {
    const error = await store.import(source, validate).then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    assert.ok(error, 'the import was accepted');
    assert.ok(!error.includes('SECRET'), `the message leaks the file: ${error}`);
    assert.deepStrictEqual(fs.existsSync(store.root) ? fs.readdirSync(store.root) : [], []);
    return error;
  }

  it('refuses a tokenizer.json that is a symbolic link, without quoting the target', async () => {
    const src = modelFolder(path.join(tmp, 'linked'));
    fs.rmSync(path.join(src, 'tokenizer.json'));
    fs.symlinkSync(secretFile, path.join(src, 'tokenizer.json'));
    assert.match(await refused(src), /tokenizer\.json is a symbolic link/);
    assert.strictEqual(validated, 0);
  });

  it('refuses a linked folder inside the model folder', async () => {
    const src = modelFolder(path.join(tmp, 'dirlink'));
    fs.symlinkSync(tmp, path.join(src, 'extra'));
    assert.match(await refused(src), /extra is a symbolic link/);
  });

  it('refuses meta.tokenizer and a memory name that leave the folder', async () => {
    fs.copyFileSync(secretFile, path.join(tmp, 'tok.json'));
    assert.match(
      await refused(modelFolder(path.join(tmp, 'up'), { tokenizer: '../tok.json' })),
      /not a file inside the model folder/,
    );
    assert.match(
      await refused(modelFolder(path.join(tmp, 'mem'), { retrieval: { memory: '../../../etc/passwd' } })),
      /not a file inside the model folder/,
    );
  });

  it('checks tokenizer.json and memory.json at import: JSON, schema and size', async () => {
    const notJson = modelFolder(path.join(tmp, 'notjson'));
    fs.copyFileSync(secretFile, path.join(notJson, 'tokenizer.json'));
    assert.match(await refused(notJson), /tokenizer\.json is not valid JSON/);

    const badIds = modelFolder(path.join(tmp, 'badids'));
    const tok = JSON.parse(TOKENIZER) as { model: { vocab: Record<string, number> } };
    tok.model.vocab[SECRET] = 1e9;
    fs.writeFileSync(path.join(badIds, 'tokenizer.json'), JSON.stringify(tok));
    assert.match(await refused(badIds), /tokenizer\.json is not a valid tokenizer/);

    const huge = modelFolder(path.join(tmp, 'huge'));
    fs.truncateSync(path.join(huge, 'tokenizer.json'), MAX_TOKENIZER_BYTES + 1);
    assert.match(await refused(huge), /tokenizer\.json is \d+ bytes, more than/);

    const memory = modelFolder(path.join(tmp, 'memory'), { retrieval: { memory: 'memory.json' } });
    fs.writeFileSync(
      path.join(memory, 'memory.json'),
      JSON.stringify({ version: 2, paths: ['a'], summaries: [{ x: SECRET }], subtokens: ['a'] }),
    );
    assert.match(await refused(memory), /memory\.json is not a valid example memory/);
    assert.strictEqual(validated, 0, 'the engine was asked to load a folder whose files are bad');
  });

  it('copies file contents: the import survives deleting the source', async () => {
    const src = modelFolder(path.join(tmp, 'good'));
    const entry = await store.import(src, validate);
    assert.strictEqual(validated, 1);
    fs.rmSync(src, { recursive: true });
    assert.strictEqual(fs.readFileSync(path.join(entry.dir, 'tokenizer.json'), 'utf8'), TOKENIZER);
    for (const f of fs.readdirSync(entry.dir)) assert.ok(fs.lstatSync(path.join(entry.dir, f)).isFile());
  });

  it('the model loader refuses a tokenizer outside the folder and never quotes a file', async () => {
    await tf.setBackend('cpu');
    const tokenizer = CodeTokenizer.fromJSON(JSON.parse(TOKENIZER));
    const model = buildModel(
      { arch: 'rnn', cell: 'gru', attention: 'luong-general', embeddingDim: 8, hiddenDim: 8, maxTgtLen: 8 },
      tokenizer.vocabSize,
      tokenizer.vocabSize,
      3,
    );
    const dir = path.join(tmp, 'real');
    fs.writeFileSync(path.join(tmp, 'outside.json'), SECRET);
    await saveModel(model, dir, { tokenizer: '../outside.json' }, { extraFiles: { 'tokenizer.json': TOKENIZER } });
    model.dispose();
    await assert.rejects(ModelRunner.load(dir), (e: Error) => {
      assert.match(e.message, /not a file inside the model folder/);
      assert.ok(!e.message.includes('SECRET'));
      return true;
    });
    fs.writeFileSync(path.join(dir, 'bad.json'), SECRET);
    assert.throws(
      () => loadTokenizerFile(dir, 'bad.json'),
      (e: Error) => /bad\.json is not valid JSON/.test(e.message) && !e.message.includes('SECRET'),
    );
  });
});
