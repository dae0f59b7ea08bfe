/**
 * `npm run bench:engine`: training speed and decode latency of the real engine (src/core) on
 * every available TensorFlow.js backend, against a PyTorch reference of the same architecture
 * (bench/engine/reference.py through Debian's python3-torch), on identical shapes.
 *
 * Each measurement runs in its own child process so that peak RSS belongs to one backend and
 * one model. Prints a table; not a test (numbers depend on the machine and its load, so compare
 * ratios taken in the same run). Flags:
 *   --steps N       timed training steps per model (default 5, after one warm-up step)
 *   --sentences N   decode latency sample size (default 20)
 *   --models a,b    gru,gru-copy,transformer (default all three; gru-copy is the GRU with the copy
 *                   mechanism of the default model, reported as a ratio to the plain GRU)
 *   --backends ...  wasm,cpu,tensorflow,wasm-stock (default wasm,tensorflow; cpu and the stock
 *                   wasm kernels are slow: cpu never finished a GRU step in 200 s here)
 *   --cpu-timeout-s N  give the cpu backend this long per model before it is reported skipped
 *   --no-torch      skip the PyTorch reference
 *   --profile       add a per-kernel profile of one wasm training step
 *   --json FILE     also write the raw results
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs';

import { selectBackend, type BackendName } from '../../src/core/backend';
import type { ModelConfig } from '../../src/core/config';
import { maskedCrossEntropy } from '../../src/core/loss';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import { beamSearch, greedyDecode } from '../../src/core/search';
import { registerWasmKernels, wasmKernelStats } from '../../src/core/wasmKernels';

const B = 32;
const S = 60;
const T = 20;
const VOCAB = 4000;
const DECODE_SRC = 100;
const DECODE_LEN = 30;

type ModelName = 'gru' | 'gru-copy' | 'transformer';
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

const CONFIGS: Record<ModelName, Partial<ModelConfig>> = {
  gru: GRU,
  'gru-copy': { ...GRU, copy: true },
  transformer: {
    arch: 'transformer',
    dModel: 256,
    heads: 4,
    ffDim: 1024,
    encoderLayers: 2,
    decoderLayers: 2,
    dropout: 0.1,
  },
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

async function child(backend: BenchBackend, name: ModelName): Promise<EngineResult> {
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
  const result: EngineResult = {
    stepMs,
    tokensPerSec: (B * T * 1000) / stepMs,
    rssMb: 0,
    note: `${done} steps, first ${firstMs.toFixed(0)} ms`,
  };
  if (process.argv.includes('--profile') && backend === 'wasm') result.profile = await profileStep(model, opt, batch);
  if (sentences > 0 && backend !== 'wasm-stock') {
    for (const [key, beam] of [
      ['greedy', 1],
      ['beam4', 4],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i <= sentences; i++) {
        const src = [...ids(DECODE_SRC, 100 + i)];
        const opts = { maxLength: DECODE_LEN, minLength: DECODE_LEN, lengthPenalty: 0 };
        const s0 = performance.now();
        if (beam === 1) greedyDecode(model, src, opts);
        else beamSearch(model, src, { ...opts, beamSize: 4 });
        if (i > 0) times.push(performance.now() - s0); // the first is a warm-up
      }
      result[key] = { p50: percentile(times, 50), p90: percentile(times, 90) };
    }
  }
  if (backend === 'wasm') result.note += `; kernels ${JSON.stringify(wasmKernelStats())}`;
  result.rssMb = process.resourceUsage().maxRSS / 1024;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Parent: spawn children, run PyTorch, print the table.

const THREAD_ENV = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function runChild(backend: BenchBackend, name: ModelName, timeoutMs: number): EngineResult | string {
  const args = [__filename, '--child', backend, name, ...process.argv.slice(2).filter((a) => a !== '--child')];
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, ...THREAD_ENV },
  });
  if (r.error)
    return `skipped: ${r.error.message.includes('ETIMEDOUT') ? `no result within ${timeoutMs / 1000} s` : r.error.message}`;
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return `failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  return JSON.parse(line.slice(7)) as EngineResult;
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
  rssMb: number;
  gru?: EngineResult;
  transformer?: EngineResult;
  /** Never set: the reference has no copy mechanism. */
  'gru-copy'?: EngineResult;
}

