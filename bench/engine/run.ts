/**
 * `npm run bench:engine`: training speed and decode latency of the real engine (src/core) on
 * every available TensorFlow.js backend, against a PyTorch reference of the same architecture
 * (bench/engine/reference.py through Debian's python3-torch) and the native training engine
 * (native/, the PyTorch twin a large run trains on), on identical shapes.
 *
 * Each measurement runs in its own child process so that peak RSS belongs to one backend and
 * one model. Prints a table; not a test (numbers depend on the machine and its load, so compare
 * ratios taken in the same run). On wasm the training step is the trainer's (src/training), with
 * 1 and 2 data-parallel workers; PyTorch runs with 1 and 2 threads; the machine's load average is
 * printed before and after, since these machines are shared. Flags:
 *   --steps N       timed training steps per model (default 5, after one warm-up step)
 *   --batch N       rows per training batch (default 32; the global batch, shared out between
 *                   workers and processes)
 *   --sentences N   decode latency sample size (default 20)
 *   --models a,b    gru,gru-copy,transformer,transformer-copy,cnn (default all five; the copy models
 *                   are the shipped GRU and the Transformer with the copy output; gru-copy's cost is
 *                   also reported as a ratio to the plain GRU; cnn is the convolutional
 *                   encoder-decoder, which the PyTorch reference does not have)
 *   --backends ...  wasm,cpu,tensorflow,wasm-stock (default wasm,tensorflow; cpu and the stock
 *                   wasm kernels are slow: cpu never finished a GRU step in 200 s here)
 *   --cpu-timeout-s N  give the cpu backend this long per model before it is reported skipped
 *   --workers a,b   data-parallel worker counts on wasm (default 1,2)
 *   --torch-threads a,b  PyTorch thread counts (default 1,2)
 *   --no-torch      skip the PyTorch reference
 *   --native a,b    process counts of the native engine's rows (default 1,2): the real
 *                   `seq2seq_native train` loop (DistributedDataParallel, one thread per process)
 *                   on the same shapes and starting weights (bench/engine/native.ts)
 *   --no-native     skip the native engine
 *   --profile       add a per-kernel profile of one wasm training step
 *   --json FILE     also write the raw results
 *   --no-bundled    skip the bundled default model's latency as `seq2seq document` runs it
 *                   (beam 4, its tuned decoding, the backend `auto` picks, neighbours from this
 *                   repository's src/; functions of this repository whose code is 90-110 tokens),
 *                   each also decoded with the exact stopping bound, alternating, for the ratio
 *   --model-dir a,b the same latency row for these model folders instead of the bundled one (a
 *                   candidate default model, e.g. a recipe arm's best/, before it ships)
 *   --models none   only the latency rows of the bundled model or --model-dir
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs';

import { selectBackend, type BackendName } from '../../src/core/backend';
import type { ModelConfig } from '../../src/core/config';
import { maskedCrossEntropy } from '../../src/core/loss';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import { beamSearch, greedyDecode, SEARCH_DEFAULTS } from '../../src/core/search';
import { registerWasmKernels, wasmKernelStats } from '../../src/core/wasmKernels';
import type { Batch } from '../../src/core/batch';
import { bundledModelDir } from '../../src/cli/documentCommand';
import { indexFolder } from '../../src/cli/projectIndex';
import { DECODING_DEFAULTS, type Stopping } from '../../src/core/decoding';
import { ParserPool } from '../../src/parsing/parser';
import { ModelRunner } from '../../src/inference/modelRunner';
import { MAX_REMEMBERED } from '../../src/learning/corrections';
import { nativeRow } from './native';
import { DataParallelStep, type StepPhases } from './parallelStep';

const B = Number(flag('batch') ?? 32);
const S = 60;
const T = 20;
const VOCAB = 4000;
const DECODE_SRC = 100;
const DECODE_LEN = 30;

type ModelName = 'gru' | 'gru-copy' | 'transformer' | 'transformer-copy' | 'cnn';
type BenchBackend = BackendName | 'wasm-stock';

const GRU: Partial<ModelConfig> = {
  arch: 'rnn',
  cell: 'gru',
  attention: 'luong-general',
  embeddingDim: 128,
  hiddenDim: 256,
  encoderLayers: 1,
  decoderLayers: 1,
  bidirectional: true,
  dropout: 0.1,
};

const TRANSFORMER_BASE: Partial<ModelConfig> = {
  arch: 'transformer',
  dModel: 256,
  heads: 4,
  ffDim: 1024,
  encoderLayers: 2,
  decoderLayers: 2,
  dropout: 0.1,
};

/** The convolutional encoder-decoder (Gehring et al. 2017) at fairseq's small fconv widths. */
const CNN: Partial<ModelConfig> = {
  arch: 'cnn',
  embeddingDim: 256,
  hiddenDim: 256,
  kernelWidth: 3,
  encoderLayers: 4,
  decoderLayers: 3,
  dropout: 0.1,
};

