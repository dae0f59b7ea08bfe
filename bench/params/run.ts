/**
 * `npm run bench:params`: parameter descriptions on held-out projects (the corpus of
 * `npm run corpus:build`), each project its own workspace, chosen as the editor chooses them
 * (bench/params/cases.ts): the project's description of a parameter of that name and role, else
 * the parameter model's answer when the text gate takes it at a confidence threshold, else the
 * placeholder. Per language and threshold: the share of parameters filled by the project, by the
 * model and left as placeholders, and corpus chrF and smoothed BLEU-4 of the filled ones (the
 * model's apart) and of all (a placeholder scored as the name split into words, the baseline).
 * The model is asked only where the project says nothing, as in the editor.
 *
 * Flags: --corpus <dir>, --split valid|test, --model <dir>, --answers <file> (the model's answers:
 * read when there, the missing ones decoded and added), --limit <n per language>, --threshold <p>
 * with --sample <n> (a seeded sample of the model's inserted answers, to read), --json <file>.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { readCorpus } from '../../src/mining/dataset';
import { selectBackend } from '../../src/core/backend';
import { describeParam } from '../../src/inference/paramModel';
import { ModelRunner } from '../../src/inference/modelRunner';
import { seededPerLanguageSample } from '../../src/training/quality';
import { seededRandom, shuffleInPlace } from '../../src/mining/random';
import { nameBaseline } from '../../src/retrieval/retrieval';
import { averageSentenceBleu } from '../../src/training/bleu';
import { corpusChrf, pairedBootstrapChrf } from '../../src/training/chrf';
import {
  choose,
  modelSource,
  paramCases,
  readAnswers,
  writeAnswers,
  type Choice,
  type ParamCase,
  type SavedAnswer,
} from './cases';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Confidence thresholds tried for the model's answers (mean token probability). */
export const THRESHOLDS = [0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6];

