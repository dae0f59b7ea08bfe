/**
 * The folders below the model, and the CLI's data commands, run in plain Node (mocha, the worker,
 * the CLI, the extension host before a model is used): no `vscode`, no DOM, and no TensorFlow.js at
 * load time (batching imports only the Batch type). In src/modelFolder only the weights
 * (checkpoint.ts) and the interchange file (interchange.ts) load TensorFlow.js.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..', '..');
const TF_FREE_FOLDERS = ['files', 'tokenizer', 'parsing', 'retrieval', 'mining', 'docComments', 'editing', 'protocol'];
const WITH_TF = ['src/modelFolder/checkpoint.ts', 'src/modelFolder/interchange.ts'];

const inFolder = (folder: string): string[] =>
  fs.readdirSync(path.join(ROOT, 'src', folder)).map((f) => path.posix.join('src', folder, f));
const sources = [
  ...TF_FREE_FOLDERS.flatMap(inFolder),
  ...inFolder('modelFolder').filter((f) => !WITH_TF.includes(f)),
  'src/cli/dataCommands.ts',
].filter((f) => f.endsWith('.ts'));

describe('TensorFlow-free folders', () => {
  it('import neither vscode nor the DOM, and TensorFlow.js only as types', () => {
    for (const folder of [...TF_FREE_FOLDERS, 'modelFolder']) {
      assert.ok(
        sources.some((f) => f.startsWith(`src/${folder}/`)),
        `found no sources in src/${folder}`,
      );
    }
    for (const file of sources) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const imports = [...text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)];
      for (const [, typeOnly, from] of imports) {
        assert.notStrictEqual(from, 'vscode', `${file} imports vscode`);
        if (from!.includes('tensorflow') || from === '../core/batch') {
          assert.ok(typeOnly, `${file} imports ${from} at run time`);
        }
      }
      assert.ok(!/\b(document|window)\.[a-z]\w*\s*[(=]/.test(text), `${file} touches the DOM`);
    }
  });

  it('loading them all loads no TensorFlow.js (in a fresh process)', () => {
    const files = sources.map((f) => path.join(ROOT, 'out', f.replace(/\.ts$/, '.js')));
    const script =
      `for (const f of ${JSON.stringify(files)}) require(f);` +
      `process.stdout.write(Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).join('\\n'));`;
    const loaded = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.strictEqual(loaded, '');
  });
});
