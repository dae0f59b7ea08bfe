/**
 * Runs the native engine (native/, PyTorch) from tests. Where no Python with PyTorch is found the
 * native tests are skipped with the reason, except in CI (`CI` set), where .ci/run installs
 * PyTorch and a missing engine is a failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { findNativeEngine, NativeEngineError, type NativeEngine } from '../../../src/training/nativeEngine';
import { scaled } from '../../timeScale';

let cached: NativeEngine | Error | undefined;

/** The engine, or the reason there is none (thrown in CI). */
export function nativeEngineOrSkip(ctx: Mocha.Context): NativeEngine {
  if (cached === undefined) {
    try {
      cached = findNativeEngine();
    } catch (e) {
      cached = e instanceof Error ? e : new Error(String(e));
    }
  }
  if (!(cached instanceof Error)) return cached;
  if (process.env.CI || !(cached instanceof NativeEngineError)) throw cached;
  process.stderr.write(`      (skipped: ${cached.message})\n`);
  ctx.skip();
}

/** `python -m seq2seq_native <args>` with one thread; throws with its stderr on failure. */
export function runNativeSync(engine: NativeEngine, args: readonly string[], timeoutMs = 300_000): string {
  const r = spawnSync(engine.python, ['-m', 'seq2seq_native', ...args], {
    encoding: 'utf8',
    timeout: scaled(timeoutMs),
    env: { ...process.env, PYTHONPATH: engine.packageRoot, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) {
    throw new Error(`seq2seq_native ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  }
  return r.stdout;
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** scripts/model-v2/train.js (the compiled recipe runner), as the native recipe tests start it. */
const TRAIN_SCRIPT = path.join(__dirname, '..', '..', '..', 'scripts', 'model-v2', 'train.js');

/** `train.js --corpus … --work … --recipe … <args>`: its exit code and output. */
export function runRecipe(
  paths: { readonly corpus: string; readonly work: string; readonly recipe: string },
  ...args: string[]
): { code: number; out: string; err: string } {
  const r = spawnSync(
    process.execPath,
    [TRAIN_SCRIPT, '--corpus', paths.corpus, '--work', paths.work, '--recipe', paths.recipe, ...args],
    { encoding: 'utf8', timeout: 300_000 },
  );
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The lines of a native run's metrics.jsonl. */
export function nativeMetrics<T>(nativeRunDir: string): T[] {
  return fs
    .readFileSync(path.join(nativeRunDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
}

/** The committed recipe of `npm run train:v3` (scripts/model-v3/recipe.json), to shrink for a test. */
export type RecipeJson = {
  arms: Record<string, { model: Record<string, unknown> } & Record<string, unknown>>;
  training: Record<string, unknown>;
} & Record<string, unknown>;

export function committedV3Recipe(): RecipeJson {
  return readJson<RecipeJson>(path.join(__dirname, '..', '..', '..', '..', 'scripts', 'model-v3', 'recipe.json'));
}
