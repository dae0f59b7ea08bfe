/**
 * Runs the mining processes of the corpus build: one `mineWorker` child process per job, each fed
 * projects largest first so the processes finish together. A project already mined by the same
 * miner from the same .deb files is reused from the cache (its JSONL and a small JSON of counts).
 */
import { fork, type ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { MineRequest, MineResult } from './records';

export interface ProjectJob {
  readonly project: string;
  readonly family: string;
  readonly packages: readonly { readonly name: string; readonly deb: string }[];
}

/** The miner's compiled files under out/src: what decides which pairs a project gives. */
const MINER_FILES = [
  'mining/mine.js',
  'mining/filters.js',
  'mining/walk.js',
  'parsing/functions.js',
  'parsing/languages.js',
  'parsing/parser.js',
  'docComments/read.js',
];

/** A fingerprint of the mining code, so a changed miner re-mines instead of reusing old output. */
export function minerFingerprint(): string {
  const h = createHash('sha256');
  const src = path.resolve(__dirname, '..', '..', 'src');
  for (const f of MINER_FILES) h.update(fs.readFileSync(path.join(src, f)));
  h.update(fs.readFileSync(path.join(__dirname, 'mineWorker.js')));
  return h.digest('hex').slice(0, 16);
}

function cacheKey(job: ProjectJob, fingerprint: string): string {
  return `${fingerprint}:${job.packages.map((p) => path.basename(p.deb)).join(',')}`;
}

/** The mined JSONL of a project in the cache folder. */
export function minedFile(minedDir: string, project: string): string {
  return path.join(minedDir, `${project}.jsonl`);
}

export interface MiningProgress {
  projects: number;
  reused: number;
  files: number;
  pairs: number;
}

/** The result of a project whose mining failed as a whole. */
export function failedResult(job: ProjectJob, reason: string): MineResult {
  return {
    type: 'mined',
    project: job.project,
    packages: [],
    failed: job.packages.map((p) => ({ name: p.name, reason })),
    files: 0,
    bytes: 0,
    mined: 0,
    pairs: 0,
    skippedFiles: {},
    skippedPairs: {},
    seconds: 0,
  };
}

/** Mines the jobs (or reuses their cached output) and returns one result per project. */
export async function mineProjects(
  jobs: readonly ProjectJob[],
  cacheDir: string,
  options: { jobs: number; onResult?: (r: MineResult, progress: MiningProgress) => void },
): Promise<MineResult[]> {
  const minedDir = path.join(cacheDir, 'mined');
  fs.mkdirSync(minedDir, { recursive: true });
  const fingerprint = minerFingerprint();
  const results: MineResult[] = [];
  const progress: MiningProgress = { projects: 0, reused: 0, files: 0, pairs: 0 };
  const record = (r: MineResult): void => {
    results.push(r);
    progress.projects++;
    progress.files += r.files;
    progress.pairs += r.pairs;
    options.onResult?.(r, progress);
  };
  const todo: ProjectJob[] = [];
  for (const job of jobs) {
    const meta = path.join(minedDir, `${job.project}.json`);
    try {
      const cached = JSON.parse(fs.readFileSync(meta, 'utf8')) as { key: string; result: MineResult };
      if (cached.key === cacheKey(job, fingerprint) && fs.existsSync(minedFile(minedDir, job.project))) {
        progress.reused++;
        record(cached.result);
        continue;
      }
    } catch {
      // Not cached yet.
    }
    todo.push(job);
  }
  const size = (j: ProjectJob): number => j.packages.reduce((s, p) => s + fs.statSync(p.deb).size, 0);
  const sizes = new Map(todo.map((j) => [j.project, size(j)]));
  todo.sort((a, b) => sizes.get(b.project)! - sizes.get(a.project)! || (a.project < b.project ? -1 : 1));
  const workerScript = path.join(__dirname, 'mineWorker.js');
  const children: ChildProcess[] = [];
  let next = 0;
  const runChild = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(workerScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let current: ProjectJob | undefined;
      const send = (): void => {
        current = todo[next++];
        if (!current) {
          child.disconnect();
          return;
        }
        const req: MineRequest = {
          type: 'mine',
          project: current.project,
          family: current.family,
          packages: current.packages,
          unpackDir: path.join(cacheDir, 'unpack', current.project),
          outFile: minedFile(minedDir, current.project),
        };
        child.send(req);
      };
      child.on('message', (r: MineResult) => {
        const job = current!;
        fs.writeFileSync(
          path.join(minedDir, `${job.project}.json`),
          JSON.stringify({ key: cacheKey(job, fingerprint), result: r }),
        );
        record(r);
        send();
      });
      child.on('exit', (code, signal) => {
        if (!current) return resolve();
        // The process died inside a project: report its packages as failed, go on with a new process.
        const why = `mining process died (${signal ?? `exit ${code}`})`;
        record(failedResult(current, why));
        runChild().then(resolve, reject);
      });
      child.on('error', reject);
      send();
    });
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, todo.length)) }, runChild));
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
  return results.sort((a, b) => (a.project < b.project ? -1 : 1));
}