const CONFIGS: Record<ModelName, Partial<ModelConfig>> = {
  gru: GRU,
  'gru-copy': { ...GRU, copy: true },
  transformer: TRANSFORMER_BASE,
  'transformer-copy': { ...TRANSFORMER_BASE, copy: true },
  cnn: CNN,
};

interface Latency {
  p50: number;
  p90: number;
}
export interface EngineResult {
  stepMs: number;
  tokensPerSec: number;
  greedy?: Latency;
  beam4?: Latency;
  rssMb: number;
  profile?: KernelProfile[];
  note?: string;
  /** wasm: data-parallel workers; PyTorch: threads. */
  threads?: number;
  /** wasm: mean phases of a step, and the first share's gradients computed alone. */
  phases?: StepPhases & { shareAloneMs: number };
}
interface KernelProfile {
  name: string;
  ms: number;
  calls: number;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round((p / 100) * (s.length - 1)))]!;
}

/** Seeded uniform ints in [6, VOCAB) (ids below 6 are special tokens). */
function ids(n: number, seed: number): Int32Array {
  let x = seed >>> 0;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = 6 + (x % (VOCAB - 6));
  }
  return out;
}

function trainingStep(model: Seq2SeqModel, opt: tf.Optimizer, batch: tf.Tensor2D[]): void {
  const [src, srcMask, tgtIn, tgtOut, tgtMask] = batch as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
  const cost = opt.minimize(
    () => maskedCrossEntropy(model.logits(src, srcMask, tgtIn, true), tgtOut, tgtMask, 0.1),
    true,
    model.variables as tf.Variable[],
  );
  cost?.dataSync();
  cost?.dispose();
}

/** Per-kernel totals of one step (wall time around each kernel, so sync cost is included). */
async function profileStep(model: Seq2SeqModel, opt: tf.Optimizer, batch: tf.Tensor2D[]): Promise<KernelProfile[]> {
  const info = await tf.profile(() => trainingStep(model, opt, batch));
  const byName = new Map<string, KernelProfile>();
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls++;
    byName.set(k.name, e);
  }
  return [...byName.values()].sort((a, b) => b.ms - a.ms);
}

/** The benchmark batch as batching (src/mining/dataset.ts) hands it to the trainer. */
function benchBatch(): Batch {
  const rows = (flat: Int32Array, len: number): number[][] =>
    Array.from({ length: B }, (_, i) => [...flat.subarray(i * len, (i + 1) * len)]);
  return { src: rows(ids(B * S, 1), S), tgtIn: rows(ids(B * T, 2), T), tgtOut: rows(ids(B * T, 3), T) };
}

