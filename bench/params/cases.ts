/**
 * `bench:params`'s cases and the product's choice for each: every documented parameter of a
 * held-out project, what the project's other files say about a parameter of that name and role,
 * and the parameter model's saved answer. The choice is the editor's: the project's description
 * when there is one (held to the text gate's rules for people's text), else the model's when the
 * text gate takes it (src/docComments/textGate.ts: confidence at least the threshold, reads as
 * words, a complete phrase), else the placeholder. The model's answers are kept in a file of JSON
 * lines (`--answers`), so the thresholds and the gate can be scored again without decoding.
 */
import * as fs from 'fs';

import type { CorpusRecord } from '../../src/mining/dataset';
import { ParamDescriptions, paramSourceText, signatureRole } from '../../src/retrieval/paramDescriptions';
import { projectOf } from '../../src/retrieval/projectMemory';
import { paramDescriptionProblem, type TextProblem } from '../../src/docComments/textGate';
import type { ModelDescription } from '../../src/inference/paramModel';

export interface ParamCase {
  /** project, file, function's line and name, parameter: one documented parameter. */
  readonly key: string;
  readonly lang: string;
  readonly reference: string;
  readonly name: string;
  /** The function's code (what the text gate reads). */
  readonly code: string;
  /** The project's description from another file for a parameter in the same role, if any. */
  readonly project?: string;
}

/**
 * Every documented parameter of `records`, with the project lookup's answer for a parameter of
 * that name and role (its own file left out), as the editor asks it.
 */
export function paramCases(records: readonly CorpusRecord[]): ParamCase[] {
  const byProject = new Map<string, CorpusRecord[]>();
  for (const r of records) byProject.set(projectOf(r), [...(byProject.get(projectOf(r)) ?? []), r]);
  const out: ParamCase[] = [];
  for (const [project, rs] of byProject) {
    const lookup = new ParamDescriptions(rs);
    for (const r of rs)
      for (const p of r.params ?? []) {
        const reference = p.description?.replace(/\s+/g, ' ').trim();
        if (!reference) continue;
        const found = lookup.lookup(p.name, r.path, signatureRole(r.code, p.name, r.name, r.lang));
        out.push({
          key: [project, r.path, r.line, r.name, p.name].join('\t'),
          lang: r.lang,
          reference,
          name: p.name,
          code: r.code,
          ...(found ? { project: found.text } : {}),
        });
      }
  }
  return out;
}

/** What the model reads for a case. */
export const modelSource = (c: ParamCase): string => paramSourceText(c.name, c.code);

/** Who fills a parameter's line: the project, the model, or nobody (the placeholder stays). */
export type FilledBy = 'project' | 'model' | 'placeholder';

export interface Choice {
  readonly by: FilledBy;
  /** The inserted description; none for the placeholder. */
  readonly text?: string;
  /** Why the text gate turned the project's or the model's description into the placeholder. */
  readonly problem?: TextProblem;
}

/**
 * The editor's choice for a case: the project's description, else the model's `answer` when the
 * text gate takes it at `threshold`, else the placeholder. The model is not asked where the
 * project answers, even when the gate then rejects the project's text.
 */
export function choose(c: ParamCase, answer: ModelDescription | undefined, threshold: number): Choice {
  if (c.project !== undefined) {
    const problem = paramDescriptionProblem({ text: c.project, source: 'project' }, c.name, c.code);
    return problem ? { by: 'placeholder', problem } : { by: 'project', text: c.project };
  }
  if (!answer) return { by: 'placeholder' };
  const problem = paramDescriptionProblem({ ...answer, source: 'model' }, c.name, c.code, threshold);
  return problem ? { by: 'placeholder', problem } : { by: 'model', text: answer.text };
}

/** One line of an answers file: the model's answer for a case, with what it is scored against. */
export interface SavedAnswer extends ModelDescription {
  readonly key: string;
  /** The model folder that answered. */
  readonly model: string;
  readonly lang: string;
  readonly name: string;
  readonly reference: string;
}

/** The answers saved in `file` by `model`, by case key (empty when the file does not exist). */
export function readAnswers(file: string, model: string): Map<string, SavedAnswer> {
  const out = new Map<string, SavedAnswer>();
  if (!fs.existsSync(file)) return out;
  for (const [i, line] of fs.readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    const a = JSON.parse(line) as SavedAnswer;
    if (a.model !== model)
      throw new Error(
        `${file} line ${i + 1} holds the answers of ${a.model}, not ${model}: name another --answers file.`,
      );
    out.set(a.key, a);
  }
  return out;
}

/** Writes `answers` to `file`, one JSON line each. */
export function writeAnswers(file: string, answers: ReadonlyMap<string, SavedAnswer>): void {
  fs.writeFileSync(file, [...answers.values()].map((a) => `${JSON.stringify(a)}\n`).join(''));
}
