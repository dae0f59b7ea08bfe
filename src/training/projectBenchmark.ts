/**
 * The quality benchmark on held-out projects, each treated as the user's workspace: what
 * `npm run bench:quality` measures on the corpus of `npm run corpus:build` (split by project).
 *
 * For every scored function, its workspace is the rest of its own project in the same split
 * (the documented functions of the project's other files, as the workspace index would hold
 * them); the function's own file is never a neighbour. Systems, all on the same pairs:
 *  - each model given (the shipped system, with reuse of a near-copy neighbour's summary when
 *    its meta says so, and its beam's own output, "generated only"), decoding with the
 *    project's workspace index as the extension does;
 *  - in-project BM25: the summary of the most similar documented function from another file of
 *    the project (leave-file-out);
 *  - the function's name split into words.
 * The sample is drawn with a fixed seed before any result is seen: `perLanguage` pairs of each
 * language, and a smaller fixed sample (20 per language) for the side-by-side table.
 */
import * as path from 'path';

import { DECODING_DEFAULTS, type Decoding } from '../core/decoding';
import type { CorpusRecord } from '../mining/dataset';
import { FunctionIndex, type IndexedFunction } from '../retrieval/functionIndex';
import { projectOf } from '../retrieval/projectMemory';
import { nameBaseline } from '../retrieval/retrieval';
import { ModelRunner } from '../inference/modelRunner';
import {
  bootstrapRows,
  bootstrapText,
  qualityTable,
  scoreSystems,
  type BootstrapRow,
  type QualityRow,
} from './quality';
import { modelPredictions, type ModelPredictions, type WorkspaceOf } from './predictions';

/** The seed of the scored sample, fixed before any result was seen. */
export const PROJECT_SAMPLE_SEED = 20261201;

/** The in-project BM25 system's name in the tables. */
export const BM25_PROJECT = 'bm25 in-project';
export const NAME_SYSTEM = 'name';

/** One workspace index per project of `records` (documented functions, grouped by file). */
export function projectWorkspaces(records: readonly CorpusRecord[]): Map<string, FunctionIndex> {
  const byFile = new Map<string, Map<string, IndexedFunction[]>>();
  for (const r of records) {
    const project = projectOf(r);
    let files = byFile.get(project);
    if (!files) byFile.set(project, (files = new Map()));
    let fns = files.get(r.path);
    if (!fns) files.set(r.path, (fns = []));
    fns.push({ path: r.path, lang: r.lang, name: r.name, line: r.line, code: r.code, summary: r.summary });
  }
  const out = new Map<string, FunctionIndex>();
  for (const [project, files] of byFile) {
    const index = new FunctionIndex(path.join('/projects', project || 'unnamed'));
    for (const [file, fns] of files) index.setFile(file, fns);
    out.set(project, index);
  }
  return out;
}

export interface ModelOutputs extends ModelPredictions {
  /** Milliseconds per pair. */
  readonly msPerPair: number;
}

/** Each pair's workspace: its project's index, its own file excluded. */
export function projectWorkspaceOf(workspaces: ReadonlyMap<string, FunctionIndex>): WorkspaceOf {
  return (r) => {
    const index = workspaces.get(projectOf(r));
    return index ? { index, excludePath: r.path } : undefined;
  };
}

/** A model's comments for `pairs`, each decoded with its project's workspace index as neighbours. */
export async function projectModelOutputs(
  modelDir: string,
  pairs: readonly CorpusRecord[],
  workspaces: ReadonlyMap<string, FunctionIndex>,
  decoding: Decoding = DECODING_DEFAULTS,
  onProgress?: (done: number) => void,
): Promise<ModelOutputs> {
  const runner = await ModelRunner.load(modelDir);
  const started = Date.now();
  try {
    const p = modelPredictions(runner, pairs, decoding, onProgress, projectWorkspaceOf(workspaces));
    return { ...p, msPerPair: (Date.now() - started) / Math.max(1, pairs.length) };
  } finally {
    runner.dispose();
  }
}

/** The two baselines for `pairs`: in-project BM25 (leave-file-out) and the function name. */
export function projectBaselines(
  pairs: readonly CorpusRecord[],
  workspaces: ReadonlyMap<string, FunctionIndex>,
): Record<string, string[]> {
  return {
    [BM25_PROJECT]: pairs.map((r) => workspaces.get(projectOf(r))?.neighbour(r.code, r.path)?.summary ?? ''),
    [NAME_SYSTEM]: pairs.map((r) => nameBaseline(r.name)),
  };
}

