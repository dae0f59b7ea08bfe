/**
 * Model folders: save -> load gives identical outputs, extra files travel in the same atomic
 * write, and missing, corrupt, truncated or version-mismatched folders are rejected with a
 * ModelLoadError that says what is wrong, leaving nothing allocated.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { float16Bits, loadModel, ModelLoadError, saveModel } from '../../src/modelFolder/checkpoint';
import { CONFIG_FILE, MANIFEST_FILE, WEIGHTS_FILE } from '../../src/modelFolder/format';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import { beamSearch } from '../../src/core/search';

function outputs(model: Seq2SeqModel): number[] {
  return tf.tidy(() => {
    const src = tf.tensor2d([[4, 7, 8, 9, 2]], undefined, 'int32');
    const tgt = tf.tensor2d([[1, 7, 8]], undefined, 'int32');
    return Array.from(model.logits(src, tf.ones([1, 5]) as tf.Tensor2D, tgt, false).dataSync());
  });
}

describe('checkpoint', () => {
  let root: string;
  let model: Seq2SeqModel;
  let good: string;
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ckpt-'));
    model = buildModel(
      { cell: 'lstm', attention: 'bahdanau', embeddingDim: 6, hiddenDim: 8, encoderLayers: 2 },
      14,
      13,
      9,
    );
    good = path.join(root, 'good');
    await saveModel(
      model,
      good,
      { tokenizer: 'tokenizer.json', metrics: { bleu: 12.5 } },
      { extraFiles: { 'tokenizer.json': '{"v":1}' } },
    );
  });
  after(() => {
    model.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  for (const config of [
    { cell: 'lstm' as const, attention: 'bahdanau' as const },
    { arch: 'transformer' as const, dModel: 8, heads: 2, ffDim: 16, tieEmbeddings: true },
    { arch: 'cnn' as const, kernelWidth: 3, decoderLayers: 2 },
  ]) {
    it(`save -> load reproduces outputs and decoding exactly (${config.arch ?? 'rnn'})`, async () => {
      const m = buildModel({ ...config, embeddingDim: 6, hiddenDim: 8 }, 14, 13, 4);
      const dir = path.join(root, `rt-${config.arch ?? 'rnn'}`);
      await saveModel(m, dir);
      const before = tf.memory().numTensors;
      const { model: loaded, meta } = await loadModel(dir);
      assert.strictEqual(meta.formatVersion, 1);
      assert.deepStrictEqual(loaded.config, m.config);
      assert.deepStrictEqual(outputs(loaded), outputs(m));
      assert.deepStrictEqual(
        beamSearch(loaded, [4, 7, 8, 2], { maxLength: 5 }),
        beamSearch(m, [4, 7, 8, 2], { maxLength: 5 }),
      );
      loaded.dispose();
      assert.strictEqual(tf.memory().numTensors, before, 'dispose frees everything load allocated');
      m.dispose();
    });
  }

  it('converts float32 to IEEE half precision bits, rounding to nearest even', () => {
    assert.strictEqual(float16Bits(0), 0);
    assert.strictEqual(float16Bits(-0), 0x8000);
    assert.strictEqual(float16Bits(1), 0x3c00);
    assert.strictEqual(float16Bits(-2), 0xc000);
    assert.strictEqual(float16Bits(65504), 0x7bff);
    assert.strictEqual(float16Bits(1e6), 0x7c00);
    assert.strictEqual(float16Bits(2 ** -24), 0x0001); // the smallest subnormal
    assert.strictEqual(float16Bits(2 ** -26), 0); // below half of it
    assert.strictEqual(float16Bits(1 + 2 ** -11), 0x3c00); // a tie rounds to even (down)
    assert.strictEqual(float16Bits(1 + 3 * 2 ** -11), 0x3c02); // a tie rounds to even (up)
    assert.strictEqual(float16Bits(0.1), 0x2e66);
    assert.strictEqual(float16Bits(NaN) & 0x7c00, 0x7c00);
  });

  it('stores weights as float16 on request: half the bytes, outputs within float16 precision', async () => {
    const dir = path.join(root, 'half');
    await saveModel(model, dir, {}, { float16: true });
    const full = fs.statSync(path.join(good, WEIGHTS_FILE)).size;
    assert.strictEqual(fs.statSync(path.join(dir, WEIGHTS_FILE)).size, full / 2);
    const { model: loaded } = await loadModel(dir);
    try {
      const a = outputs(model);
      const b = outputs(loaded);
      const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
      assert.ok(worst > 0 && worst < 1e-2, `largest logit difference ${worst}`);
    } finally {
      loaded.dispose();
    }
  });

  it('writes the TensorFlow.js weights format, metadata and extra files, and replaces a folder atomically', async () => {
    const files = fs.readdirSync(good).sort();
    assert.deepStrictEqual(files, [CONFIG_FILE, 'tokenizer.json', WEIGHTS_FILE, MANIFEST_FILE].sort());
    const manifest = JSON.parse(fs.readFileSync(path.join(good, MANIFEST_FILE), 'utf8')) as tf.io.WeightsManifestConfig;
    assert.deepStrictEqual(manifest[0]!.paths, [WEIGHTS_FILE]);
    assert.ok(manifest[0]!.weights.some((w) => w.name === 'encoder/l0/fw/wx' && w.dtype === 'float32'));
    const { model: loaded, meta } = await loadModel(good);
    assert.strictEqual(meta.tokenizer, 'tokenizer.json');
    assert.deepStrictEqual(meta.metrics, { bleu: 12.5 });
    loaded.dispose();
    // Saving again over the folder leaves no temporary siblings and drops stale files.
    const dir = path.join(root, 'replace');
    await saveModel(model, dir, {}, { extraFiles: { 'stale.txt': 'x' } });
    await saveModel(model, dir);
    assert.ok(!fs.existsSync(path.join(dir, 'stale.txt')));
    assert.deepStrictEqual(
      fs.readdirSync(root).filter((f) => f.startsWith('.')),
      [],
    );
    await assert.rejects(
      saveModel(model, path.join(root, 'bad'), {}, { extraFiles: { '../evil': 'x' } }),
      /not a plain file name/,
    );
    assert.ok(!fs.existsSync(path.join(root, 'bad')));
  });

  /** Copies the good folder, breaks it, and expects a ModelLoadError matching `pattern`. */
  async function expectBroken(name: string, breakIt: (dir: string) => void, pattern: RegExp): Promise<void> {
    const dir = path.join(root, name);
    fs.cpSync(good, dir, { recursive: true });
    breakIt(dir);
    const before = tf.memory().numTensors;
    await assert.rejects(loadModel(dir), (e: unknown) => {
      assert.ok(e instanceof ModelLoadError, `not a ModelLoadError: ${String(e)}`);
      assert.match(e.message, pattern);
      return true;
    });
    assert.strictEqual(tf.memory().numTensors, before, 'nothing half-loaded');
  }

  it('rejects missing, corrupt, truncated and version-mismatched folders clearly', async () => {
    await assert.rejects(loadModel(path.join(root, 'nope')), /does not exist/);
    await expectBroken('no-config', (d) => fs.rmSync(path.join(d, CONFIG_FILE)), /config\.json is missing/);
    await expectBroken('bad-json', (d) => fs.writeFileSync(path.join(d, CONFIG_FILE), '{"formatVer'), /not valid JSON/);
    await expectBroken(
      'version',
      (d) => {
        const c = JSON.parse(fs.readFileSync(path.join(d, CONFIG_FILE), 'utf8')) as Record<string, unknown>;
        fs.writeFileSync(path.join(d, CONFIG_FILE), JSON.stringify({ ...c, formatVersion: 99 }));
      },
      /format version 99.*reads version 1.*Update the extension/,
    );
    await expectBroken(
      'bad-config',
      (d) => {
        const c = JSON.parse(fs.readFileSync(path.join(d, CONFIG_FILE), 'utf8')) as { config: Record<string, unknown> };
        c.config.hiddenDim = -1;
        fs.writeFileSync(path.join(d, CONFIG_FILE), JSON.stringify(c));
      },
      /invalid configuration.*hiddenDim/,
    );
    await expectBroken(
      'truncated',
      (d) => {
        const p = path.join(d, WEIGHTS_FILE);
        fs.writeFileSync(p, fs.readFileSync(p).subarray(0, 100));
      },
      /truncated/,
    );
    await expectBroken(
      'flipped',
      (d) => {
        const p = path.join(d, WEIGHTS_FILE);
        const b = fs.readFileSync(p);
        b[10] = b[10]! ^ 0xff;
        fs.writeFileSync(p, b);
      },
      /checksum/,
    );
    await expectBroken('no-weights', (d) => fs.rmSync(path.join(d, WEIGHTS_FILE)), /weights\.bin is missing/);
    await expectBroken('bad-manifest', (d) => fs.writeFileSync(path.join(d, MANIFEST_FILE), '[]'), /lists no weights/);
    await expectBroken(
      'renamed-weight',
      (d) => {
        const p = path.join(d, MANIFEST_FILE);
        fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('"encoder/l0/fw/wx"', '"encoder/l0/fw/wy"'));
      },
      /encoder\/l0\/fw\/wx is missing/,
    );
  });
});
