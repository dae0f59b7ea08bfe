/**
 * `npm run bench:params`: parameter descriptions on held-out projects (the corpus of
 * `npm run corpus:build`), each project its own workspace. For every documented parameter of a
 * documented function, two systems: the parameter's name split into words (the baseline the issue
 * names), and the description the project's other files give a parameter of the same name
 * (src/data/paramDescriptions.ts), falling back to the name where they give none. Per language:
 * how many parameters the project lookup answers, corpus chrF, smoothed BLEU-4, and paired
 * bootstrap of lookup against name. Flags: --corpus <dir>, --split valid|test, --json <file>.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { readCorpus, type CorpusRecord } from '../../src/data/dataset';
import { ParamDescriptions } from '../../src/data/paramDescriptions';
import { projectOf } from '../../src/data/projectMemory';
import { nameBaseline } from '../../src/data/retrieval';
import { averageSentenceBleu } from '../../src/training/bleu';
import { corpusChrf, pairedBootstrapChrf } from '../../src/training/chrf';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ParamCase {
  readonly lang: string;
  readonly reference: string;
  readonly name: string;
  /** The project's description from another file, if any. */
  readonly project?: string;
}

/** Every documented parameter of `records`, with the project lookup's answer (own file left out). */
export function paramCases(records: readonly CorpusRecord[]): ParamCase[] {
  const byProject = new Map<string, CorpusRecord[]>();
  for (const r of records) byProject.set(projectOf(r), [...(byProject.get(projectOf(r)) ?? []), r]);
  const out: ParamCase[] = [];
  for (const rs of byProject.values()) {
    const lookup = new ParamDescriptions(rs);
    for (const r of rs)
      for (const p of r.params ?? []) {
        const reference = p.description?.replace(/\s+/g, ' ').trim();
        if (!reference) continue;
        const found = lookup.describe(p.name, r.path);
        out.push({ lang: r.lang, reference, name: p.name, ...(found ? { project: found } : {}) });
      }
  }
  return out;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <dir>', 'corpus split by project', path.join(ROOT, '.cache', 'corpus'))
    .option('--split <name>', 'valid or test', 'test')
    .option('--json <file>', 'also write the rows as JSON')
    .parse()
    .opts<{ corpus: string; split: string; json?: string }>();
  const file = path.join(opts.corpus, `${opts.split}.jsonl`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus (npm run corpus:build).`);
  const cases = paramCases(await readCorpus(file));
  const lines = [
    `Parameter descriptions on the ${opts.split} projects (${cases.length} documented parameters)`,
    '',
    '| language | parameters | answered by the project | name chrF | project chrF | name sBLEU-4 | project sBLEU-4 | project above name (bootstrap, chrF) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rows: Record<string, unknown>[] = [];
  for (const lang of [...[...new Set(cases.map((c) => c.lang))].sort(), 'all']) {
    const cs = cases.filter((c) => lang === 'all' || c.lang === lang);
    const refs = cs.map((c) => c.reference);
    const name = cs.map((c) => nameBaseline(c.name));
    const project = cs.map((c, i) => c.project ?? name[i]!);
    const row = {
      lang,
      parameters: cs.length,
      answered: cs.filter((c) => c.project).length / Math.max(1, cs.length),
      nameChrf: corpusChrf(name, refs),
      projectChrf: corpusChrf(project, refs),
      nameBleu: 100 * averageSentenceBleu(name, refs),
      projectBleu: 100 * averageSentenceBleu(project, refs),
      wins: pairedBootstrapChrf(refs, project, name, 1000),
    };
    rows.push(row);
    lines.push(
      `| ${lang} | ${row.parameters} | ${(100 * row.answered).toFixed(1)}% | ${row.nameChrf.toFixed(2)} | ${row.projectChrf.toFixed(2)} | ${row.nameBleu.toFixed(2)} | ${row.projectBleu.toFixed(2)} | ${(100 * row.wins).toFixed(1)}% |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(rows, null, 2)}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`bench:params failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
