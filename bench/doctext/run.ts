/**
 * `npm run bench:doctext`: the text of the doc comments the editor inserts, over the functions of
 * the held-out test projects (the corpus of `npm run corpus:build`), each project its own
 * workspace. For each function: the bundled model's summary (with the project's neighbours, as
 * the editor asks), and for each parameter what the project's other files say about a parameter
 * of that name, else the parameter-description model's answer when it is sure enough; then the
 * whole doc comment in each format. Twice:
 *  - before: the builder, lookup and summary as they were before issue 36 (bench/doctext/beforeBuilder.ts,
 *    the lookup without the role rule, the best candidate as it is);
 *  - after: what the extension does now (text gate, one punctuation pass, the role rule, the
 *    provenance marker).
 * Counted by bench/doctext/detect.ts, written apart from the gate: inserted lines with repeated
 * sub-words, "..", ".,", a default stated twice, or no final period; parameters filled vs left as
 * placeholders. Also what the gate rejects of the test projects' own (human) doc comments.
 *
 * Flags: --corpus <dir>, --split test|valid, --langs python,javascript,typescript,
 * --limit <functions per language>, --reuse (the model outputs of the last run, from
 * .cache/doctext/), --json <file>.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { meanTokenProbability } from '../../src/core/lengthScore';
import { readCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { FunctionIndex, type IndexedFunction } from '../../src/retrieval/functionIndex';
import type { CorpusLanguage } from '../../src/parsing/languages';
import { paramSourceText, type ParamDescription } from '../../src/retrieval/paramDescriptions';
import { projectOf } from '../../src/retrieval/projectMemory';
import { DocAnalyzer, type AnalyzedFunction } from '../../src/docComments/analyze';
import { renderDoc, type DocRequest } from '../../src/docComments/builder';
import type { DocFormat } from '../../src/docComments/formats';
import { acceptedSummary, SUMMARY_MIN_CONFIDENCE, textProblem } from '../../src/docComments/textGate';
import { ModelRunner } from '../../src/inference/modelRunner';
import { describeParam } from '../../src/inference/paramModel';
import { seededPerLanguageSample } from '../../src/training/quality';
import { renderDoc as renderBefore } from './beforeBuilder';
import { identifiersOf, LINE_PROBLEMS, lineProblems, textLines, type LineProblem } from './detect';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CACHE = path.join(ROOT, '.cache', 'doctext');

/** The formats written per language: each language's convention first. */
const FORMATS: Partial<Record<CorpusLanguage, readonly DocFormat[]>> = {
  python: ['google', 'numpy', 'sphinx'],
  javascript: ['jsdoc'],
  typescript: ['tsdoc', 'jsdoc'],
};

/** The models' answers for one function (saved, so that --reuse scores again without decoding). */
interface ModelOutputs {
  readonly key: string;
  readonly summary?: { text: string; logProb: number; tokens: number; reused: boolean };
  readonly params: Record<string, { text: string; confidence: number }>;
}

interface Case {
  readonly record: CorpusRecord;
  readonly fn: AnalyzedFunction;
  readonly index: FunctionIndex;
}

const keyOf = (r: CorpusRecord): string => `${projectOf(r)}\t${r.path}\t${r.name}\t${r.line}`;

function indexOf(records: readonly CorpusRecord[], project: string): FunctionIndex {
  const index = new FunctionIndex(`/${project}`);
  const byFile = new Map<string, IndexedFunction[]>();
  for (const r of records) {
    const fns = byFile.get(r.path) ?? [];
    fns.push({
      path: r.path,
      lang: r.lang as CorpusLanguage,
      name: r.name,
      line: r.line,
      code: r.code,
      summary: r.summary,
      ...(r.params?.length
        ? {
            params: r.params
              .filter((p) => p.description?.trim())
              .map((p) => ({ name: p.name, description: p.description })),
          }
        : {}),
    });
    byFile.set(r.path, fns);
  }
  for (const [file, fns] of byFile) index.setFile(file, fns);
  return index;
}