function runTorch(models: ModelName[]): TorchResult | string {
  const why = ensureTorch();
  if (why) return why;
  const args = JSON.stringify({
    threads: 1,
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
      env: { ...process.env, ...THREAD_ENV },
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

async function parent(): Promise<void> {
  const models = (flag('models') ?? 'gru,gru-copy,transformer').split(',') as ModelName[];
  const backends = (flag('backends') ?? 'wasm,tensorflow').split(',') as BenchBackend[];
  const rows: { model: ModelName; engine: string; r: EngineResult | string }[] = [];
  const torch = process.argv.includes('--no-torch') ? 'skipped (--no-torch)' : runTorch(models);
  for (const model of models) {
    for (const backend of backends) {
      const timeout = backend === 'cpu' ? Number(flag('cpu-timeout-s') ?? 120) * 1000 : 600000;
      rows.push({ model, engine: `tfjs ${backend}`, r: runChild(backend, model, timeout) });
    }
    const t = typeof torch === 'string' ? torch : (torch[model] ?? 'not run');
    if (typeof t !== 'string' && typeof torch !== 'string') t.rssMb = torch.rssMb;
    rows.push({ model, engine: `PyTorch ${typeof torch === 'string' ? '' : torch.torch} (1 thread)`, r: t });
  }
  console.log(
    `\nshapes: batch ${B}, source ${S}, target ${T}, vocab ${VOCAB}; decode: ${DECODE_SRC}-token source, ${DECODE_LEN} output steps`,
  );
  console.log(
    'model        engine                     step ms   tgt tok/s  vs torch  greedy p50/p90 ms  beam4 p50/p90 ms  peak RSS MB',
  );
  for (const { model, engine, r } of rows) {
    if (typeof r === 'string') {
      console.log(`${model.padEnd(12)} ${engine.padEnd(26)} ${r}`);
      continue;
    }
    const ref = typeof torch === 'string' ? undefined : torch[model];
    const ratio = ref ? r.tokensPerSec / ref.tokensPerSec : undefined;
    console.log(
      `${model.padEnd(12)} ${engine.padEnd(26)} ${fmt(r.stepMs).padStart(7)} ${fmt(r.tokensPerSec).padStart(11)} ${fmt(ratio, 3).padStart(9)}` +
        `  ${`${fmt(r.greedy?.p50)}/${fmt(r.greedy?.p90)}`.padStart(17)}  ${`${fmt(r.beam4?.p50)}/${fmt(r.beam4?.p90)}`.padStart(16)}  ${fmt(r.rssMb).padStart(11)}`,
    );
  }
  for (const { model, engine, r } of rows) {
    if (typeof r === 'string') continue;
    if (r.note) console.log(`note ${model} ${engine}: ${r.note}`);
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
  for (const backend of backends) {
    const find = (m: ModelName) => rows.find((r) => r.model === m && r.engine === `tfjs ${backend}`)?.r;
    const [plain, copying] = [find('gru'), find('gru-copy')];
    if (typeof plain === 'object' && typeof copying === 'object')
      console.log(
        `copy mechanism on ${backend}: training step ${(copying.stepMs / plain.stepMs).toFixed(2)}x the plain GRU's, ` +
          `beam-4 decode p50 ${fmt((copying.beam4?.p50 ?? NaN) / (plain.beam4?.p50 ?? NaN), 2)}x`,
      );
  }
  const out = flag('json');
  if (out) fs.writeFileSync(out, JSON.stringify({ rows, torch }, null, 2));
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--child');
  if (i >= 0) {
    const r = await child(process.argv[i + 1] as BenchBackend, process.argv[i + 2] as ModelName);
    console.log(`RESULT ${JSON.stringify(r)}`);
    return;
  }
  await parent();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
