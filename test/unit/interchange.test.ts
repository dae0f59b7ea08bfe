/**
 * The interchange file (src/modelFolder/interchange.ts) and `seq2seq convert`: a round trip keeps every
 * name, shape, value and the configuration; damaged or foreign files are refused with a message
 * naming the problem; a model folder -> interchange -> model folder round trip keeps the outputs
 * and the tokenizer, and a conversion that cannot be right is refused before anything is written.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { loadModel, saveModel } from '../../src/modelFolder/checkpoint';
import {
  averageInterchange,
  decodeInterchange,
  encodeInterchange,
  InterchangeError,
  modelArrays,
  modelFromInterchange,
  readInterchange,
  writeInterchange,
  writeInterchangeFile,
} from '../../src/modelFolder/interchange';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import { TOKENIZER_FILE } from '../../src/modelFolder/format';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { registerConvert } from '../../src/cli/nativeCommands';
import { runCli } from './cliHarness';

function outputs(model: Seq2SeqModel): number[] {
  return tf.tidy(() => {
    const src = tf.tensor2d([[4, 7, 8, 9, 2, 0]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 0]]);
    const tgt = tf.tensor2d([[1, 7, 8]], undefined, 'int32');
    return Array.from(model.logits(src, mask, tgt, false).dataSync());
  });
}

/** The header of `bytes` as an object, and a function writing a new header over the same data. */
function header(bytes: Buffer): { json: Record<string, unknown>; rewrite: (h: unknown) => Buffer } {
  const n = Number(bytes.readBigUInt64LE(0));
  const json = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  return {
    json,
    rewrite: (h) => {
      const text = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(text.length));
      return Buffer.concat([len, text, bytes.subarray(8 + n)]);
    },
  };
}