async function cases(records: readonly CorpusRecord[], chosen: readonly CorpusRecord[]): Promise<Case[]> {
  const byProject = new Map<string, CorpusRecord[]>();
  for (const r of records) byProject.set(projectOf(r), [...(byProject.get(projectOf(r)) ?? []), r]);
  const indexes = new Map<string, FunctionIndex>();
  const analyzer = new DocAnalyzer();
  const out: Case[] = [];
  try {
    for (const r of chosen) {
      const project = projectOf(r);
      let index = indexes.get(project);
      if (!index) indexes.set(project, (index = indexOf(byProject.get(project)!, project)));
      const fns = await analyzer.analyze(r.lang as CorpusLanguage, r.code);
      const fn = fns.find((f) => f.shape.name === r.name && f.shape.kind !== 'class') ?? fns[0];
      if (fn) out.push({ record: r, fn, index });
    }
  } finally {
    analyzer.dispose();
  }
  return out;
}

async function decode(all: readonly Case[]): Promise<Map<string, ModelOutputs>> {
  await selectBackend({ setting: 'auto' });
  const summaries = await ModelRunner.load(path.join(ROOT, 'media', 'models', 'default'));
  const params = await ModelRunner.load(path.join(ROOT, 'media', 'models', 'params'));
  const out = new Map<string, ModelOutputs>();
  try {
    for (const [i, c] of all.entries()) {
      if (i % 50 === 0) process.stderr.write(`bench:doctext: decoding ${i}/${all.length}\n`);
      const r = c.record;
      const t = summaries.translate(
        { direction: 'code2doc', text: r.code, language: r.lang, decoding: DECODING_DEFAULTS },
        { index: c.index, excludePath: r.path },
      );
      const best = t.candidates.find((x) => x.text.trim());
      const described: ModelOutputs['params'] = {};
      for (const p of c.fn.shape.params) {
        const d = describeParam(params, paramSourceText(p.name, r.code));
        if (d.text) described[p.name] = d;
      }
      out.set(keyOf(r), {
        key: keyOf(r),
        ...(best
          ? {
              summary: {
                text: best.text,
                logProb: best.logProb,
                tokens: best.tokens.length,
                reused: best.reusedFrom !== undefined,
              },
            }
          : {}),
        params: described,
      });
    }
  } finally {
    summaries.dispose();
    params.dispose();
  }
  return out;
}

/** The parameter model's threshold, as the worker reads it. */
function paramThreshold(): number {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'media', 'models', 'params', 'config.json'), 'utf8')) as {
    meta?: { minConfidence?: number };
  };
  return config.meta?.minConfidence ?? 0;
}

type Stage = 'before' | 'after';

interface Tally {
  functions: number;
  lines: number;
  problems: Record<LineProblem, number>;
  anyProblem: number;
  params: number;
  fromProject: number;
  fromModel: number;
  placeholders: number;
  summaries: number;
}

const emptyTally = (): Tally => ({
  functions: 0,
  lines: 0,
  problems: Object.fromEntries(LINE_PROBLEMS.map((p) => [p, 0])) as Record<LineProblem, number>,
  anyProblem: 0,
  params: 0,
  fromProject: 0,
  fromModel: 0,
  placeholders: 0,
  summaries: 0,
});

/** The descriptions one stage gives a function. */
function descriptions(
  stage: Stage,
  c: Case,
  m: ModelOutputs,
  minConfidence: number,
): { summary?: string; params: Record<string, ParamDescription> } {
  const r = c.record;
  const params: Record<string, ParamDescription> = {};
  for (const p of c.fn.shape.params) {
    const role = {
      ...(p.type !== undefined ? { type: p.type } : {}),
      ...(p.default !== undefined ? { default: p.default } : {}),
    };
    const borrowed =
      stage === 'before'
        ? c.index.borrowedParamDescription(p.name, r.path)
        : c.index.borrowedParamDescription(p.name, r.path, role);
    const model = m.params[p.name];
    if (borrowed) params[p.name] = borrowed;
    else if (model && model.confidence >= minConfidence)
      params[p.name] = { text: model.text, source: 'model', confidence: model.confidence };
  }
  const s = m.summary;
  const summary =
    stage === 'before'
      ? s?.text
      : s &&
        acceptedSummary(
          [
            {
              text: s.text,
              logProb: s.logProb,
              tokens: new Array<number>(s.tokens),
              ...(s.reused ? { reusedFrom: true } : {}),
            },
          ],
          r.code,
        );
  return { ...(summary ? { summary } : {}), params };
}