/** Mean step time of the trainer's data-parallel step with `workers` replicas, and its phases. */
async function timeDataParallel(
  model: Seq2SeqModel,
  workers: number,
  steps: number,
  budgetMs: number,
): Promise<Pick<EngineResult, 'stepMs' | 'note' | 'phases'>> {
  const batch = benchBatch();
  const runner = await DataParallelStep.start(model, workers);
  try {
    let t0 = performance.now();
    await runner.step(batch); // warm-up (also builds the optimizer slots)
    const firstMs = performance.now() - t0;
    const sum = { gradientsMs: 0, updateMs: 0 };
    let done = 0;
    const cpu0 = process.cpuUsage();
    t0 = performance.now();
    while (done < steps && (done === 0 || performance.now() - t0 + (performance.now() - t0) / done < budgetMs)) {
      const p = await runner.step(batch);
      sum.gradientsMs += p.gradientsMs;
      sum.updateMs += p.updateMs;
      done++;
    }
    const stepMs = (performance.now() - t0) / done;
    // CPU time of every thread of the process: how many cores the step kept busy, and its total work.
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / done;
    const shareAloneMs = runner.shareAloneMs(batch, workers);
    return {
      stepMs,
      note:
        `${done} steps, first ${firstMs.toFixed(0)} ms; CPU ${cpuMs.toFixed(0)} ms per step ` +
        `(${(cpuMs / stepMs).toFixed(2)} cores busy on average)`,
      phases: { gradientsMs: sum.gradientsMs / done, updateMs: sum.updateMs / done, shareAloneMs },
    };
  } finally {
    await runner.close();
  }
}

async function child(backend: BenchBackend, name: ModelName, workers: number): Promise<EngineResult> {
  const steps = Number(flag('steps') ?? 5);
  const sentences = Number(flag('sentences') ?? 20);
  const budgetMs = Number(flag('budget-ms') ?? 120000);
  if (backend === 'wasm') registerWasmKernels();
  const choice = await selectBackend({ setting: backend === 'wasm-stock' ? 'wasm' : backend });
  const wanted = backend === 'wasm-stock' ? 'wasm' : backend;
  if (choice.name !== wanted) throw new Error(`backend ${wanted} unavailable: ${choice.reason}`);
  // wasm-stock: the backend's own kernels; embeddings then train through a one-hot matMul
  // (layers.ts `embed` falls back to it when UnsortedSegmentSum is missing).
  const model = buildModel(CONFIGS[name], VOCAB, VOCAB, 7);
  const opt = tf.train.adam(1e-3);
  const batch = [
    tf.tensor2d(ids(B * S, 1), [B, S], 'int32'),
    tf.ones([B, S]) as tf.Tensor2D,
    tf.tensor2d(ids(B * T, 2), [B, T], 'int32'),
    tf.tensor2d(ids(B * T, 3), [B, T], 'int32'),
    tf.ones([B, T]) as tf.Tensor2D,
  ];
  let timed: Pick<EngineResult, 'stepMs' | 'note' | 'phases'>;
  if (backend === 'wasm') timed = await timeDataParallel(model, workers, steps, budgetMs);
  else {
    let t0 = performance.now();
    trainingStep(model, opt, batch); // warm-up (also builds the optimizer slots)
    const firstMs = performance.now() - t0;
    let done = 0;
    t0 = performance.now();
    while (done < steps && (done === 0 || performance.now() - t0 + (performance.now() - t0) / done < budgetMs)) {
      trainingStep(model, opt, batch);
      done++;
    }
    const stepMs = (performance.now() - t0) / done;
    timed = { stepMs, note: `${done} steps, first ${firstMs.toFixed(0)} ms` };
  }
  const result: EngineResult = { ...timed, threads: workers, tokensPerSec: (B * T * 1000) / timed.stepMs, rssMb: 0 };
  if (process.argv.includes('--profile') && backend === 'wasm' && workers === 1)
    result.profile = await profileStep(model, opt, batch);
  if (sentences > 0 && backend !== 'wasm-stock' && workers === 1) {
    // The extension's beam (4, the width reference.py's beam4 decodes with).
    for (const [key, beam] of [
      ['greedy', 1],
      ['beam4', DECODING_DEFAULTS.beamSize],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i <= sentences; i++) {
        const src = [...ids(DECODE_SRC, 100 + i)];
        const opts = { maxLength: DECODE_LEN, minLength: DECODE_LEN, lengthPenalty: 0 };
        const s0 = performance.now();
        if (beam === 1) greedyDecode(model, src, opts);
        else beamSearch(model, src, { ...opts, beamSize: beam });
        if (i > 0) times.push(performance.now() - s0); // the first is a warm-up
      }
      result[key] = { p50: percentile(times, 50), p90: percentile(times, 90) };
    }
  }
  if (backend === 'wasm') result.note += `; kernels ${JSON.stringify(wasmKernelStats())}`;
  result.rssMb = process.resourceUsage().maxRSS / 1024;
  return result;
}

