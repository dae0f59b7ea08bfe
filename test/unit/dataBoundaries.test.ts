/**
 * The data layer and its CLI commands run in plain Node (mocha, the worker, the CLI): no
 * `vscode`, no DOM, and no TensorFlow.js at load time (batching imports only the Batch type).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..', '..');
const sources = [
  ...fs.readdirSync(path.join(ROOT, 'src', 'data')).map((f) => path.join('src', 'data', f)),
  path.join('src', 'cli', 'dataCommands.ts'),
].filter((f) => f.endsWith('.ts'));

describe('data layer boundaries', () => {
  it('imports neither vscode nor the DOM, and TensorFlow.js only as types', () => {
    assert.ok(sources.length >= 10, `found ${sources.length} sources`);
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

  it('loading the data modules loads no TensorFlow.js', () => {
    const before = new Set(Object.keys(require.cache));
    for (const file of sources) require(path.join(ROOT, 'out', file.replace(/\.ts$/, '.js')));
    const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
    assert.ok(
      !loaded.some((k) => k.includes('@tensorflow')),
      loaded.filter((k) => k.includes('@tensorflow')).join('\n'),
    );
  });
});
