/**
 * A model on disk: a folder with `config.json` (the ModelConfig, metadata and format version),
 * `weights.bin` + `weights_manifest.json` (the TensorFlow.js weights format: names, shapes,
 * dtypes), and any extra files the caller adds (tokenizer.json, metrics.json, optimizer state).
 * The folder's file names, its typed meta and the reading and writing of config.json belong to
 * src/modelFolder/format.ts; this module adds the TensorFlow.js side (weights in, a model out).
 *
 * Saving is atomic and durable: everything is written and flushed to a temporary sibling folder
 * which then replaces the target with renames (src/modelFolder/atomicFolder.ts), so a crash leaves
 * either the old model or the new one, and loading puts back whichever a crash left aside. Loading
 * checks everything (version, config, manifest, byte count, SHA-256, every expected weight and
 * shape) before a model is built, and throws a {@link ModelLoadError} saying what is wrong and
 * what to do; nothing is left allocated on failure.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { recoverFolder, replaceFolder, saveStamp, siblingPath, writeFileDurably, type SaveHooks } from './atomicFolder';
import { readGuarded, readGuardedJsonSync, type GuardOptions } from '../files/guardedRead';
import {
  CONFIG_FILE,
  MAX_CONFIG_BYTES,
  MANIFEST_FILE,
  WEIGHTS_FILE,
  ModelFolderError,
  configFileText,
  peekConfigFile,
  readConfigFile,
  type ModelConfigFile,
  type ModelMeta,
  type ModelMetaInput,
} from './format';
import { ConfigurationError, validateModelConfig, DEFAULT_MODEL_CONFIG, type ModelConfig } from '../core/config';
import { buildModel, type Seq2SeqModel } from '../core/model';
import { MAX_PARAMETERS, checkModelSize } from '../core/modelSize';

export type { ModelMeta, ModelMetaInput };
const RESERVED = new Set([CONFIG_FILE, WEIGHTS_FILE, MANIFEST_FILE]);

export interface SaveOptions {
  /** More files written into the same atomic folder: name (no path separators) -> contents. */
  extraFiles?: Record<string, string | Uint8Array>;
  /** Test seam: called at each point of the save (see atomicFolder.ts). */
  hooks?: SaveHooks;
  /**
   * Store float32 weights as float16 (the weights format's `quantization: { dtype: 'float16' }`,
   * which TensorFlow.js's loader turns back into float32): half the bytes, for a model that is
   * shipped rather than trained on (an optimizer resuming from it would lose precision).
   */
  float16?: boolean;
}

/**
 * IEEE 754 half-precision bits of a float32 value, rounded to nearest even; out of range values
 * become infinities and tiny ones subnormals or zero, as a hardware conversion would.
 */