export interface ProjectBenchmark {
  readonly rows: QualityRow[];
  /** The first model's shipped system against every other system, per language. */
  readonly bootstrap: BootstrapRow[];
  /** The first model's generated-only output against every other system but its shipped one. */
  readonly bootstrapGenerated: BootstrapRow[];
  readonly systems: Record<string, string[]>;
  readonly outputs: Record<string, ModelOutputs>;
}

/**
 * Every model of `models` (name → folder; the first is the one under test) and both baselines on
 * `pairs`, scored per language with paired bootstrap of the first model against the rest.
 */
export async function projectBenchmark(
  models: readonly {
    readonly name: string;
    readonly dir: string;
    readonly decoding?: Decoding;
    /** Decode with no workspace (a folder with no documented function): no neighbour at all. */
    readonly withoutWorkspace?: boolean;
  }[],
  pairs: readonly CorpusRecord[],
  workspaces: ReadonlyMap<string, FunctionIndex>,
  onProgress?: (model: string, done: number) => void,
  samples = 1000,
): Promise<ProjectBenchmark> {
  if (models.length === 0) throw new Error('projectBenchmark needs at least one model');
  const systems: Record<string, string[]> = {};
  const outputs: Record<string, ModelOutputs> = {};
  for (const m of models) {
    const o = await projectModelOutputs(m.dir, pairs, m.withoutWorkspace ? new Map() : workspaces, m.decoding, (n) =>
      onProgress?.(m.name, n),
    );
    outputs[m.name] = o;
    systems[m.name] = o.outputs;
    // The beam's own output, for the model under test only.
    if (m === models[0]) systems[generatedName(m.name)] = o.generated;
  }
  Object.assign(systems, projectBaselines(pairs, workspaces));
  const head = models[0]!.name;
  const others = Object.keys(systems).filter((s) => s !== head);
  const othersOfGenerated = Object.keys(systems).filter((s) => s !== head && s !== generatedName(head));
  return {
    rows: scoreSystems(pairs, systems),
    bootstrap: bootstrapRows(pairs, systems, head, others, samples),
    bootstrapGenerated: bootstrapRows(pairs, systems, generatedName(head), othersOfGenerated, samples),
    systems,
    outputs,
  };
}

export const generatedName = (model: string): string => `${model}, generated only`;

/** The functions the side-by-side table shows: per language (sorted), the first `perLanguage` indices of `pairs`. */
export function sideBySideSample(pairs: readonly CorpusRecord[], perLanguage = 20): [string, number[]][] {
  return [...new Set(pairs.map((r) => r.lang))].sort().map((lang) => [
    lang,
    pairs
      .map((r, i) => (r.lang === lang ? i : -1))
      .filter((i) => i >= 0)
      .slice(0, perLanguage),
  ]);
}

/** Markdown: for each language, the author's summary beside the systems' comments. */
export function sideBySide(
  pairs: readonly CorpusRecord[],
  systems: Readonly<Record<string, readonly string[]>>,
  shown: readonly string[],
  perLanguage = 20,
): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim() || '—';
  const parts: string[] = [];
  for (const [lang, idx] of sideBySideSample(pairs, perLanguage)) {
    parts.push(`#### ${lang}\n`);
    parts.push(`| function | author | ${shown.join(' | ')} |`);
    parts.push(`|---|---|${shown.map(() => '---').join('|')}|`);
    for (const i of idx)
      parts.push(
        `| \`${cell(pairs[i]!.name)}\` (${cell(projectOf(pairs[i]!))}) | ${cell(pairs[i]!.summary)} | ${shown.map((s) => cell(systems[s]![i]!)).join(' | ')} |`,
      );
    parts.push('');
  }
  return parts.join('\n');
}

/** The benchmark's tables as Markdown: the scores, then how often the model wins under resampling (shipped, then generated only). */
export function projectReport(result: Pick<ProjectBenchmark, 'rows' | 'bootstrap' | 'bootstrapGenerated'>): string {
  return [
    qualityTable(result.rows),
    '',
    bootstrapText(result.bootstrap, 'model'),
    '',
    bootstrapText(result.bootstrapGenerated, generatedName('model')),
  ].join('\n');
}