/** The bundled model's latency per function, as `seq2seq document` decodes (one warm-up first). */
export interface BundledResult {
  model: string;
  backend: string;
  functions: number;
  sourceTokens: { min: number; max: number };
  latency: Latency;
  /** The same functions decoded with the exact stopping bound (alternating with the default per function). */
  exactStopping: Latency;
  /** Functions whose comment differs between the two stopping rules. */
  differ: number;
  /**
   * The same functions decoded remembering `remembered` documented functions of src/ (other
   * files) as corrections (src/core/decoderMemory.ts), once their entries are cached: the first
   * request took `memoryFirstMs`, it and the computing of the other entries `memoryAllMs`.
   */
  withMemory: Latency & { remembered: number; memoryFirstMs: number; memoryAllMs: number };
  rssMb: number;
}

/** Source tokens (code only, no neighbour) a function must have to count as a ~100-token function. */
const BUNDLED_TOKENS = { min: 90, max: 110 };

/** The stopping rule requests get by default (the bundled row also times `exact` beside it). */
const DEFAULT_STOPPING: Stopping = SEARCH_DEFAULTS.stopping ?? 'current-length';

async function bundledChild(modelDir: string | undefined): Promise<BundledResult> {
  const sentences = Number(flag('sentences') ?? 20);
  const root = path.resolve(__dirname, '..', '..', '..');
  const dir = modelDir ? path.resolve(modelDir) : bundledModelDir(root);
  if (!dir) throw new Error('no bundled model under media/models/default');
  const choice = await selectBackend({ setting: 'auto' });
  const runner = await ModelRunner.load(dir);
  const parsers = new ParserPool();
  try {
    const index = await indexFolder(path.join(root, 'src'), parsers);
    const inRange = (code: string) => {
      const n = runner.encodeSource({ direction: 'code2doc', text: code }).ids.length;
      return n >= BUNDLED_TOKENS.min && n <= BUNDLED_TOKENS.max;
    };
    const picked = [...index.functions()]
      .sort((x, y) => x.path.localeCompare(y.path) || x.line - y.line)
      .filter((f) => f.lang === 'typescript' && inRange(f.code))
      .slice(0, sentences + 1);
    if (picked.length < 2)
      throw new Error(`only ${picked.length} functions of ${BUNDLED_TOKENS.min}-${BUNDLED_TOKENS.max} tokens`);
    const times: number[] = [];
    const exactTimes: number[] = [];
    const memoryTimes: number[] = [];
    let differ = 0;
    const documented = [...index.functions()].filter((f) => f.summary);
    const remembered = documented
      .slice(0, MAX_REMEMBERED)
      .map((f) => ({ path: f.path, code: f.code, summary: f.summary! }));
    const decode = (code: string, file: string, stopping: Stopping, memory = false): { ms: number; text: string } => {
      const s0 = performance.now();
      const t = runner.translate(
        { direction: 'code2doc', text: code, language: 'typescript', decoding: { ...DECODING_DEFAULTS, stopping } },
        {
          index,
          excludePath: file,
          ...(memory ? { remembered: remembered.filter((c) => c.path !== file) } : {}),
        },
      );
      return { ms: performance.now() - s0, text: t.candidates[0]?.text ?? '' };
    };
    // The first request after a restart computes a few of the newest comments' entries; the
    // engine worker computes the rest between requests. Timed below: every entry cached.
    const memoryFirstMs = decode(picked[0]!.code, '', DEFAULT_STOPPING, true).ms;
    const s0 = performance.now();
    runner.rememberMissing({ index }, remembered, Infinity);
    const memoryAllMs = memoryFirstMs + (performance.now() - s0);
    picked.forEach(({ path: file, code }, i) => {
      // Alternate which rule goes first, so a change in load falls on both.
      const order: Stopping[] = i % 2 === 0 ? [DEFAULT_STOPPING, 'exact'] : ['exact', DEFAULT_STOPPING];
      const r = Object.fromEntries(order.map((s) => [s, decode(code, file, s)])) as Record<
        Stopping,
        { ms: number; text: string }
      >;
      if (i === 0) return; // the first is a warm-up
      times.push(r[DEFAULT_STOPPING].ms);
      exactTimes.push(r.exact.ms);
      if (r[DEFAULT_STOPPING].text !== r.exact.text) differ++;
      memoryTimes.push(decode(code, file, DEFAULT_STOPPING, true).ms);
    });
    return {
      model: path.relative(root, dir),
      backend: choice.name,
      functions: times.length,
      sourceTokens: BUNDLED_TOKENS,
      latency: { p50: percentile(times, 50), p90: percentile(times, 90) },
      exactStopping: { p50: percentile(exactTimes, 50), p90: percentile(exactTimes, 90) },
      differ,
      withMemory: {
        p50: percentile(memoryTimes, 50),
        p90: percentile(memoryTimes, 90),
        remembered: remembered.length,
        memoryFirstMs,
        memoryAllMs,
      },
      rssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    runner.dispose();
    parsers.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: spawn children, run PyTorch, print the table.

const THREAD_ENV = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function runChild(backend: BenchBackend, name: ModelName, workers: number, timeoutMs: number): EngineResult | string {
  return spawnChild<EngineResult>(['--child', backend, name, String(workers)], timeoutMs);
}

/** Runs this script with `args` in a child process; its `RESULT` line, or why there is none. */
function spawnChild<R>(childArgs: readonly string[], timeoutMs: number): R | string {
  const args = [__filename, ...childArgs, ...process.argv.slice(2)];
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, ...THREAD_ENV },
  });
  if (r.error)
    return `skipped: ${r.error.message.includes('ETIMEDOUT') ? `no result within ${timeoutMs / 1000} s` : r.error.message}`;
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return `failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  return JSON.parse(line.slice(7)) as R;
}

/** Installs Debian's PyTorch when missing (root, apt reachable); returns a reason when it cannot. */
function ensureTorch(): string | null {
  const check = (): boolean => spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (check()) return null;
  console.log('[bench] installing python3-torch and libopenblas0-pthread with apt-get (one time)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', 'python3-torch', 'libopenblas0-pthread'], { stdio: 'inherit', env });
  return check() ? null : 'python3-torch could not be installed (needs root and Debian apt)';
}

interface TorchResult {
  torch: string;
  threads: number;
  /** The kernels OpenBLAS runs (set by OPENBLAS_CORETYPE, see ENVIRONMENT.md). */
  blasCore?: string;
  rssMb: number;
  gru?: EngineResult;
  transformer?: EngineResult;
  /** Never set: the reference has no copy mechanism and no convolutional model. */
  'gru-copy'?: EngineResult;
  'transformer-copy'?: EngineResult;
  cnn?: EngineResult;
}

/**
 * OpenBLAS in Debian bookworm does not recognise recent CPUs and falls back to its slowest
 * kernels; name the right ones for the PyTorch process only (never for tests or CI).
 */
function blasCoreType(): Record<string, string> {
  let flags = '';
  try {
    flags = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return {};
  }
  if (/\bavx512f\b/.test(flags)) return { OPENBLAS_CORETYPE: 'SkylakeX' };
  if (/\bavx2\b/.test(flags)) return { OPENBLAS_CORETYPE: 'Haswell' };
  return {};
}

function runTorch(models: ModelName[], threads: number): TorchResult | string {
  const why = ensureTorch();
  if (why) return why;
  const n = String(threads);
  const args = JSON.stringify({
    threads,
    steps: Number(flag('steps') ?? 5),
    sentences: Number(flag('sentences') ?? 20),
    decodeLen: DECODE_LEN,
    models,
  });
  const r = spawnSync(
    '/usr/bin/python3',
    [path.join(__dirname, '..', '..', '..', 'bench', 'engine', 'reference.py'), args],
    {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n, ...blasCoreType() },
    },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as TorchResult;
  } catch {
    return `failed: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`;
  }
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '-' : n.toFixed(digits);
}

interface Row {
  model: ModelName;
  engine: string;
  backend: BenchBackend | 'torch' | 'native';
  threads: number;
  r: EngineResult | string;
}

const loadAverage = (): string => {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
};

const list = (name: string, fallback: string): number[] => (flag(name) ?? fallback).split(',').map(Number);

function printRows(rows: Row[]): void {
  console.log(
    'model        engine                       step ms   tgt tok/s  vs torch  greedy p50/p90 ms  beam4 p50/p90 ms  peak RSS MB',
  );
  for (const { model, engine, backend, threads, r } of rows) {
    if (typeof r === 'string') {
      console.log(`${model.padEnd(12)} ${engine.padEnd(28)} ${r}`);
      continue;
    }
    // Against PyTorch with as many threads as this row has workers.
    const ref = rows.find((x) => x.model === model && x.backend === 'torch' && x.threads === threads)?.r;
    const ratio = typeof ref === 'object' && backend !== 'torch' ? r.tokensPerSec / ref.tokensPerSec : undefined;
    console.log(
      `${model.padEnd(12)} ${engine.padEnd(28)} ${fmt(r.stepMs).padStart(7)} ${fmt(r.tokensPerSec).padStart(11)} ${fmt(ratio, 3).padStart(9)}` +
        `  ${`${fmt(r.greedy?.p50)}/${fmt(r.greedy?.p90)}`.padStart(17)}  ${`${fmt(r.beam4?.p50)}/${fmt(r.beam4?.p90)}`.padStart(16)}  ${fmt(r.rssMb).padStart(11)}`,
    );
  }
}

/** tfjs 2 workers / PyTorch 2 threads and tfjs 2 workers / tfjs 1 worker, per model. */
function printRatios(rows: Row[], models: ModelName[], workers: number[]): void {
  const rate = (model: ModelName, backend: Row['backend'], threads: number): number | undefined => {
    const r = rows.find((x) => x.model === model && x.backend === backend && x.threads === threads)?.r;
    return typeof r === 'object' ? r.tokensPerSec : undefined;
  };
  const most = Math.max(...workers);
  if (most < 2) return;
  console.log('');
  for (const model of models) {
    const [one, many, torchMany] = [rate(model, 'wasm', 1), rate(model, 'wasm', most), rate(model, 'torch', most)];
    console.log(
      `${model}: tfjs ${most} workers / PyTorch ${most} threads ${fmt(many && torchMany ? many / torchMany : undefined, 3)}; ` +
        `tfjs ${most} workers / 1 worker ${fmt(many && one ? many / one : undefined, 2)}x`,
    );
  }
}

/** The native engine against tfjs with as many workers as it has processes, and against its own 1 process. */
function printNativeRatios(rows: Row[], models: ModelName[], workers: number[], procs: number[]): void {
  const rate = (model: ModelName, backend: Row['backend'], threads: number): number | undefined => {
    const r = rows.find((x) => x.model === model && x.backend === backend && x.threads === threads)?.r;
    return typeof r === 'object' ? r.tokensPerSec : undefined;
  };
  const most = Math.max(...procs);
  if (!Number.isFinite(most)) return;
  const tfjsMost = Math.max(...workers);
  for (const model of models) {
    const [native, nativeOne, tfjs] = [
      rate(model, 'native', most),
      rate(model, 'native', 1),
      rate(model, 'wasm', tfjsMost),
    ];
    console.log(
      `${model}: native ${most} processes / tfjs wasm ${tfjsMost} workers ${fmt(native && tfjs ? native / tfjs : undefined, 2)}x; ` +
        `native ${most} processes / 1 process ${fmt(native && nativeOne ? native / nativeOne : undefined, 2)}x`,
    );
  }
}

function printNotes(rows: Row[]): void {
  for (const { model, engine, r } of rows) {
    if (typeof r === 'string') continue;
    if (r.note) console.log(`note ${model} ${engine}: ${r.note}`);
    if (r.phases)
      console.log(
        `  step phases: gradients of all shares ${fmt(r.phases.gradientsMs)} ms, mean + clip + update + publish ${fmt(r.phases.updateMs)} ms; ` +
          `the first share alone ${fmt(r.phases.shareAloneMs)} ms`,
      );
    if (r.profile) {
      const total = r.profile.reduce((a, k) => a + k.ms, 0);
      console.log(`\nprofile of one ${model} training step on wasm (${total.toFixed(0)} ms in kernels):`);
      for (const k of r.profile.slice(0, 15)) {
        console.log(
          `  ${k.name.padEnd(22)} ${k.ms.toFixed(1).padStart(8)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)}%  ${String(k.calls).padStart(6)} calls`,
        );
      }
      console.log(`  kernel calls in total: ${r.profile.reduce((a, k) => a + k.calls, 0)}`);
    }
  }
}

/** The bundled model's line, with its ratio to the plain GRU's beam-4 p50 on the same backend (same run). */
function printBundled(b: BundledResult | string, rows: Row[]): void {
  if (typeof b === 'string') {
    console.log(`bundled model as \`seq2seq document\` runs it: ${b}`);
    return;
  }
  const plain = rows.find((r) => r.model === 'gru' && r.backend === b.backend && r.threads === 1)?.r;
  const ratio = typeof plain === 'object' && plain.beam4 ? b.latency.p50 / plain.beam4.p50 : undefined;
  console.log(
    `bundled model (${b.model}) as \`seq2seq document\` runs it on ${b.backend}: ${b.functions} functions of this repository ` +
      `with ${b.sourceTokens.min}-${b.sourceTokens.max} code tokens, beam ${DECODING_DEFAULTS.beamSize}, its tuned decoding, neighbours from src/: ` +
      `p50 ${fmt(b.latency.p50)} ms, p90 ${fmt(b.latency.p90)} ms per comment (peak RSS ${fmt(b.rssMb)} MB)` +
      (ratio !== undefined ? `; p50 ${fmt(ratio, 2)}x the plain GRU's beam-4 decode above` : '') +
      `; with the exact stopping bound p50 ${fmt(b.exactStopping.p50)} ms, p90 ${fmt(b.exactStopping.p90)} ms ` +
      `(default / exact p50 ${fmt(b.latency.p50 / b.exactStopping.p50, 2)}x; ${b.differ} of ${b.functions} comments differ); ` +
      `remembering ${b.withMemory.remembered} documented functions as corrections p50 ${fmt(b.withMemory.p50)} ms, p90 ${fmt(b.withMemory.p90)} ms ` +
      `(${fmt(b.withMemory.p50 / b.latency.p50, 2)}x without; the first request ${fmt(b.withMemory.memoryFirstMs)} ms, ` +
      `${fmt(b.withMemory.memoryAllMs)} ms with every other entry, which the engine worker computes between requests)`,
  );
}

