/**
 * The native engine's rows of `bench:engine`: the real `python -m seq2seq_native train` command
 * (the loop a native run uses: batching, DistributedDataParallel, the tfjs-formula Adam, clipping)
 * on examples of exactly the benchmark's shapes, from the same starting weights as the tfjs rows,
 * with 1 and more processes (one thread each). Target tokens per second are taken from the run's
 * own metrics between its second step and its last, so start-up and the first (warm-up) step do
 * not count. OpenBLAS runs its real kernels for this machine (ENVIRONMENT.md), and the row says
 * which core it reports.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import { resolveModelConfig, type ModelConfig } from '../../src/core/config';
import { writeInterchange } from '../../src/modelFolder/interchange';
import { buildModel } from '../../src/core/model';
import { CODE2DOC_ID, EOS_ID } from '../../src/core/specialTokens';
import { encodeExamples } from '../../src/training/examplesCache';
import { findNativeEngine, handOffFiles, type NativeEngine } from '../../src/training/nativeEngine';

export interface NativeShapes {
  readonly batch: number;
  readonly src: number;
  readonly tgt: number;
  readonly vocab: number;
}

export interface NativeResult {
  stepMs: number;
  tokensPerSec: number;
  rssMb: number;
  note: string;
  threads: number;
}

/** Seeded ids in [6, vocab) (below 6 are special tokens). */
function ids(n: number, vocab: number, seed: number): number[] {
  let x = seed >>> 0;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return 6 + (x % (vocab - 6));
  });
}

/** The OpenBLAS core the engine's Python reports under `env`. */
function blasCore(engine: NativeEngine, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(
    engine.python,
    [
      '-c',
      "import torch, ctypes; l = ctypes.CDLL('libopenblas.so.0'); l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())",
    ],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );
  return r.status === 0 ? r.stdout.trim() : 'unknown (no libopenblas.so.0)';
}

/**
 * One native row: `config` trained for `steps` timed steps (plus one warm-up) on `nproc` local
 * processes. `blasEnv` names OpenBLAS's kernels for the PyTorch processes only.
 */
export async function nativeRow(
  config: Partial<ModelConfig>,
  shapes: NativeShapes,
  nproc: number,
  steps: number,
  blasEnv: Record<string, string>,
): Promise<NativeResult | string> {
  let engine: NativeEngine;
  try {
    engine = findNativeEngine();
  } catch (e) {
    return `skipped: ${e instanceof Error ? e.message : String(e)}`;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-bench-native-'));
  try {
    const { batch: B, src: S, tgt: T, vocab: V } = shapes;
    const resolved = resolveModelConfig({ ...config, maxSrcLen: S, maxTgtLen: T }, V, V);
    // Every example has the benchmark's lengths: src S ids, tgtIn / tgtOut T ids.
    const count = B * (steps + 4);
    const examples = Array.from({ length: count }, (_, i) => ({
      src: [CODE2DOC_ID, ...ids(S - 2, V, 2 * i + 1), EOS_ID],
      tgt: ids(T - 1, V, 2 * i + 2),
    }));
    const files = handOffFiles(dir);
    fs.writeFileSync(files.train, encodeExamples(examples));
    fs.writeFileSync(files.valid, encodeExamples(examples.slice(0, B)));
    // The starting weights are built here (the parent process has no backend of its own yet).
    await selectBackend({ setting: 'cpu' });
    const model = buildModel(resolved, V, V, 42);
    await writeInterchange(files.start, model);
    model.dispose();
    const training = {
      batchSize: B,
      optimizer: { name: 'adam', learningRate: 1e-3 },
      schedule: { kind: 'constant' },
      labelSmoothing: 0.1,
      clipNorm: 1,
      maxEpochs: 1,
      evalEvery: 0,
    };
    fs.writeFileSync(files.run, JSON.stringify({ model: resolved, training }));
    const env = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', ...blasEnv };
    const args = ['--examples', files.train, '--valid', files.valid, '--config', files.run, '--init', files.start];
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'MAXRSS %M',
        engine.python,
        '-m',
        'seq2seq_native',
        'train',
        ...args,
        ...['--out', files.runDir, '--steps', String(steps + 1), '--nproc', String(nproc), '--threads', '1'],
      ],
      { encoding: 'utf8', timeout: 900_000, env: { ...process.env, ...env, PYTHONPATH: engine.packageRoot } },
    );
    if (r.status !== 0)
      return `failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`;
    const lines = fs
      .readFileSync(path.join(files.runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step?: number; elapsedMs?: number; tokens?: number })
      .filter((m) => typeof m.step === 'number' && typeof m.tokens === 'number' && typeof m.elapsedMs === 'number');
    const first = lines[0];
    const last = lines[lines.length - 1];
    if (!first || !last || lines.length < 2) return 'failed: the run logged fewer than two steps';
    const timed = lines.slice(1);
    const ms = last.elapsedMs! - first.elapsedMs!;
    const tokens = timed.reduce((n, m) => n + m.tokens!, 0);
    // GNU time's peak RSS is the launcher's or the largest child's: one process's, as the tfjs rows report.
    const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
    return {
      stepMs: ms / timed.length,
      tokensPerSec: (tokens * 1000) / ms,
      rssMb: rss,
      threads: nproc,
      note: `PyTorch ${engine.torchVersion}, ${nproc} process${nproc === 1 ? '' : 'es'} x 1 thread, OpenBLAS core ${blasCore(engine, blasEnv)}; ${timed.length} timed steps after 1 warm-up`,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