const pct = (n: number, d: number): string => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`);
const fixed = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(2));

/** Corpus chrF and smoothed BLEU-4 (×100) of `texts` against the cases' references; none for no text. */
function quality(cs: readonly ParamCase[], texts: readonly string[]): { chrf?: number; bleu?: number } {
  if (cs.length === 0) return {};
  const refs = cs.map((c) => c.reference);
  return { chrf: corpusChrf(texts, refs), bleu: 100 * averageSentenceBleu(texts, refs) };
}

/** Shares and quality of one language's (or all) choices. */
export function tally(cs: readonly ParamCase[], choices: readonly Choice[]) {
  const by = (who: Choice['by']) =>
    cs.flatMap((c, i) => (choices[i]!.by === who ? [[c, choices[i]!.text!] as const] : []));
  const project = by('project');
  const model = by('model');
  const filled = [...project, ...model];
  const q = (pairs: readonly (readonly [ParamCase, string])[]) =>
    quality(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
  return {
    parameters: cs.length,
    project: project.length / Math.max(1, cs.length),
    model: model.length / Math.max(1, cs.length),
    placeholder: (cs.length - filled.length) / Math.max(1, cs.length),
    projectQuality: q(project),
    modelQuality: q(model),
    filledQuality: q(filled),
    overall: quality(
      cs,
      cs.map((c, i) => choices[i]!.text ?? nameBaseline(c.name)),
    ),
  };
}

async function decodeMissing(
  cases: readonly ParamCase[],
  modelDir: string,
  answers: Map<string, SavedAnswer>,
  save: () => void,
): Promise<void> {
  const todo = cases.filter((c) => c.project === undefined && !answers.has(c.key));
  if (todo.length === 0) return;
  await selectBackend({ setting: 'auto' });
  const runner = await ModelRunner.load(modelDir);
  try {
    for (const [i, c] of todo.entries()) {
      if (i % 250 === 0) {
        process.stderr.write(`bench:params: model ${i}/${todo.length}\n`);
        save();
      }
      const d = describeParam(runner, modelSource(c));
      answers.set(c.key, { key: c.key, model: modelDir, lang: c.lang, name: c.name, reference: c.reference, ...d });
    }
  } finally {
    runner.dispose();
    save();
  }
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <dir>', 'corpus split by project', path.join(ROOT, '.cache', 'corpus'))
    .option('--split <name>', 'valid or test', 'test')
    .option('--model <dir>', 'also score a parameter-description model (npm run train:params)')
    .option('--answers <file>', "with --model: the model's answers, read when there, the missing ones added")
    .option('--limit <n>', 'at most this many parameters per language (seeded sample)')
    .option('--threshold <p>', 'with --model and --sample: the confidence threshold of the sample')
    .option('--sample <n>', "with --threshold: print a seeded sample of this many of the model's inserted answers")
    .option('--json <file>', 'also write the rows as JSON')
    .parse()
    .opts<{
      corpus: string;
      split: string;
      model?: string;
      answers?: string;
      limit?: string;
      threshold?: string;
      sample?: string;
      json?: string;
    }>();
  const file = path.join(opts.corpus, `${opts.split}.jsonl`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus (npm run corpus:build).`);
  if ((opts.answers || opts.sample) && !opts.model) throw new Error('--answers and --sample need --model <dir>.');
  if (opts.sample && opts.threshold === undefined) throw new Error('--sample needs --threshold <p>.');
  let cases = paramCases(await readCorpus(file));
  if (opts.limit) cases = seededPerLanguageSample(cases, Number(opts.limit), 29);
  const languages = [...[...new Set(cases.map((c) => c.lang))].sort(), 'all'];
  const of = (lang: string): number[] => cases.flatMap((c, i) => (lang === 'all' || c.lang === lang ? [i] : []));
  const rows: Record<string, unknown>[] = [];

  const lines = [
    `Parameter descriptions on the ${opts.split} projects (${cases.length} documented parameters)`,
    '',
    "The project's own descriptions (a parameter of that name and role in another file; the text gate's rules for people's text):",
    '',
    '| language | parameters | filled by the project | project chrF | project sBLEU-4 | all: project else name, chrF | name chrF | project-else-name above name (bootstrap, chrF) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const noModel = cases.map((c) => choose(c, undefined, 1));
  for (const lang of languages) {
    const idx = of(lang);
    const cs = idx.map((i) => cases[i]!);
    const t = tally(
      cs,
      idx.map((i) => noModel[i]!),
    );
    const refs = cs.map((c) => c.reference);
    const name = cs.map((c) => nameBaseline(c.name));
    const projectElseName = idx.map((i, k) => noModel[i]!.text ?? name[k]!);
    const row = {
      lang,
      ...t,
      nameChrf: corpusChrf(name, refs),
      wins: pairedBootstrapChrf(refs, projectElseName, name, 1000),
    };
    rows.push({ system: 'project', ...row });
    lines.push(
      `| ${lang} | ${cs.length} | ${pct(t.project, 1)} | ${fixed(t.projectQuality.chrf)} | ${fixed(t.projectQuality.bleu)} | ${fixed(t.overall.chrf)} | ${fixed(row.nameChrf)} | ${pct(row.wins, 1)} |`,
    );
  }

  if (opts.model) {
    const modelDir = path.resolve(opts.model);
    const answers = opts.answers ? readAnswers(opts.answers, modelDir) : new Map<string, SavedAnswer>();
    await decodeMissing(cases, modelDir, answers, () => {
      if (opts.answers) writeAnswers(opts.answers, answers);
    });
    lines.push(
      '',
      `Project, else the model when the text gate takes its answer (confidence at least the threshold, reads as words, a complete phrase), else the placeholder; quality of the filled lines, and of all with a placeholder scored as the name split into words (${path.basename(path.dirname(modelDir))}/${path.basename(modelDir)}):`,
      '',
      '| threshold | language | parameters | project | model | placeholder | model chrF | model sBLEU-4 | filled chrF | filled sBLEU-4 | all chrF | all sBLEU-4 |',
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const threshold of THRESHOLDS) {
      const choices = cases.map((c) => choose(c, answers.get(c.key), threshold));
      for (const lang of languages) {
        const idx = of(lang);
        const t = tally(
          idx.map((i) => cases[i]!),
          idx.map((i) => choices[i]!),
        );
        rows.push({ system: 'model', threshold, lang, ...t });
        lines.push(
          `| ${threshold} | ${lang} | ${t.parameters} | ${pct(t.project, 1)} | ${pct(t.model, 1)} | ${pct(t.placeholder, 1)} | ${fixed(t.modelQuality.chrf)} | ${fixed(t.modelQuality.bleu)} | ${fixed(t.filledQuality.chrf)} | ${fixed(t.filledQuality.bleu)} | ${fixed(t.overall.chrf)} | ${fixed(t.overall.bleu)} |`,
        );
      }
    }
    lines.push(
      '',
      "Why the text gate turns down the model's answers at each threshold (all languages; the model's answers where the project says nothing):",
      '',
    );
    const asked = cases.filter((c) => c.project === undefined);
    const reasons = new Map<number, Map<string, number>>();
    for (const threshold of THRESHOLDS) {
      const m = new Map<string, number>();
      for (const c of asked) {
        const p = choose(c, answers.get(c.key), threshold).problem;
        if (p) m.set(p, (m.get(p) ?? 0) + 1);
      }
      reasons.set(threshold, m);
    }
    const kinds = [...new Set([...reasons.values()].flatMap((m) => [...m.keys()]))].sort();
    lines.push(`| threshold | ${kinds.join(' | ')} |`, `|---:|${kinds.map(() => '---:').join('|')}|`);
    for (const [threshold, m] of reasons) {
      lines.push(`| ${threshold} | ${kinds.map((k) => pct(m.get(k) ?? 0, asked.length)).join(' | ')} |`);
      rows.push({ system: 'gate', threshold, asked: asked.length, ...Object.fromEntries(m) });
    }
    if (opts.sample) {
      const threshold = Number(opts.threshold);
      const inserted = cases.filter((c) => choose(c, answers.get(c.key), threshold).by === 'model');
      const sample = shuffleInPlace([...inserted], seededRandom(41)).slice(0, Number(opts.sample));
      lines.push(
        '',
        `A seeded sample of ${sample.length} of the model's ${inserted.length} inserted answers at threshold ${threshold}:`,
        '',
        '| language | parameter | confidence | model | the author |',
        '|---|---|---:|---|---|',
      );
      const cell = (s: string): string => s.replace(/\|/g, '\\|');
      for (const c of sample) {
        const a = answers.get(c.key)!;
        lines.push(
          `| ${c.lang} | ${cell(c.name)} | ${a.confidence.toFixed(2)} | ${cell(a.text)} | ${cell(c.reference)} |`,
        );
      }
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