function render(stage: Stage, c: Case, format: DocFormat, d: ReturnType<typeof descriptions>, mark = true): string {
  const options = { indent: '', eol: '\n', snippet: false };
  const lang = c.record.lang as CorpusLanguage;
  if (stage === 'before') {
    const params = Object.fromEntries(Object.entries(d.params).map(([k, v]) => [k, v.text]));
    return renderBefore(c.fn.shape, { lang, format, sections: 'full', descriptions: { ...d, params } }, options);
  }
  const req: DocRequest = {
    lang,
    format,
    sections: 'full',
    descriptions: { ...d, code: c.record.code },
    markBorrowed: mark,
  };
  return renderDoc(c.fn.shape, req, options);
}

function pct(n: number, d: number): string {
  return d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <dir>', 'corpus split by project', path.join(ROOT, '.cache', 'corpus'))
    .option('--split <name>', 'test or valid', 'test')
    .option('--langs <list>', 'languages', 'python,javascript,typescript')
    .option('--limit <n>', 'functions per language (seeded sample)', '250')
    .option('--reuse', "score the last run's model outputs again (.cache/doctext/)", false)
    .option('--json <file>', 'also write the tables as JSON')
    .option('--dump <file>', 'also write every function and parameter, before and after, as JSON lines')
    .parse()
    .opts<{
      corpus: string;
      split: string;
      langs: string;
      limit: string;
      reuse: boolean;
      json?: string;
      dump?: string;
    }>();
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a whole number of at least 1');
  const file = path.join(opts.corpus, `${opts.split}.jsonl`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the corpus (npm run corpus:build).`);
  const langs = opts.langs.split(',').map((l) => l.trim()) as CorpusLanguage[];
  for (const l of langs)
    if (!FORMATS[l]) throw new Error(`--langs: no formats for ${l}; use ${Object.keys(FORMATS).join(', ')}`);
  const records = (await readCorpus(file)).filter((r) => langs.includes(r.lang as CorpusLanguage));
  const chosen = seededPerLanguageSample(records, limit, 36);
  const all = await cases(records, chosen);
  const cacheFile = path.join(CACHE, `${opts.split}-${langs.join('+')}-${limit}.jsonl`);
  let outputs: Map<string, ModelOutputs>;
  if (opts.reuse && fs.existsSync(cacheFile)) {
    outputs = new Map(
      fs
        .readFileSync(cacheFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ModelOutputs)
        .map((o) => [o.key, o]),
    );
  } else {
    outputs = await decode(all);
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(cacheFile, [...outputs.values()].map((o) => JSON.stringify(o)).join('\n') + '\n');
  }
  const minConfidence = paramThreshold();

  // Inserted lines, before and after, per format.
  const tallies = new Map<string, Tally>();
  const tally = (key: string): Tally => {
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = emptyTally()));
    return t;
  };
  const gateRejects = {
    summary: new Map<string, number>(),
    project: new Map<string, number>(),
    model: new Map<string, number>(),
  };
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  let roleDropped = 0;
  let borrowedBefore = 0;
  const examples: string[] = [];
  const dump: string[] = [];
  for (const c of all) {
    const m = outputs.get(keyOf(c.record));
    if (!m) continue;
    const ids = identifiersOf(c.record.code);
    const lang = c.record.lang as CorpusLanguage;
    const stages = {
      before: descriptions('before', c, m, minConfidence),
      after: descriptions('after', c, m, minConfidence),
    };
    if (opts.dump)
      dump.push(
        JSON.stringify({
          key: keyOf(c.record),
          code: c.record.code,
          summary: { human: c.record.summary, model: m.summary, after: stages.after.summary },
          params: c.fn.shape.params.map((p) => ({
            name: p.name,
            type: p.type,
            default: p.default,
            human: c.record.params?.find((q) => q.name === p.name)?.description,
            model: m.params[p.name],
            before: stages.before.params[p.name],
            after: stages.after.params[p.name],
          })),
          docs: Object.fromEntries(
            FORMATS[lang]!.map((f) => [
              f,
              { before: render('before', c, f, stages.before), after: render('after', c, f, stages.after) },
            ]),
          ),
        }),
      );
    for (const p of c.fn.shape.params) {
      if (stages.before.params[p.name]?.source === 'project') {
        borrowedBefore++;
        if (stages.after.params[p.name]?.source !== 'project') roleDropped++;
      }
      const a = stages.after.params[p.name];
      if (a) {
        const problem = textProblem(a.text, { code: c.record.code, param: p.name, source: a.source });
        if (problem) bump(a.source === 'project' ? gateRejects.project : gateRejects.model, problem);
      }
    }
    if (m.summary && !stages.after.summary) {
      const s = m.summary;
      const problem =
        textProblem(s.text, {
          code: c.record.code,
          source: s.reused ? 'reused' : 'model',
          ...(s.reused
            ? {}
            : { confidence: meanTokenProbability({ logProb: s.logProb, tokens: new Array<number>(s.tokens) }) }),
          minConfidence: SUMMARY_MIN_CONFIDENCE,
        }) ?? 'lowConfidence';
      bump(gateRejects.summary, problem);
    }
    for (const format of FORMATS[lang]!) {
      for (const stage of ['before', 'after'] as const) {
        const doc = render(stage, c, format, stages[stage]);
        const t = tally(`${stage}\t${lang}\t${format}`);
        t.functions++;
        if (stages[stage].summary) t.summaries++;
        for (const line of textLines(doc, format)) {
          if (line.kind === 'param') {
            t.params++;
            if (line.placeholder) t.placeholders++;
          }
          if (line.placeholder) continue;
          t.lines++;
          const problems = lineProblems(line, ids);
          for (const p of problems) t.problems[p]++;
          if (problems.length) {
            t.anyProblem++;
            if (stage === 'after' && examples.length < 40)
              examples.push(`${format}: ${line.text}  [${problems.join(', ')}]`);
          }
        }
        if (stage === 'before' || format !== FORMATS[lang]![0]) continue;
        // Parameter lines come in the signature's order.
        const paramLines = textLines(doc, format).filter((l) => l.kind === 'param');
        c.fn.shape.params.forEach((p, i) => {
          if (paramLines[i]?.placeholder !== false) return;
          const src = stages.after.params[p.name]?.source;
          if (src === 'project') t.fromProject++;
          if (src === 'model') t.fromModel++;
        });
      }
    }
  }

  // What the gate would reject of what people wrote (the test projects' own doc comments).
  const human = {
    summaries: 0,
    summaryRejected: new Map<string, number>(),
    params: 0,
    paramRejected: new Map<string, number>(),
    asModel: new Map<string, number>(),
  };
  for (const c of all) {
    const r = c.record;
    human.summaries++;
    const sp = textProblem(r.summary, { code: r.code, source: 'reused' });
    if (sp) bump(human.summaryRejected, sp);
    for (const p of r.params ?? []) {
      if (!p.description?.trim()) continue;
      human.params++;
      const pp = textProblem(p.description, { code: r.code, param: p.name, source: 'project' });
      if (pp) bump(human.paramRejected, pp);
      const pm = textProblem(p.description, { code: r.code, param: p.name, source: 'model' });
      if (pm) bump(human.asModel, pm);
    }
  }

  const lines: string[] = [
    `Doc comment text on the ${opts.split} projects: ${all.length} functions (${langs.join(', ')}, at most ${limit} per language)`,
    '',
    'Inserted lines (summary and parameter descriptions; placeholders not counted) with each problem, found by bench/doctext/detect.ts:',
    '',
    '| language | format | stage | lines | repeated sub-words | ".." | ".," | default twice | no final period | any | parameters filled | placeholders |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rows: Record<string, unknown>[] = [];
  const keys = [...tallies.keys()].sort((a, b) => {
    const [sa, la, fa] = a.split('\t');
    const [sb, lb, fb] = b.split('\t');
    return la!.localeCompare(lb!) || fa!.localeCompare(fb!) || (sa === 'before' ? -1 : 1) - (sb === 'before' ? -1 : 1);
  });
  const total = { before: emptyTally(), after: emptyTally() };
  for (const key of keys) {
    const [stage, lang, format] = key.split('\t') as [Stage, string, string];
    const t = tallies.get(key)!;
    const tt = total[stage];
    tt.lines += t.lines;
    tt.anyProblem += t.anyProblem;
    tt.params += t.params;
    tt.placeholders += t.placeholders;
    for (const p of LINE_PROBLEMS) tt.problems[p] += t.problems[p];
    lines.push(
      `| ${lang} | ${format} | ${stage} | ${t.lines} | ${LINE_PROBLEMS.map((p) => t.problems[p]).join(' | ')} | ${t.anyProblem} (${pct(t.anyProblem, t.lines)}) | ${t.params - t.placeholders} (${pct(t.params - t.placeholders, t.params)}) | ${t.placeholders} |`,
    );
    rows.push({ stage, lang, format, ...t });
  }
  for (const stage of ['before', 'after'] as const) {
    const t = total[stage];
    lines.push(
      `| all | all | ${stage} | ${t.lines} | ${LINE_PROBLEMS.map((p) => t.problems[p]).join(' | ')} | ${t.anyProblem} (${pct(t.anyProblem, t.lines)}) | ${t.params - t.placeholders} (${pct(t.params - t.placeholders, t.params)}) | ${t.placeholders} |`,
    );
  }
  const firstFormat = keys.filter(
    (k) => k.startsWith('after\t') && FORMATS[k.split('\t')[1] as CorpusLanguage]![0] === k.split('\t')[2],
  );
  const fromProject = firstFormat.reduce((n, k) => n + tallies.get(k)!.fromProject, 0);
  const fromModel = firstFormat.reduce((n, k) => n + tallies.get(k)!.fromModel, 0);
  const summariesBefore = keys
    .filter((k) => k.startsWith('before\t') && firstFormat.includes(k.replace('before', 'after')))
    .reduce((n, k) => n + tallies.get(k)!.summaries, 0);
  const summariesAfter = firstFormat.reduce((n, k) => n + tallies.get(k)!.summaries, 0);
  const fmt = (m: Map<string, number>): string =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  lines.push(
    '',
    `After, in each language's own format: parameters filled from the project ${fromProject}, by the model ${fromModel}; summaries inserted ${summariesAfter} of ${all.length} (before: ${summariesBefore}).`,
    `Borrowed descriptions before: ${borrowedBefore}; no longer borrowed under the role rule: ${roleDropped} (${pct(roleDropped, borrowedBefore)}).`,
    '',
    'What the text gate rejected after (its own rules, so not an independent count):',
    `- summaries: ${fmt(gateRejects.summary)}`,
    `- borrowed parameter descriptions: ${fmt(gateRejects.project)}`,
    `- model parameter descriptions: ${fmt(gateRejects.model)}`,
    '',
    `What the gate would reject of the ${opts.split} projects' own doc comments (people's text; lower is better):`,
    `- summaries, as human text: ${pct(
      [...human.summaryRejected.values()].reduce((a, b) => a + b, 0),
      human.summaries,
    )} of ${human.summaries} (${fmt(human.summaryRejected)})`,
    `- parameter descriptions, as human text: ${pct(
      [...human.paramRejected.values()].reduce((a, b) => a + b, 0),
      human.params,
    )} of ${human.params} (${fmt(human.paramRejected)})`,
    `- the same, held to the model's rules too: ${pct(
      [...human.asModel.values()].reduce((a, b) => a + b, 0),
      human.params,
    )} (${fmt(human.asModel)})`,
    '',
    'Lines still counted after (first 40):',
    ...examples.map((e) => `- ${e}`),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  if (opts.dump) fs.writeFileSync(opts.dump, dump.join('\n') + '\n');
  if (opts.json)
    fs.writeFileSync(
      opts.json,
      JSON.stringify(
        {
          rows,
          gateRejects: Object.fromEntries(Object.entries(gateRejects).map(([k, v]) => [k, Object.fromEntries(v)])),
        },
        null,
        2,
      ),
    );
}

if (require.main === module)
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
