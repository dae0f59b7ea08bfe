/**
 * Fetching Debian binary packages without installing them: `apt-get download` in parallel
 * batches into a cache folder (a second build reuses what is there), `dpkg-deb -R` to unpack the
 * files with the control fields (source package, version), and the licence named in a
 * package's `usr/share/doc/<pkg>/copyright` (machine-readable DEP-5 or free text). A package that
 * fails is reported by name and left out; nothing here throws for one bad package.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);

/** The cached .deb of a package in `dir`, if any (`name_version_arch.deb`). */
export function cachedDeb(dir: string, pkg: string, listing: readonly string[]): string | undefined {
  const hit = listing.find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  return hit ? path.join(dir, hit) : undefined;
}

export interface DownloadResult {
  /** Package name to its .deb file. */
  readonly debs: Map<string, string>;
  /** Package name to why it could not be fetched. */
  readonly failed: Map<string, string>;
  readonly downloaded: number;
  readonly reused: number;
}

/** The first line of an apt error about a package, for the failure report. */
function aptReason(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('E:'));
  return (line ?? stderr.trim().split('\n').pop() ?? 'apt-get download failed').slice(0, 200);
}

async function downloadBatch(names: readonly string[], tmp: string): Promise<void> {
  await run('apt-get', ['download', '-q', ...names], { cwd: tmp, maxBuffer: 1 << 26 });
}

/**
 * Downloads the packages not yet in `cacheDir`, `batchSize` names per `apt-get download` call and
 * `parallel` calls at once. A batch that fails is retried name by name, so one missing package
 * costs only itself. Each batch writes into its own temporary folder; finished files are moved in.
 */
export async function downloadDebs(
  packages: readonly string[],
  cacheDir: string,
  options: {
    parallel?: number;
    batchSize?: number;
    onProgress?: (done: number, total: number) => void;
    /** Fetches .deb files of the names into a folder (default: `apt-get download`); for tests. */
    download?: (names: readonly string[], dir: string) => Promise<void>;
  } = {},
): Promise<DownloadResult> {
  const download = options.download ?? downloadBatch;
  fs.mkdirSync(cacheDir, { recursive: true });
  const listing = fs.readdirSync(cacheDir);
  const debs = new Map<string, string>();
  const failed = new Map<string, string>();
  const missing: string[] = [];
  for (const p of packages) {
    const hit = cachedDeb(cacheDir, p, listing);
    if (hit) debs.set(p, hit);
    else missing.push(p);
  }
  const reused = debs.size;
  const batchSize = options.batchSize ?? 100;
  const batches: string[][] = [];
  for (let i = 0; i < missing.length; i += batchSize) batches.push(missing.slice(i, i + batchSize));
  let done = 0;
  const collect = (tmp: string, names: readonly string[]): void => {
    const files = fs.readdirSync(tmp);
    for (const name of names) {
      const f = cachedDeb(tmp, name, files);
      if (!f) continue;
      const dest = path.join(cacheDir, path.basename(f));
      fs.renameSync(f, dest);
      debs.set(name, dest);
    }
  };
  let next = 0;
  const worker = async (id: number): Promise<void> => {
    const tmp = path.join(cacheDir, `.partial-${id}`);
    while (next < batches.length) {
      const batch = batches[next++]!;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      try {
        await download(batch, tmp);
        collect(tmp, batch);
      } catch {
        // One bad name fails the whole call: fetch the batch name by name to find it.
        for (const name of batch) {
          try {
            await download([name], tmp);
          } catch (e) {
            failed.set(name, aptReason(String((e as { stderr?: unknown }).stderr ?? e)));
          }
        }
        collect(tmp, batch);
      }
      for (const name of batch) if (!debs.has(name) && !failed.has(name)) failed.set(name, 'no .deb after download');
      done += batch.length;
      options.onProgress?.(done, missing.length);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 4) }, (_, i) => worker(i)));
  return { debs, failed, downloaded: debs.size - reused, reused };
}

export interface DebControl {
  readonly package: string;
  readonly source: string;
  readonly version: string;
}

/** Parses a package's control file (`Field: value` lines; continuation lines ignored). */
export function parseControl(text: string, fallbackPackage: string): DebControl {
  const field = (name: string): string | undefined =>
    new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() || undefined;
  const pkg = field('Package') ?? fallbackPackage;
  const version = field('Version') ?? '';
  // `Source: name (version)` when the source version differs from the binary's.
  const source = (field('Source') ?? pkg).split(/\s+/)[0]!;
  return { package: pkg, source, version };
}

/**
 * Unpacks a .deb into `dir` once (`dpkg-deb -R`: the files and, in `DEBIAN/`, the control files,
 * in one process) and returns its control fields; a `.unpacked` mark says it finished.
 */
export async function unpackDeb(deb: string, dir: string, pkg: string): Promise<DebControl> {
  const mark = path.join(dir, '.unpacked');
  if (!fs.existsSync(mark)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await run('dpkg-deb', ['-R', deb, dir]);
    fs.writeFileSync(mark, path.basename(deb));
  }
  return parseControl(fs.readFileSync(path.join(dir, 'DEBIAN', 'control'), 'utf8'), pkg);
}

/**
 * The licence of a Debian copyright file: in DEP-5 format, the `License:` of the `Files: *`
 * paragraph (else the first `License:`); in free text, a well-known licence named in it; else
 * `unknown`.
 */
export function licenceOf(copyright: string): string {
  const paragraphs = copyright.split(/\n\s*\n/);
  const licenseLine = (p: string): string | undefined => /^License:[ \t]*(\S.*)$/m.exec(p)?.[1]?.trim();
  const star = paragraphs.find((p) => /^Files:\s*\*\s*$/m.test(p));
  const first = (star && licenseLine(star)) ?? paragraphs.map(licenseLine).find((l) => l);
  if (first) return first;
  const known: [RegExp, string][] = [
    [/Apache License,? Version 2/i, 'Apache-2.0'],
    [/\bMIT License\b|Permission is hereby granted, free of charge/i, 'MIT'],
    [/GNU Lesser General Public License/i, 'LGPL'],
    [/GNU General Public License/i, 'GPL'],
    [/Redistribution and use in source and binary forms/i, 'BSD'],
    [/Mozilla Public License/i, 'MPL'],
  ];
  return known.find(([re]) => re.test(copyright))?.[1] ?? 'unknown';
}

/** The licence of an unpacked binary package, from its copyright file. */
export function packageLicence(unpacked: string, pkg: string): string {
  try {
    return licenceOf(fs.readFileSync(path.join(unpacked, 'usr', 'share', 'doc', pkg, 'copyright'), 'utf8'));
  } catch {
    return 'unknown';
  }
}