describe('interchange file and seq2seq convert', () => {
  let root: string;
  let model: Seq2SeqModel;
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-interchange-'));
    model = buildModel({ embeddingDim: 8, hiddenDim: 8, copy: true, maxSrcLen: 16, maxTgtLen: 8 }, 300, 300, 4);
  });
  after(() => {
    model.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('round trip: names in weight order, shapes, values, configuration and step', async () => {
    const file = path.join(root, 'a.safetensors');
    await writeInterchange(file, model, 1234);
    const ic = readInterchange(file);
    assert.deepStrictEqual(ic.config, model.config);
    assert.strictEqual(ic.step, 1234);
    assert.deepStrictEqual(
      ic.tensors.map((t) => t.name),
      model.weights.map((w) => w.name),
    );
    const bytes = fs.readFileSync(file);
    assert.strictEqual(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
    const back = modelFromInterchange(file);
    try {
      assert.deepStrictEqual(outputs(back.model), outputs(model));
    } finally {
      back.model.dispose();
    }
    assert.deepStrictEqual(fs.readdirSync(root), ['a.safetensors'], 'no temporary file left');
  });

  it('averages checkpoints of one model element by element, at the newest step, and refuses another model', async () => {
    const dir = path.join(root, 'avg');
    const scaled = (k: number) => ({
      config: model.config,
      tensors: modelArrays(model).map((t) => ({ ...t, values: t.values.map((v) => v * k) })),
    });
    await writeInterchangeFile(path.join(dir, 'one.safetensors'), { ...scaled(1), step: 10 });
    await writeInterchangeFile(path.join(dir, 'three.safetensors'), { ...scaled(3), step: 30 });
    await writeInterchangeFile(path.join(dir, 'two.safetensors'), { ...scaled(2), step: 20 });
    const mean = averageInterchange(['one', 'three', 'two'].map((n) => path.join(dir, `${n}.safetensors`)));
    assert.strictEqual(mean.step, 30);
    const want = scaled(2).tensors;
    mean.tensors.forEach((t, i) => {
      assert.strictEqual(t.name, want[i]!.name);
      t.values.forEach((v, j) => assert.ok(Math.abs(v - want[i]!.values[j]!) < 1e-6, `${t.name}[${j}]`));
    });
    const other = buildModel({ embeddingDim: 8, hiddenDim: 12, copy: true, maxSrcLen: 16, maxTgtLen: 8 }, 300, 300, 4);
    try {
      await writeInterchange(path.join(dir, 'other.safetensors'), other, 5);
    } finally {
      other.dispose();
    }
    assert.throws(
      () => averageInterchange([path.join(dir, 'one.safetensors'), path.join(dir, 'other.safetensors')]),
      /other\.safetensors: its model configuration differs; it is not a checkpoint of .*one\.safetensors's run/,
    );
    assert.throws(() => averageInterchange([]), /no files/);
  });

  it('reads float16 tensors (as other tools may write them)', () => {
    const bytes = encodeInterchange(model.config, modelArrays(model));
    const { json } = header(bytes);
    const names = Object.keys(json).filter((k) => k !== '__metadata__');
    // A one-tensor F16 file: 1.5 and -2 are exact in float16.
    const h = { __metadata__: json.__metadata__, x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } };
    const text = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(text.length));
    const data = Buffer.from(new Uint16Array([0x3e00, 0xc000]).buffer);
    const ic = decodeInterchange(Buffer.concat([len, text, data]), 'f16');
    assert.deepStrictEqual(Array.from(ic.tensors[0]!.values), [1.5, -2]);
    assert.ok(names.length > 5);
  });

  it('refuses damaged and foreign files, naming the problem', () => {
    const good = encodeInterchange(model.config, modelArrays(model));
    const { json, rewrite } = header(good);
    const meta = json.__metadata__ as Record<string, string>;
    const first = model.weights[0]!.name;
    const firstSpec = json[first] as { data_offsets: number[] };
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(3), /shorter than/],
      ['truncated', good.subarray(0, good.length - 10), /do not fit/],
      [
        'huge header length',
        Buffer.concat([Buffer.from([255, 255, 255, 255, 0, 0, 0, 0]), good.subarray(8)]),
        /header length/,
      ],
      ['not JSON', rewrite('x').fill(0x41, 8, 12), /not JSON/],
      ['another format', rewrite({ ...json, __metadata__: { ...meta, format: 'other' } }), /format/],
      ['another version', rewrite({ ...json, __metadata__: { ...meta, version: '9' } }), /version/],
      [
        'unknown config key',
        rewrite({ ...json, __metadata__: { ...meta, config: JSON.stringify({ ...model.config, layers: 3 }) } }),
        /configuration/,
      ],
      ['int tensors', rewrite({ ...json, [first]: { ...firstSpec, dtype: 'I32' } }), /dtype I32/],
      [
        'overlapping tensors',
        rewrite({ ...json, extra: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }),
        /overlap/,
      ],
    ];
    for (const [what, bytes, message] of cases) {
      assert.throws(
        () => decodeInterchange(bytes, 'bad.safetensors'),
        (e: unknown) =>
          e instanceof InterchangeError && message.test(e.message) && e.message.includes('bad.safetensors'),
        what,
      );
    }
    assert.throws(() => readInterchange('/dev/zero'), /not a regular file/);
    assert.throws(() => readInterchange(path.join(root, 'missing.safetensors')), /does not exist/);
  });

  it('refuses weights that do not match their configuration', () => {
    const arrays = modelArrays(model);
    const wrongShape = arrays.map((a, i) => (i === 0 ? { ...a, shape: [a.values.length] } : a));
    const missing = arrays.slice(1);
    for (const [what, list, message] of [
      ['a wrong shape', wrongShape, /has shape/],
      ['a missing weight', missing, /is missing/],
    ] as const) {
      const file = path.join(root, 'bad.safetensors');
      fs.writeFileSync(file, encodeInterchange(model.config, list));
      assert.throws(() => modelFromInterchange(file), message, what);
    }
  });

  it('seq2seq convert: model folder -> interchange -> model folder keeps outputs and tokenizer', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `def parse_value_${i}(text): return text.split(${i})`);
    const tokenizer = CodeTokenizer.train(texts, { vocabSize: 300 });
    const folder = path.join(root, 'model');
    await saveModel(
      model,
      folder,
      { tokenizer: TOKENIZER_FILE, step: 77 },
      {
        extraFiles: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()) },
      },
    );
    const file = path.join(root, 'model.safetensors');
    await runCli(registerConvert, ['convert', folder, file]);
    assert.strictEqual(readInterchange(file).step, 77);
    const back = path.join(root, 'back');
    await assert.rejects(runCli(registerConvert, ['convert', file, back]), /--like/);
    assert.ok(!fs.existsSync(back), 'nothing written without --like');
    await runCli(registerConvert, ['convert', file, back, '--like', folder, '--float16']);
    const loaded = await loadModel(back);
    try {
      const a = outputs(loaded.model);
      const b = outputs(model);
      assert.ok(
        a.every((v, i) => Math.abs(v - b[i]!) < 2e-2),
        'float16 weights give nearly the same outputs',
      );
      assert.strictEqual(loaded.meta.step, 77);
      assert.strictEqual(
        fs.readFileSync(path.join(back, TOKENIZER_FILE), 'utf8'),
        fs.readFileSync(path.join(folder, TOKENIZER_FILE), 'utf8'),
      );
    } finally {
      loaded.model.dispose();
    }
    const other = buildModel({ embeddingDim: 8, hiddenDim: 12, copy: true, maxSrcLen: 16, maxTgtLen: 8 }, 300, 300, 4);
    const otherFile = path.join(root, 'other.safetensors');
    await writeInterchange(otherFile, other);
    other.dispose();
    await assert.rejects(
      runCli(registerConvert, ['convert', otherFile, path.join(root, 'x'), '--like', folder]),
      /hiddenDim/,
    );
    await assert.rejects(runCli(registerConvert, ['convert', folder, path.join(root, 'y')]), /interchange file/);
  });

  it('seq2seq convert runs as a command of its own (it starts a backend itself)', async () => {
    const folder = path.join(root, 'alone');
    await saveModel(model, folder, { step: 5 });
    const file = path.join(root, 'alone.safetensors');
    const bin = path.join(__dirname, '..', '..', 'src', 'cli', 'bin.js');
    const run = spawnSync(process.execPath, [bin, 'convert', folder, file], { encoding: 'utf8' });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.strictEqual(readInterchange(file).step, 5);
  });
});