export function float16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf, NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000; // implicit leading one
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  const rest = mant & 0x1fff;
  mant >>>= 13;
  if (rest > 0x1000 || (rest === 0x1000 && mant & 1)) {
    mant++;
    if (mant === 0x400) {
      mant = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | mant;
}

/** Weights data and specs with every float32 tensor stored as float16 (see SaveOptions.float16). */
function toFloat16(
  data: ArrayBuffer,
  specs: readonly tf.io.WeightsManifestEntry[],
): { data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = size * 4; // encodeWeights writes float32, int32 and bool as 4 bytes each
    if (spec.dtype === 'float32') {
      const values = new Float32Array(data.slice(offset, offset + bytes));
      const half = new Uint16Array(size);
      for (let i = 0; i < size; i++) half[i] = float16Bits(values[i]!);
      parts.push(new Uint8Array(half.buffer));
      out.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      parts.push(new Uint8Array(data.slice(offset, offset + bytes)));
      out.push(spec);
    }
    offset += bytes;
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return { data: joined.buffer, specs: out };
}

/** A model folder that cannot be loaded; the message says what is wrong and what to do. */
export class ModelLoadError extends Error {
  constructor(
    readonly dir: string,
    problem: string,
  ) {
    super(`Cannot load the model in ${dir}: ${problem}`);
    this.name = 'ModelLoadError';
  }
}

/** Writes `model` (and `options.extraFiles`) to `dir`, replacing it atomically. */
export async function saveModel(
  model: Seq2SeqModel,
  dir: string,
  meta: ModelMetaInput = {},
  options: SaveOptions = {},
): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.promises.mkdir(parent, { recursive: true });
  const stamp = saveStamp();
  const tmp = siblingPath(target, 'tmp', stamp);
  const old = siblingPath(target, 'old', stamp);

  const named: tf.NamedTensorMap = {};
  for (const w of model.weights) named[w.name] = w.variable;
  const encoded = await tf.io.encodeWeights(named);
  const { data, specs } = options.float16 ? toFloat16(encoded.data, encoded.specs) : encoded;
  const bytes = Buffer.from(data);
  const configText = configFileText({
    config: model.config,
    meta,
    weightsSha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    weightsBytes: bytes.length,
  });
  const manifest: tf.io.WeightsManifestConfig = [{ paths: [WEIGHTS_FILE], weights: specs }];

  try {
    await fs.promises.mkdir(tmp);
    for (const [name, contents] of Object.entries(options.extraFiles ?? {})) {
      if (RESERVED.has(name) || name !== path.basename(name) || name.startsWith('.') || name === '') {
        throw new Error(`extra file name ${JSON.stringify(name)} is reserved or not a plain file name`);
      }
      await writeFileDurably(path.join(tmp, name), contents);
    }
    await writeFileDurably(path.join(tmp, WEIGHTS_FILE), bytes);
    await writeFileDurably(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest));
    await options.hooks?.onPoint?.('files-partly-written');
    // config.json last, after every other file is on disk: its presence marks a complete folder.
    await writeFileDurably(path.join(tmp, CONFIG_FILE), configText);
    await replaceFolder(tmp, target, old, options.hooks);
  } catch (e) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * True when `dir` holds everything {@link saveModel} writes: a readable config.json (written
 * last) and weights of the size it names. Cheap: no checksum.
 */
export function isCompleteModelFolder(dir: string): boolean {
  try {
    const bytes = peekConfigFile(dir)?.weightsBytes;
    return bytes !== undefined && fs.statSync(path.join(dir, WEIGHTS_FILE)).size === bytes;
  } catch {
    return false;
  }
}

/**
 * What identifies the files now in a model folder (name, inode, size, modification time of
 * each): it changes when the model is deleted and another saved or imported in its place.
 */
export function modelFolderSignature(dir: string): string {
  try {
    return fs
      .readdirSync(dir)
      .sort()
      .map((name) => {
        const st = fs.statSync(path.join(dir, name));
        return `${name}:${st.ino}:${st.size}:${st.mtimeMs}`;
      })
      .join('|');
  } catch {
    return 'missing';
  }
}

/** Puts back the model folder a crashed save left aside (see atomicFolder.ts); true when `dir` is complete. */
export function recoverModelFolder(dir: string): boolean {
  return recoverFolder(path.resolve(dir), isCompleteModelFolder) !== 'none';
}

/** The most bytes weights.bin may have: the largest model this engine holds, in float32. */
export const MAX_WEIGHTS_BYTES = MAX_PARAMETERS * 4;

/** How a model folder's files are read: plain files (no link, device or pipe), size checked first. */
const modelFileGuard = (file: string, maxBytes: number): GuardOptions => ({
  maxBytes,
  noFollow: true,
  name: file,
  advice: 'Re-import or retrain the model.',
});

function readJson(dir: string, file: string, fail: (p: string) => ModelLoadError): unknown {
  try {
    return readGuardedJsonSync(path.join(dir, file), modelFileGuard(file, MAX_CONFIG_BYTES));
  } catch (e) {
    if ((e as { problem?: string }).problem === 'missing')
      throw fail(`${file} is missing. Choose a folder saved by Seq2Seq Studio, or retrain/re-import the model.`);
    throw fail(e instanceof Error ? e.message : String(e));
  }
}

/**
 * The first weight (by name) holding NaN or an infinity, or undefined. A model saved from a
 * diverged training decodes nothing useful ("(empty) score NaN"), so it is refused on load.
 */
export function nonFiniteWeight(tensors: tf.NamedTensorMap): string | undefined {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') continue;
    const values = t.dataSync() as Float32Array;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return name;
  }
  return undefined;
}

