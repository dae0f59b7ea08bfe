/**
 * `npm run bench:params`: parameter descriptions on held-out projects (the corpus of
 * `npm run corpus:build`), each project its own workspace. For every documented parameter of a
 * documented function, two systems: the parameter's name split into words (the baseline the issue
 * names), and the description the project's other files give a parameter of the same name
 * (src/retrieval/paramDescriptions.ts), falling back to the name where they give none. Per language:
 * how many parameters the project lookup answers, corpus chrF, smoothed BLEU-4, and paired
 * bootstrap of lookup against name. Flags: --corpus <dir>, --split valid|test, --json <file>.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { readCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { ParamDescriptions, paramSourceText } from '../../src/retrieval/paramDescriptions';
import { selectBackend } from '../../src/core/backend';
import { describeParam } from '../../src/inference/paramModel';
import { ModelRunner } from '../../src/inference/modelRunner';
import { seededPerLanguageSample } from '../../src/training/quality';
import { projectOf } from '../../src/retrieval/projectMemory';
import { nameBaseline } from '../../src/retrieval/retrieval';
import { averageSentenceBleu } from '../../src/training/bleu';
import { corpusChrf, pairedBootstrapChrf } from '../../src/training/chrf';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ParamCase {
  readonly lang: string;
  readonly reference: string;
  readonly name: string;
  /** What the parameter-description model reads (name and code). */
  readonly source: string;
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
        out.push({
          lang: r.lang,
          reference,
          name: p.name,
          source: paramSourceText(p.name, r.code),
          ...(found ? { project: found } : {}),
        });
      }
  }
  return out;
}

/** Confidence thresholds tried for the model's answers (mean token probability). */
const THRESHOLDS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];

/**
 * The product's answer for each case: the project's description, else the model's when its
 * confidence is at least `threshold`, else the name split into words (the placeholder's text).
 */
export function shipped(
  cases: readonly ParamCase[],
  model: readonly { text: string; confidence: number }[],
  threshold: number,
): string[] {
  return cases.map((c, i) => c.project ?? (model[i]!.confidence >= threshold ? model[i]!.text : nameBaseline(c.name)));
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <dir>', 'corpus split by project', path.join(ROOT, '.cache', 'corpus'))
    .option('--split <name>', 'valid or test', 'test')
    .option('--model <dir>', 'also score a parameter-description model (npm run train:params)')
    .option('--limit <n>', 'at most this many parameters per language (seeded sample)')
    .option(
      '--threshold <p>',
      "with --model: the confidence below which the model's answer is not used (chosen on valid)",
    )
    .option('--json <file>', 'also write the rows as JSON')
    .parse()
    .opts<{ corpus: string; split: string; model?: string; limit?: string; threshold?: string; json?: string }>();
  const file = path.join(opts.corpus, `${opts.split}.jsonl`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus (npm run corpus:build).`);
  let cases = paramCases(await readCorpus(file));
  if (opts.limit) cases = seededPerLanguageSample(cases, Number(opts.limit), 29);
  let model: { text: string; confidence: number }[] | undefined;
  if (opts.model) {
    await selectBackend({ setting: 'auto' });
    const runner = await ModelRunner.load(opts.model);
    try {
      model = cases.map((c, i) => {
        if (i % 500 === 0) process.stderr.write(`bench:params: model ${i}/${cases.length}\n`);
        return describeParam(runner, c.source);
      });
    } finally {
      runner.dispose();
    }
  }
  const lines = [
    `Parameter descriptions on the ${opts.split} projects (${cases.length} documented parameters)`,
    '',
    '| language | parameters | answered by the project | name chrF | project chrF | name sBLEU-4 | project sBLEU-4 | project above name (bootstrap, chrF) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rows: Record<string, unknown>[] = [];
  const languages = [...[...new Set(cases.map((c) => c.lang))].sort(), 'all'];
  for (const lang of languages) {
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
  if (model) {
    const m = model;
    const pick = (lang: string): [ParamCase[], { text: string; confidence: number }[]] => {
      const idx = cases.flatMap((c, i) => (lang === 'all' || c.lang === lang ? [i] : []));
      return [idx.map((i) => cases[i]!), idx.map((i) => m[i]!)];
    };
    const [all, allModel] = pick('all');
    const refs = all.map((c) => c.reference);
    lines.push(
      '',
      `Project, else the model when its confidence (mean token probability) is at least the threshold, else the name (all languages):`,
      '',
      '| threshold | model answers | chrF | smoothed BLEU-4 |',
      '|---:|---:|---:|---:|',
    );
    for (const t of THRESHOLDS) {
      const out = shipped(all, allModel, t);
      const used = all.filter((c, i) => !c.project && allModel[i]!.confidence >= t).length;
      lines.push(
        `| ${t} | ${((100 * used) / Math.max(1, all.length)).toFixed(1)}% | ${corpusChrf(out, refs).toFixed(2)} | ${(100 * averageSentenceBleu(out, refs)).toFixed(2)} |`,
      );
    }
    const threshold = opts.threshold !== undefined ? Number(opts.threshold) : undefined;
    lines.push(
      '',
      `Per language${threshold !== undefined ? `, threshold ${threshold}` : ''}: the model alone, and as shipped (project, else model${threshold !== undefined ? ' ≥ threshold' : ''}, else name):`,
      '',
      '| language | parameters | model chrF | model sBLEU-4 | shipped chrF | shipped sBLEU-4 | shipped above project-else-name (bootstrap, chrF) |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const lang of languages) {
      const [cs, ms] = pick(lang);
      const r = cs.map((c) => c.reference);
      const alone = ms.map((x) => x.text);
      const out = shipped(cs, ms, threshold ?? 0);
      const before = cs.map((c) => c.project ?? nameBaseline(c.name));
      const row = {
        lang,
        parameters: cs.length,
        modelChrf: corpusChrf(alone, r),
        modelBleu: 100 * averageSentenceBleu(alone, r),
        shippedChrf: corpusChrf(out, r),
        shippedBleu: 100 * averageSentenceBleu(out, r),
        wins: pairedBootstrapChrf(r, out, before, 1000),
      };
      rows.push({ system: 'model', threshold, ...row });
      lines.push(
        `| ${lang} | ${row.parameters} | ${row.modelChrf.toFixed(2)} | ${row.modelBleu.toFixed(2)} | ${row.shippedChrf.toFixed(2)} | ${row.shippedBleu.toFixed(2)} | ${(100 * row.wins).toFixed(1)}% |`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(rows, null, 2)}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`bench:params failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
