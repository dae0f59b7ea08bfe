/**
 * Where the default model's corpus comes from: well-documented code that installs on any machine
 * without internet. JavaScript comes from npm packages pinned (exact versions) as devDependencies;
 * Python from the standard library of the machine's `python3`. Paths in the corpus are relative
 * to each source and prefixed with its name (`three/math/Vector3.js`, `python3.11/json/decoder.py`),
 * so the split by file is the same on every machine that has the same versions.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { buildCorpus, type CorpusReport } from '../../src/data/corpus';
import type { SourceFile } from '../../src/data/mine';
import { walkSourceFiles, type WalkSkips } from '../../src/data/walk';

export interface CorpusSource {
  /** Prefix of the corpus paths, e.g. `three` or `python3.11`. */
  readonly name: string;
  /** What it is, for the model card: `three@0.187.0` or `CPython 3.11.7 standard library`. */
  readonly label: string;
  readonly dir: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

interface PinnedPackage {
  readonly pkg: string;
  /** Folder inside the package; '' for its root. */
  readonly sub: string;
  readonly exclude?: readonly string[];
}

/** npm packages with good JSDoc, each pinned to an exact version in package.json. */
const PACKAGES: readonly PinnedPackage[] = [
  { pkg: 'three', sub: 'src' },
  // lodash's per-method modules; `lodash.js` is the same code in one file, `fp/` is generated.
  { pkg: 'lodash', sub: '', exclude: ['fp/**', 'lodash.js', 'core.js', '*.min.js'] },
  { pkg: 'webpack', sub: 'lib' },
  { pkg: 'eslint', sub: 'lib' },
];

/** Python's tests rarely carry docstrings and repeat themselves; they are left out. */
const PYTHON_EXCLUDE = ['site-packages/**', 'test/**', '**/tests/**', 'idlelib/idle_test/**', '**/__pycache__/**'];

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The Python standard library of `python3`, or a message saying how to get one. */
export function pythonStdlib(python = 'python3'): { version: string; dir: string } {
  let out: string;
  try {
    out = execFileSync(
      python,
      ['-c', 'import sys, sysconfig; print(sys.version.split()[0]); print(sysconfig.get_paths()["stdlib"])'],
      { encoding: 'utf8' },
    );
  } catch (e) {
    throw new Error(
      `cannot run ${python} (${e instanceof Error ? e.message : String(e)}); install Python 3 (apt-get install python3) ` +
        'or pass --python <path>.',
    );
  }
  const [version, dir] = out.trim().split('\n');
  if (!version || !dir || !fs.existsSync(dir)) throw new Error(`${python} reported no standard library folder`);
  return { version, dir };
}

/** The pinned sources, checked: each package must be installed at the version package.json pins. */
export function defaultSources(root: string, python = 'python3'): CorpusSource[] {
  const manifest = readJson(path.join(root, 'package.json'));
  const pins = { ...(manifest.devDependencies as Record<string, string>) };
  const out: CorpusSource[] = [];
  for (const p of PACKAGES) {
    const pin = pins[p.pkg];
    if (!pin || !/^\d+\.\d+\.\d+$/.test(pin))
      throw new Error(`package.json must pin ${p.pkg} to an exact version in devDependencies`);
    const dir = path.join(root, 'node_modules', p.pkg);
    const installed = fs.existsSync(path.join(dir, 'package.json'))
      ? String(readJson(path.join(dir, 'package.json')).version)
      : undefined;
    if (installed !== pin)
      throw new Error(`${p.pkg}@${pin} is not installed (found ${installed ?? 'none'}); run npm ci first.`);
    out.push({
      name: p.pkg,
      label: `${p.pkg}@${pin}`,
      dir: path.join(dir, p.sub),
      ...(p.exclude ? { exclude: p.exclude } : {}),
    });
  }
  const py = pythonStdlib(python);
  const [major, minor] = py.version.split('.');
  out.push({
    name: `python${major}.${minor}`,
    label: `CPython ${py.version} standard library`,
    dir: py.dir,
    exclude: PYTHON_EXCLUDE,
  });
  return out;
}

export interface MinedCorpus extends CorpusReport {
  /** Pairs kept per source name. */
  readonly perSource: Record<string, number>;
  readonly seconds: number;
}

/** Mines every source into one deduplicated corpus with source-relative paths. */
export async function mineSources(
  sources: readonly CorpusSource[],
  onFile?: (files: number, pairs: number) => void,
): Promise<MinedCorpus> {
  const started = Date.now();
  const skips: WalkSkips = {};
  async function* files(): AsyncGenerator<SourceFile> {
    for (const s of sources) {
      const base = path.resolve(s.dir);
      for await (const f of walkSourceFiles(
        [base],
        { ...(s.include ? { include: s.include } : {}), ...(s.exclude ? { exclude: s.exclude } : {}) },
        skips,
      )) {
        const rel = path.relative(base, path.resolve(f.path)).split(path.sep).join('/');
        yield { path: `${s.name}/${rel}`, content: f.content };
      }
    }
  }
  const report = await buildCorpus(files(), { ...(onFile ? { onFile } : {}) });
  const perSource: Record<string, number> = {};
  for (const p of report.pairs) {
    const name = p.path.slice(0, p.path.indexOf('/'));
    perSource[name] = (perSource[name] ?? 0) + 1;
  }
  return { ...report, perSource, seconds: (Date.now() - started) / 1000 };
}
