/**
 * A mining process of the corpus build (started with `fork`, one per core): for each project it
 * is sent, it unpacks the project's .deb files, reads their control fields and licences, walks the
 * unpacked tree with the strict file rules, mines every file with the project's Miner, drops
 * trivial pairs, writes the project's records as JSONL (atomically) and answers with counts. The
 * unpacked tree is removed afterwards; the .deb files and the JSONL stay as the build's cache.
 */
import * as fs from 'fs';
import * as path from 'path';
import { filterPairs, type PairSkipReason } from '../../src/mining/filters';
import { languageOfPath, type CorpusLanguage } from '../../src/parsing/languages';
import { Miner, type Pair } from '../../src/mining/mine';
import { walkSourceFiles, type WalkSkips } from '../../src/mining/walk';
import { packageLicence, unpackDeb } from './debian';
import { ALL_ROOTS } from './manifest';
import { NearDupIndex, signatureToBase64 } from './nearDup';
import type { CorpusRecord, MineRequest, MineResult, PackageInfo } from './records';

/** Folders of an unpacked package that hold no project source. */
const NOT_SOURCE = [
  'DEBIAN/**',
  'usr/share/doc/**',
  'usr/share/man/**',
  'usr/share/lintian/**',
  'usr/share/bash-completion/**',
];

/** A path inside an unpacked package, its family's install prefix removed. */
export function projectPath(rel: string, roots: readonly string[]): string {
  for (const r of roots) if (rel.startsWith(r)) return rel.slice(r.length);
  return rel;
}

const miner = new Miner();
/** Signatures are computed here, in parallel, rather than in the build's single assembly pass. */
const signer = new NearDupIndex();

/**
 * Can this file hold a doc comment at all? A cheap test before parsing: a file without the
 * language's doc opener cannot give a pair (Python: a triple-quoted string; one-line docstrings in
 * single quotes are rare and are lost).
 */
export function mayHoldDocs(lang: CorpusLanguage, content: string): boolean {
  switch (lang) {
    case 'python':
      return content.includes('"""') || content.includes("'''");
    case 'go':
    case 'c-sharp':
      return content.includes('//');
    case 'rust':
      return content.includes('///') || content.includes('/**');
    case 'ruby':
      return content.includes('#');
    case 'cpp':
      return content.includes('/**') || content.includes('/*!') || content.includes('///') || content.includes('//!');
    default:
      return content.includes('/**');
  }
}

async function minePackage(
  req: MineRequest,
  pkg: { name: string; deb: string },
  info: PackageInfo,
  out: fs.WriteStream,
  totals: { files: number; bytes: number; mined: number; pairs: number },
  skips: WalkSkips & { noDocs?: number },
  skippedPairs: Partial<Record<PairSkipReason, number>>,
): Promise<void> {
  const dir = path.join(req.unpackDir, pkg.name);
  for await (const file of walkSourceFiles([dir], { strict: true, exclude: NOT_SOURCE, gitignore: false }, skips)) {
    const rel = path.relative(dir, file.path).split(path.sep).join('/');
    const lang = languageOfPath(file.path);
    if (!lang || !mayHoldDocs(lang, file.content)) {
      skips.noDocs = (skips.noDocs ?? 0) + 1;
      continue;
    }
    let pairs: Pair[];
    try {
      pairs = await miner.mine(file, lang);
    } catch {
      skips.unreadable = (skips.unreadable ?? 0) + 1;
      continue;
    }
    totals.files++;
    totals.bytes += Buffer.byteLength(file.content, 'utf8');
    totals.mined += pairs.length;
    const kept = filterPairs(pairs);
    for (const [k, v] of Object.entries(kept.skipped)) {
      skippedPairs[k as PairSkipReason] = (skippedPairs[k as PairSkipReason] ?? 0) + v;
    }
    const filePath = projectPath(rel, ALL_ROOTS);
    for (const p of kept.kept) {
      const rec: CorpusRecord = {
        project: req.project,
        version: info.version,
        package: pkg.name,
        lang: p.lang,
        path: filePath,
        name: p.name,
        line: p.line,
        code: p.code,
        doc: p.doc,
        summary: p.summary,
        params: p.params,
        ...(p.returns !== undefined ? { returns: p.returns } : {}),
        throws: p.throws,
        license: info.license,
      };
      const line = JSON.stringify({ ...rec, sig: signatureToBase64(signer.signature(p.code)) });
      if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      totals.pairs++;
    }
  }
}

async function mineProject(req: MineRequest): Promise<MineResult> {
  const started = Date.now();
  const tmp = `${req.outFile}.tmp`;
  const out = fs.createWriteStream(tmp);
  const totals = { files: 0, bytes: 0, mined: 0, pairs: 0 };
  const skips: WalkSkips & { noDocs?: number } = {};
  const skippedPairs: Partial<Record<PairSkipReason, number>> = {};
  const packages: PackageInfo[] = [];
  const failed: { name: string; reason: string }[] = [];
  for (const pkg of req.packages) {
    try {
      const dir = path.join(req.unpackDir, pkg.name);
      const control = await unpackDeb(pkg.deb, dir, pkg.name);
      const info = { name: pkg.name, ...control, license: packageLicence(dir, pkg.name) };
      await minePackage(req, pkg, info, out, totals, skips, skippedPairs);
      packages.push(info);
    } catch (e) {
      failed.push({
        name: pkg.name,
        reason: (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200),
      });
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  fs.renameSync(tmp, req.outFile);
  fs.rmSync(req.unpackDir, { recursive: true, force: true });
  return {
    type: 'mined',
    project: req.project,
    packages,
    failed,
    ...totals,
    skippedFiles: skips,
    skippedPairs,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) {
  // Requests are handled one at a time, in the order they arrive.
  let queue = Promise.resolve();
  process.on('message', (msg: MineRequest) => {
    if (msg?.type !== 'mine') return;
    queue = queue.then(async () => {
      process.send!(await mineProject(msg));
    });
  });
  process.on('disconnect', () => {
    miner.dispose();
    process.exit(0);
  });
}