/** Loads a model folder written by {@link saveModel}. Throws {@link ModelLoadError}. */
export async function loadModel(dir: string): Promise<{ model: Seq2SeqModel; meta: ModelMeta }> {
  const root = path.resolve(dir);
  const fail = (problem: string) => new ModelLoadError(root, problem);
  recoverModelFolder(root);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw fail('the folder does not exist. Check the model path or pick another model.');
  }
  let cfg: ModelConfigFile;
  try {
    cfg = readConfigFile(root);
  } catch (e) {
    if (e instanceof ModelFolderError) throw fail(e.message);
    throw e;
  }
  const config = { ...DEFAULT_MODEL_CONFIG, ...cfg.config } as ModelConfig;
  try {
    validateModelConfig(config);
    checkModelSize(config);
  } catch (e) {
    if (e instanceof ConfigurationError) throw fail(`${CONFIG_FILE} has an invalid configuration (${e.message}).`);
    throw e;
  }
  const manifest = readJson(root, MANIFEST_FILE, fail) as tf.io.WeightsManifestConfig;
  const specs = Array.isArray(manifest)
    ? manifest.flatMap((g) => (g && Array.isArray(g.weights) ? g.weights : []))
    : [];
  if (specs.length === 0) throw fail(`${MANIFEST_FILE} lists no weights; the folder is corrupt. Re-import or retrain.`);
  if (!(cfg.weightsBytes >= 0 && cfg.weightsBytes <= MAX_WEIGHTS_BYTES))
    throw fail(`${CONFIG_FILE} gives no usable size for ${WEIGHTS_FILE}; the folder is corrupt. Re-import or retrain.`);
  let bytes: Buffer;
  try {
    // The size config.json gives is the limit: a larger file (or a device, pipe or link) is
    // refused before a byte of it is read.
    bytes = await readGuarded(path.join(root, WEIGHTS_FILE), modelFileGuard(WEIGHTS_FILE, cfg.weightsBytes));
  } catch (e) {
    if ((e as { problem?: string }).problem === 'missing')
      throw fail(`${WEIGHTS_FILE} is missing. Re-import or retrain the model.`);
    throw fail(e instanceof Error ? e.message : String(e));
  }
  if (bytes.length !== cfg.weightsBytes) {
    throw fail(
      `${WEIGHTS_FILE} has ${bytes.length} bytes, expected ${cfg.weightsBytes} (truncated or corrupt). Re-import or retrain.`,
    );
  }
  if (crypto.createHash('sha256').update(bytes).digest('hex') !== cfg.weightsSha256) {
    throw fail(`${WEIGHTS_FILE} does not match its checksum (corrupt). Re-import or retrain the model.`);
  }

  let decoded: tf.NamedTensorMap;
  try {
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    decoded = tf.io.decodeWeights(buf, specs);
  } catch (e) {
    throw fail(`${WEIGHTS_FILE} and ${MANIFEST_FILE} disagree (${e instanceof Error ? e.message : String(e)}).`);
  }
  let model: Seq2SeqModel | undefined;
  try {
    const bad = nonFiniteWeight(decoded);
    if (bad)
      throw fail(
        `${WEIGHTS_FILE} holds NaN or infinite values (weight ${bad}): it was saved from a training that diverged. ` +
          'Use an earlier checkpoint, or retrain with a lower learning rate.',
      );
    model = buildModel(config, config.srcVocabSize, config.tgtVocabSize, 0);
    for (const w of model.weights) {
      const t = decoded[w.name];
      if (!t) throw fail(`weight ${w.name} is missing from ${MANIFEST_FILE}; the model does not match its config.`);
      if (t.shape.join('x') !== w.variable.shape.join('x')) {
        throw fail(`weight ${w.name} has shape [${t.shape}] but the config needs [${w.variable.shape}].`);
      }
    }
    const expected = new Set(model.weights.map((w) => w.name));
    const extra = Object.keys(decoded).filter((n) => !expected.has(n));
    if (extra.length)
      throw fail(`the weights hold unknown entries (${extra.slice(0, 3).join(', ')}); the config does not match them.`);
    for (const w of model.weights) w.variable.assign(decoded[w.name]!);
  } catch (e) {
    model?.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(decoded));
  }
  return { model, meta: cfg.meta };
}
