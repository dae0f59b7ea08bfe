/**
 * The parameter lines `seq2seq document` prints under each function: what Generate Doc Comment
 * writes on each parameter's line. The project's description of a parameter of that name and role
 * (the index of `--index`), else the parameter model's answer; each judged as the doc comment
 * builder judges it (src/docComments/textGate.ts `paramDescriptionProblem`, the model's answer
 * also held to its `meta.minConfidence`). A line the gate turns down keeps its placeholder and
 * says what was turned down and why.
 */
import { analyzeTree, type AnalyzedFunction } from '../docComments/analyze';
import { paramDescriptionProblem, type TextProblem } from '../docComments/textGate';
import { describeParam } from '../inference/paramModel';
import type { ModelRunner } from '../inference/modelRunner';
import type { CorpusLanguage } from '../parsing/languages';
import type { ParserPool } from '../parsing/parser';
import type { FunctionIndex } from '../retrieval/functionIndex';
import { paramSourceText, type ParamDescription } from '../retrieval/paramDescriptions';

export interface ParamLine {
  readonly name: string;
  /** The description on the line; none when the placeholder stays. */
  readonly description?: ParamDescription;
  /** The description the gate turned down (the placeholder stays), and why. */
  readonly rejected?: ParamDescription & { readonly problem: TextProblem };
}

/** The functions of `text` as the editor reads them (shapes with their parameters), by 1-based first line. */
export async function analyzedByLine(
  parsers: ParserPool,
  lang: CorpusLanguage,
  text: string,
): Promise<Map<number, AnalyzedFunction>> {
  const tree = (await parsers.get(lang)).parse(text);
  if (!tree) return new Map();
  try {
    return new Map(analyzeTree(text, tree.rootNode, lang).map((f) => [f.headerLine + 1, f]));
  } finally {
    tree.delete();
  }
}

/**
 * The line of each parameter of `fn`: the index's description for a parameter in the same role
 * (its own file `excludePath` left out), else `paramModel`'s answer, when the gate takes it.
 */
export function paramLines(
  fn: AnalyzedFunction,
  index: FunctionIndex | undefined,
  excludePath: string | undefined,
  paramModel: ModelRunner | undefined,
): ParamLine[] {
  return fn.shape.params.map((p) => {
    const role = {
      ...(p.type !== undefined ? { type: p.type } : {}),
      ...(p.default !== undefined ? { default: p.default } : {}),
    };
    let d = index?.borrowedParamDescription(p.name, excludePath, role);
    if (!d && paramModel) {
      const answer = describeParam(paramModel, paramSourceText(p.name, fn.code));
      if (answer.text) d = { text: answer.text, source: 'model', confidence: answer.confidence };
    }
    if (!d) return { name: p.name };
    const min = d.source === 'model' ? (paramModel?.meta.minConfidence ?? 0) : undefined;
    const problem = paramDescriptionProblem(d, p.name, fn.code, min);
    return problem ? { name: p.name, rejected: { ...d, problem } } : { name: p.name, description: d };
  });
}

/** A parameter line as `seq2seq document` prints it. */
export function paramLineText(line: ParamLine): string {
  const { description: d, rejected: r } = line;
  const sure = (c?: number): string => (c !== undefined ? `, confidence ${c.toFixed(2)}` : '');
  if (d)
    return `${line.name}: ${d.text} (${d.source === 'project' && d.from ? `from ${d.from.name} in ${d.from.path}` : d.source}${sure(d.confidence)})`;
  if (r)
    return `${line.name}: placeholder (${r.source} wrote "${r.text}"${sure(r.confidence)}, turned down: ${r.problem})`;
  return `${line.name}: placeholder`;
}
