/**
 * TensorFlow.js backend selection.
 *
 * Order for `auto`: native TensorFlow (`@tensorflow/tfjs-node`, an optional dependency that
 * cannot install everywhere), then WebAssembly, then the plain JavaScript CPU backend. An
 * explicit setting is tried first and falls back down the same list. Every attempt is recorded
 * so that the user can see which backend runs and why the faster ones did not.
 *
 * The loaders are injectable so that the selection logic is testable without the native module.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { tensorflowPathProblem, type BackendName, type BackendSetting } from './backendSetting';

export type { BackendName, BackendSetting } from './backendSetting';
export { BACKEND_SETTINGS, isBackendSetting, tensorflowPathProblem } from './backendSetting';

/** One try at activating a backend. */
export interface BackendAttempt {
  readonly name: BackendName;
  readonly ok: boolean;
  /** Why it failed, in words a user can act on. */
  readonly error?: string;
}

/** The outcome of {@link selectBackend}. */
export interface BackendChoice {
  readonly name: BackendName;
  readonly setting: BackendSetting;
  readonly attempts: readonly BackendAttempt[];
  /** One line for a log, a CLI banner or a status bar tooltip. */
  readonly reason: string;
}

/** Loads and registers one backend with TensorFlow.js; throws when it cannot. */
export interface BackendLoaders {
  tensorflow(): Promise<void>;
  wasm(): Promise<void>;
  cpu(): Promise<void>;
}

export interface SelectBackendOptions {
  setting?: BackendSetting;
  /** Folder holding the tfjs wasm binaries (`tfjs-backend-wasm*.wasm`). */
  wasmDir?: string;
  /** Extra place to load `@tensorflow/tfjs-node` from (a folder with it installed). */
  tensorflowPath?: string;
  /** Folders tfjs-node is never loaded from (the open workspace folders): see tensorflowPathProblem. */
  workspaceFolders?: readonly string[];
  loaders?: Partial<BackendLoaders>;
  /** Activates a registered backend; returns false when TensorFlow.js refused it. */
  activate?: (name: BackendName) => Promise<boolean>;
  log?: (line: string) => void;
}

const FALLBACK_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** The list of backends to try for a setting, best first. */
export function candidateOrder(setting: BackendSetting): BackendName[] {
  if (setting === 'auto') return [...FALLBACK_ORDER];
  const rest = FALLBACK_ORDER.slice(FALLBACK_ORDER.indexOf(setting) + 1);
  return [setting, ...rest];
}

/** Where the wasm binaries live: next to the bundle (`dist/wasm`) or in node_modules. */
export function defaultWasmDir(): string {
  const bundled = path.join(__dirname, 'wasm');
  if (fs.existsSync(path.join(bundled, 'tfjs-backend-wasm-simd.wasm'))) return bundled + path.sep;
  const pkg = nodeRequire().resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/** Node's own require, hidden from webpack so that it does not try to bundle what it loads. */
function nodeRequire(): NodeRequire {
  return eval('require') as NodeRequire;
}

function defaultLoaders(options: SelectBackendOptions): BackendLoaders {
  return {
    async tensorflow() {
      const req = nodeRequire();
      const places = ['@tensorflow/tfjs-node'];
      const refused = options.tensorflowPath
        ? tensorflowPathProblem(options.tensorflowPath, options.workspaceFolders ?? [])
        : undefined;
      if (options.tensorflowPath && !refused) {
        places.push(path.join(options.tensorflowPath, 'node_modules', '@tensorflow', 'tfjs-node'));
        places.push(options.tensorflowPath);
      }
      let lastError: unknown;
      for (const place of places) {
        try {
          req(place);
          return;
        } catch (e) {
          lastError = e;
        }
      }
      if (refused) throw new Error(refused);
      throw new Error(
        `@tensorflow/tfjs-node is not installed (${firstLine(lastError)}). ` +
          'Install it with `npm install @tensorflow/tfjs-node` for the fastest backend.',
      );
    },
    async wasm() {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(options.wasmDir ?? defaultWasmDir());
      // Faster BatchMatMul and the kernels training needs that the stock wasm backend lacks.
      const { registerWasmKernels } = await import('./wasmKernels');
      registerWasmKernels();
      // The threaded build starts its workers from a blob URL, which Node rejects; one thread.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    },
    async cpu() {
      // Registered by the union package already.
    },
  };
}

async function defaultActivate(name: BackendName): Promise<boolean> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  // TensorFlow.js may silently fall back to another backend: check what is really active.
  return ok && tf.getBackend() === name;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}

const LABELS: Record<BackendName, string> = {
  tensorflow: 'TensorFlow (native, tfjs-node)',
  wasm: 'WebAssembly',
  cpu: 'JavaScript CPU',
};

/**
 * Activates the best available backend for `setting` and says why it was chosen.
 * Throws only when no backend at all can run.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const setting = options.setting ?? 'auto';
  const loaders: BackendLoaders = { ...defaultLoaders(options), ...options.loaders };
  const activate = options.activate ?? defaultActivate;
  const attempts: BackendAttempt[] = [];
  for (const name of candidateOrder(setting)) {
    try {
      await loaders[name]();
      if (!(await activate(name))) throw new Error(`TensorFlow.js could not start the ${name} backend`);
      attempts.push({ name, ok: true });
      const choice: BackendChoice = { name, setting, attempts, reason: describeChoice(setting, name, attempts) };
      options.log?.(`[backend] ${choice.reason}`);
      return choice;
    } catch (e) {
      attempts.push({ name, ok: false, error: firstLine(e) });
      options.log?.(`[backend] ${name} unavailable: ${firstLine(e)}`);
    }
  }
  throw new Error(
    'No TensorFlow.js backend could start: ' + attempts.map((a) => `${a.name}: ${a.error ?? ''}`).join('; '),
  );
}

function describeChoice(setting: BackendSetting, name: BackendName, attempts: readonly BackendAttempt[]): string {
  const failed = attempts.filter((a) => !a.ok);
  const head = `Using ${LABELS[name]}`;
  if (failed.length === 0) return setting === 'auto' ? `${head} (best available).` : `${head} (as set).`;
  const why = failed.map((a) => `${LABELS[a.name]}: ${a.error}`).join('; ');
  return `${head}; ${setting === 'auto' ? 'faster backends' : `the chosen backend (${setting})`} unavailable: ${why}`;
}
