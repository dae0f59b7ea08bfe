/**
 * The interchange file: a model's weights as named tensors, the one thing the native training
 * engine (native/, PyTorch) and this engine hand each other. The layout is safetensors (8 bytes of
 * little-endian header length, a JSON header, then the raw little-endian arrays), which both sides
 * read and write in a few lines without a dependency; native/README.md is its specification.
 *
 * Tensor names and shapes are exactly the model's checkpoint names and shapes (`NamedWeight`), in
 * the model's weight order; the header's `__metadata__` carries the resolved `ModelConfig` as JSON
 * text and optionally the training step. Reading validates everything before a model is built
 * (header, offsets, dtypes, every expected weight and shape) and says what is wrong; writing is
 * atomic (temporary file, then rename).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { saveStamp, siblingPath, writeFileDurably } from './atomicFolder';
import { ConfigurationError, resolveModelConfig, type ModelConfig } from '../core/config';
import { buildModel, type Seq2SeqModel } from '../core/model';
import { checkModelSize } from '../core/modelSize';
import { readGuardedSync } from '../files/guardedRead';

export const INTERCHANGE_FORMAT = 'seq2seq-studio/interchange';
export const INTERCHANGE_VERSION = '1';
/** The file extension people and tools expect for this layout. */
export const INTERCHANGE_EXTENSION = '.safetensors';
/** safetensors' own limit on the JSON header. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** Far above any model this project trains; stops a link to a device from being read forever. */
const MAX_FILE_BYTES = 8 * 1024 * 1024 * 1024;

/** One tensor as stored: float32 values in row-major order. */
export interface NamedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface Interchange {
  readonly config: ModelConfig;
  /** In file order (the writer's weight order). */
  readonly tensors: readonly NamedArray[];
  /** The training step the weights were taken at, when the writer said. */
  readonly step?: number;
}

/** An interchange file that cannot be used; the message says what is wrong and what to do. */
export class InterchangeError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`Cannot read the interchange file ${file}: ${problem}`);
    this.name = 'InterchangeError';
  }
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { F32: 4, F16: 2 };

/** float16 bits -> number (inverse of checkpoint.ts's float16Bits). */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The file's bytes for `arrays` and `config` (F32, in the given order). */
export function encodeInterchange(config: ModelConfig, arrays: readonly NamedArray[], step?: number): Buffer {
  const header: Record<string, unknown> = {
    __metadata__: {
      format: INTERCHANGE_FORMAT,
      version: INTERCHANGE_VERSION,
      config: JSON.stringify(config),
      ...(step !== undefined ? { step: String(step) } : {}),
    },
  };
  let offset = 0;
  for (const a of arrays) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    if (size !== a.values.length) throw new Error(`tensor ${a.name}: shape [${a.shape}] needs ${size} values`);
    header[a.name] = { dtype: 'F32', shape: a.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const a of arrays) {
    const bytes = Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength);
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a whole file's bytes; `file` names it in messages. */
export function decodeInterchange(bytes: Buffer, file: string): Interchange {
  const fail = (problem: string) => new InterchangeError(file, problem);
  if (bytes.length < 8) throw fail('it is shorter than the 8-byte header length; the file is truncated.');
  const headerBytes = Number(bytes.readBigUInt64LE(0));
  if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > bytes.length) {
    throw fail(
      `its header length (${headerBytes} bytes) does not fit the file; it is truncated or not a safetensors file.`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerBytes).toString('utf8'));
  } catch {
    throw fail('its header is not JSON; it is not a safetensors file.');
  }
  if (!isRecord(header)) throw fail('its header is not a JSON object.');
  const meta = header.__metadata__;
  if (!isRecord(meta) || meta.format !== INTERCHANGE_FORMAT) {
    throw fail(`its metadata does not say format "${INTERCHANGE_FORMAT}"; write it with seq2seq or seq2seq_native.`);
  }
  if (meta.version !== INTERCHANGE_VERSION) {
    throw fail(`it is version ${JSON.stringify(meta.version)}; this build reads version ${INTERCHANGE_VERSION}.`);
  }
  let config: ModelConfig;
  try {
    config = resolveModelConfig(JSON.parse(String(meta.config)) as Partial<ModelConfig>);
    checkModelSize(config);
  } catch (e) {
    if (e instanceof ConfigurationError) throw fail(`its model configuration is invalid (${e.message}).`);
    throw fail('its metadata "config" is not a model configuration in JSON.');
  }
  let step: number | undefined;
  if (meta.step !== undefined) {
    step = Number(meta.step);
    if (!Number.isInteger(step) || step < 0)
      throw fail(`its metadata "step" (${String(meta.step)}) is not a step number.`);
  }
  const data = bytes.subarray(8 + headerBytes);
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, spec]) => {
      if (!isRecord(spec)) throw fail(`tensor ${name} has no description.`);
      const width = DTYPE_BYTES[String(spec.dtype)];
      if (width === undefined) throw fail(`tensor ${name} has dtype ${String(spec.dtype)}; only F32 and F16 are read.`);
      const shape = spec.shape;
      const offsets = spec.data_offsets;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw fail(`tensor ${name} has an invalid shape.`);
      }
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
        throw fail(`tensor ${name} has invalid data_offsets.`);
      }
      const [begin, end] = offsets as [number, number];
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      if (end - begin !== size * width || end > data.length) {
        throw fail(`tensor ${name}'s bytes [${begin}, ${end}) do not fit its shape or the file (truncated?).`);
      }
      return { name, shape: shape as number[], begin, end, width };
    })
    .sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.begin < entries[i - 1]!.end)
      throw fail(`tensors ${entries[i - 1]!.name} and ${entries[i]!.name} overlap.`);
  }
  const tensors = entries.map(({ name, shape, begin, end, width }) => {
    // A copy, so the values are aligned whatever the header's length (the layout is little-endian).
    const raw = data.buffer.slice(data.byteOffset + begin, data.byteOffset + end) as ArrayBuffer;
    const values = width === 4 ? new Float32Array(raw) : Float32Array.from(new Uint16Array(raw), halfToFloat);
    return { name, shape, values };
  });
  return { config, tensors, ...(step !== undefined ? { step } : {}) };
}

