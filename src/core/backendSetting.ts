/**
 * The backend setting's values, kept apart from backend.ts so that reading a setting does not
 * load TensorFlow.js (the extension host imports this at activation), and the rule for where
 * tfjs-node may be loaded from.
 */
import * as fs from 'fs';
import * as path from 'path';

export type BackendSetting = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_SETTINGS: readonly BackendSetting[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export function isBackendSetting(value: unknown): value is BackendSetting {
  return typeof value === 'string' && (BACKEND_SETTINGS as readonly string[]).includes(value);
}

/** A path with symbolic links resolved as far as it exists (a missing tail is kept as written). */
function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Why `seq2seq.tensorflowPath` must not be loaded, or undefined: a folder inside an open
 * workspace folder is refused, since loading tfjs-node from there would run the workspace's code
 * (a repository could ship it and point the setting at it).
 */
export function tensorflowPathProblem(tensorflowPath: string, workspaceFolders: readonly string[]): string | undefined {
  if (!tensorflowPath) return undefined;
  const target = realPath(tensorflowPath);
  const folder = workspaceFolders.find((f) => isInside(target, realPath(f)));
  if (!folder) return undefined;
  return (
    `seq2seq.tensorflowPath (${tensorflowPath}) is inside the workspace folder ${folder}, and Seq2Seq never loads ` +
    'code from a workspace. Install @tensorflow/tfjs-node outside it (e.g. a global npm prefix) and point the user setting there.'
  );
}
