/**
 * `npm run corpus:manifest`: chooses the corpus manifest from the machine's apt lists
 * (/var/lib/apt/lists, read with apt's own `apt-helper cat-file`, which undoes their compression)
 * by the rule of manifest.ts, and writes scripts/corpus/manifest.json. Run once after
 * `apt-get update`; the committed manifest is what builds use.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_RULE, parsePackagesIndex, selectManifest, type IndexEntry } from './manifest';

const LISTS = '/var/lib/apt/lists';

function readIndexes(): IndexEntry[] {
  const files = fs
    .readdirSync(LISTS)
    .filter((f) => /_binary-amd64_Packages(\.\w+)?$/.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no Packages index in ${LISTS}: run apt-get update first.`);
  const out: IndexEntry[] = [];
  for (const f of files) {
    const text = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', path.join(LISTS, f)], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    out.push(...parsePackagesIndex(text));
  }
  return out;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..');
  const manifest = selectManifest(readIndexes(), DEFAULT_RULE);
  const file = path.join(root, 'scripts', 'corpus', 'manifest.json');
  // Formatted as the repository's prettier formats it, so a regenerated manifest diffs cleanly.
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(JSON.stringify(manifest), { ...config, filepath: file }));
  for (const f of manifest.families) {
    const pkgs = f.projects.reduce((s, p) => s + p.packages.length, 0);
    console.log(`${f.name}: ${f.projects.length} projects, ${pkgs} packages`);
  }
  console.log(`wrote ${path.relative(root, file)}`);
}

main().catch((e: unknown) => {
  console.error(`corpus:manifest failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