/** Reads and checks `file` (a regular file of sane size; never a device or a FIFO). */
export function readInterchange(file: string): Interchange {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new InterchangeError(file, 'it does not exist. Check the path.');
  }
  if (!st.isFile()) throw new InterchangeError(file, 'it is not a regular file.');
  if (st.size > MAX_FILE_BYTES) throw new InterchangeError(file, `it has ${st.size} bytes, more than any model here.`);
  // The guarded reader: opened non-blocking, checked again on the open file, no more read than its size.
  let bytes: Buffer;
  try {
    bytes = readGuardedSync(file, { maxBytes: MAX_FILE_BYTES, name: 'it' });
  } catch (e) {
    throw new InterchangeError(file, e instanceof Error ? e.message : String(e));
  }
  return decodeInterchange(bytes, file);
}

/** The model's weights as named arrays, in its weight order. */
export function modelArrays(model: Seq2SeqModel): NamedArray[] {
  return model.weights.map((w) => ({
    name: w.name,
    shape: w.variable.shape,
    values: w.variable.dataSync() as Float32Array,
  }));
}

/** Writes `model` to `file` atomically (a temporary sibling, flushed, then renamed). */
export async function writeInterchange(file: string, model: Seq2SeqModel, step?: number): Promise<void> {
  await writeInterchangeFile(file, { config: model.config, tensors: modelArrays(model), step });
}

/** Writes `ic` to `file` atomically (a temporary sibling, flushed, then renamed). */
export async function writeInterchangeFile(
  file: string,
  ic: { readonly config: ModelConfig; readonly tensors: readonly NamedArray[]; readonly step?: number | undefined },
): Promise<void> {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = siblingPath(target, 'tmp', saveStamp());
  try {
    await writeFileDurably(tmp, encodeInterchange(ic.config, ic.tensors, ic.step));
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * The element-wise mean of the weights of several interchange files of one model: checkpoint
 * averaging (Vaswani et al. 2017, "Attention Is All You Need", §6.1), which smooths out the noise
 * of the last steps; a run's last few evaluations averaged usually score better than any one of
 * them. The files must hold the same configuration, names and shapes; the step is the newest.
 */
export function averageInterchange(files: readonly string[]): Interchange {
  if (files.length === 0) throw new Error('averageInterchange: no files to average');
  const first = readInterchange(files[0]!);
  const sums = first.tensors.map((t) => Float64Array.from(t.values));
  let step = first.step;
  for (const file of files.slice(1)) {
    const ic = readInterchange(file);
    const fail = (problem: string) =>
      new InterchangeError(file, `${problem}; it is not a checkpoint of ${files[0]}'s run.`);
    if (JSON.stringify(ic.config) !== JSON.stringify(first.config)) throw fail('its model configuration differs');
    if (ic.tensors.length !== first.tensors.length)
      throw fail(`it holds ${ic.tensors.length} tensors, not ${first.tensors.length}`);
    ic.tensors.forEach((t, i) => {
      const ref = first.tensors[i]!;
      if (t.name !== ref.name || t.shape.join('x') !== ref.shape.join('x'))
        throw fail(`tensor ${t.name} [${t.shape}] differs`);
      const sum = sums[i]!;
      for (let j = 0; j < sum.length; j++) sum[j]! += t.values[j]!;
    });
    if (ic.step !== undefined && (step === undefined || ic.step > step)) step = ic.step;
  }
  const tensors = first.tensors.map((t, i) => ({
    name: t.name,
    shape: t.shape,
    values: Float32Array.from(sums[i]!, (v) => v / files.length),
  }));
  return { config: first.config, tensors, ...(step !== undefined ? { step } : {}) };
}

/**
 * Puts `arrays` into `model`'s weights: every weight must be present with its exact shape and
 * nothing else may be; `fail` makes the error. Nothing is assigned unless all match.
 */
export function assignWeights(
  model: Seq2SeqModel,
  arrays: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>,
  fail: (problem: string) => Error,
): void {
  for (const w of model.weights) {
    const a = arrays.get(w.name);
    if (!a) throw fail(`weight ${w.name} is missing; the weights do not match the model configuration.`);
    if (a.shape.join('x') !== w.variable.shape.join('x')) {
      throw fail(`weight ${w.name} has shape [${a.shape}] but the configuration needs [${w.variable.shape}].`);
    }
  }
  const expected = new Set(model.weights.map((w) => w.name));
  const extra = [...arrays.keys()].filter((n) => !expected.has(n));
  if (extra.length)
    throw fail(`it holds unknown weights (${extra.slice(0, 3).join(', ')}); the configuration does not match them.`);
  for (const w of model.weights) {
    const a = arrays.get(w.name)!;
    tf.tidy(() => w.variable.assign(tf.tensor(a.values, [...a.shape], 'float32')));
  }
}

/** A model built from an interchange file (its own configuration, its weights). */
export function modelFromInterchange(file: string): { model: Seq2SeqModel; step?: number } {
  const ic = readInterchange(file);
  const model = buildModel(ic.config, ic.config.srcVocabSize, ic.config.tgtVocabSize, 0);
  try {
    assignWeights(model, new Map(ic.tensors.map((t) => [t.name, t])), (p) => new InterchangeError(file, p));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, ...(ic.step !== undefined ? { step: ic.step } : {}) };
}
