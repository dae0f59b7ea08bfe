/**
 * Where the scripts and benchmarks find the repository: its root (the nearest folder above this
 * module with a tsconfig.json, so the answer is the same from the TypeScript sources and from
 * their build under out/, which holds a copy of package.json but no tsconfig.json) and the
 * bundled model's folder, which train:default and train:v2 replace and the benchmarks score by
 * default.
 */
import * as fs from 'fs';
import * as path from 'path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'tsconfig.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no tsconfig.json above ${from}`);
  }
}

/** The repository root. */
export const REPO_ROOT = findRoot(__dirname);

/** The bundled default model, `media/models/default`. */
export const MEDIA_MODEL_DIR = path.join(REPO_ROOT, 'media', 'models', 'default');
/** The bundled parameter-description model (`npm run train:params`). */
export const MEDIA_PARAM_MODEL_DIR = path.join(REPO_ROOT, 'media', 'models', 'params');