async function parent(): Promise<void> {
  const modelList = flag('models') ?? 'gru,gru-copy,transformer,transformer-copy,cnn';
  const models = (modelList === 'none' ? [] : modelList.split(',')) as ModelName[];
  const nativeProcs = process.argv.includes('--no-native') ? [] : list('native', '1,2');
  const backends = (flag('backends') ?? 'wasm,tensorflow').split(',') as BenchBackend[];
  const workers = list('workers', '1,2');
  const torchThreads = process.argv.includes('--no-torch') ? [] : list('torch-threads', '1,2');
  const loadBefore = loadAverage();
  const rows: Row[] = [];
  const torch = new Map<number, TorchResult | string>();
  for (const threads of torchThreads) torch.set(threads, runTorch(models, threads));
  for (const model of models) {
    for (const backend of backends) {
      const timeout = backend === 'cpu' ? Number(flag('cpu-timeout-s') ?? 120) * 1000 : 600000;
      for (const n of backend === 'wasm' ? workers : [1]) {
        const engine = `tfjs ${backend}${backend === 'wasm' ? ` ${n} worker${n === 1 ? '' : 's'}` : ''}`;
        rows.push({ model, engine, backend, threads: n, r: runChild(backend, model, n, timeout) });
      }
    }
    for (const n of nativeProcs) {
      const r = await nativeRow(
        CONFIGS[model],
        { batch: B, src: S, tgt: T, vocab: VOCAB },
        n,
        Number(flag('steps') ?? 5),
        blasCoreType(),
      );
      const engine = `native ${n} process${n === 1 ? '' : 'es'}`;
      rows.push({ model, engine, backend: 'native', threads: n, r });
    }
    for (const [threads, t] of torch) {
      const r = typeof t === 'string' ? t : (t[model] ?? 'not run');
      if (typeof r !== 'string' && typeof t !== 'string') r.rssMb = t.rssMb;
      const name = typeof t === 'string' ? 'PyTorch' : `PyTorch ${t.torch}`;
      rows.push({
        model,
        engine: `${name} ${threads} thread${threads === 1 ? '' : 's'}`,
        backend: 'torch',
        threads,
        r,
      });
    }
  }
  const modelDirs = flag('model-dir')?.split(',') ?? [undefined];
  const bundled = process.argv.includes('--no-bundled')
    ? []
    : modelDirs.map((dir) => spawnChild<BundledResult>(['--bundled-child', ...(dir ? [dir] : [])], 600000));
  const loadAfter = loadAverage();
  console.log(
    `\nshapes: batch ${B}, source ${S}, target ${T}, vocab ${VOCAB}; decode: ${DECODE_SRC}-token source, ${DECODE_LEN} output steps`,
  );
  console.log(`load average (1/5/15 min) before ${loadBefore}, after ${loadAfter}; cores ${os.cpus().length}`);
  for (const [threads, t] of torch)
    if (typeof t !== 'string') console.log(`PyTorch ${threads} thread(s): OpenBLAS core ${t.blasCore ?? 'unknown'}`);
  printRows(rows);
  printRatios(rows, models, workers);
  printNativeRatios(rows, models, workers, nativeProcs);
  printNotes(rows);
  for (const backend of backends) {
    const find = (m: ModelName) => rows.find((r) => r.model === m && r.backend === backend && r.threads === 1)?.r;
    const [plain, copying] = [find('gru'), find('gru-copy')];
    if (typeof plain === 'object' && typeof copying === 'object')
      console.log(
        `copy mechanism on ${backend}: training step ${(copying.stepMs / plain.stepMs).toFixed(2)}x the plain GRU's, ` +
          `beam-4 decode p50 ${fmt((copying.beam4?.p50 ?? NaN) / (plain.beam4?.p50 ?? NaN), 2)}x`,
      );
  }
  for (const b of bundled) printBundled(b, rows);
  const out = flag('json');
  if (out) fs.writeFileSync(out, JSON.stringify({ loadBefore, loadAfter, rows, torch: [...torch], bundled }, null, 2));
}

async function main(): Promise<void> {
  const b = process.argv.indexOf('--bundled-child');
  if (b >= 0) {
    const dir = process.argv[b + 1]?.startsWith('--') ? undefined : process.argv[b + 1];
    console.log(`RESULT ${JSON.stringify(await bundledChild(dir))}`);
    return;
  }
  const i = process.argv.indexOf('--child');
  if (i >= 0) {
    const r = await child(
      process.argv[i + 1] as BenchBackend,
      process.argv[i + 2] as ModelName,
      Number(process.argv[i + 3]),
    );
    console.log(`RESULT ${JSON.stringify(r)}`);
    return;
  }
  await parent();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
