/**
 * Parameter descriptions a project already wrote: in real projects the same parameter name tends
 * to mean the same thing everywhere (`path`, `ctx`, `timeout`), and its authors describe it the
 * same way. For a parameter of the function being documented, the description most often given to
 * a parameter of that name in the project's other files (ties: the shortest, then the first seen)
 * is a better start than a placeholder; without one, the placeholder stays. Measured on held-out
 * projects by `npm run bench:params` against the name split into words.
 */

/** A documented function's parameter descriptions, as the miner extracts them. */
export interface DescribedParams {
  readonly path: string;
  readonly params?: readonly { readonly name: string; readonly description?: string }[];
}

export class ParamDescriptions {
  /** name -> description -> files using it. */
  private readonly byName = new Map<string, Map<string, Set<string>>>();

  constructor(functions: Iterable<DescribedParams>) {
    for (const fn of functions)
      for (const p of fn.params ?? []) {
        const text = p.description?.replace(/\s+/g, ' ').trim();
        if (!text) continue;
        let texts = this.byName.get(p.name);
        if (!texts) this.byName.set(p.name, (texts = new Map()));
        let files = texts.get(text);
        if (!files) texts.set(text, (files = new Set()));
        files.add(fn.path);
      }
  }

  /**
   * The description given to parameter `name` in the most files other than `excludePath`
   * (ties: the shortest, then the first seen), or undefined.
   */
  describe(name: string, excludePath?: string): string | undefined {
    const texts = this.byName.get(name);
    if (!texts) return undefined;
    let best: { text: string; files: number } | undefined;
    for (const [text, files] of texts) {
      const n = files.size - (excludePath !== undefined && files.has(excludePath) ? 1 : 0);
      if (n === 0) continue;
      if (!best || n > best.files || (n === best.files && text.length < best.text.length)) best = { text, files: n };
    }
    return best?.text;
  }
}

/**
 * What a parameter-description model reads: the parameter's name on a line of its own, then the
 * function's code. Training pairs (scripts/param-model) and the editor's requests both use it.
 */
export function paramSourceText(name: string, code: string): string {
  return `param ${name}\n${code}`;
}

/** A documented parameter as a training pair of the parameter-description model. */
export interface ParamPair {
  readonly lang: string;
  readonly project?: string;
  readonly path: string;
  readonly name: string;
  readonly line: number;
  readonly code: string;
  readonly description: string;
}

/** Every documented parameter of `functions`, with its description on one line. */
export function paramPairs(functions: Iterable<Omit<ParamPair, 'description'> & DescribedParams>): ParamPair[] {
  const out: ParamPair[] = [];
  for (const fn of functions)
    for (const p of fn.params ?? []) {
      const description = p.description?.replace(/\s+/g, ' ').trim();
      if (!description) continue;
      out.push({
        lang: fn.lang,
        ...(fn.project !== undefined ? { project: fn.project } : {}),
        path: fn.path,
        name: `${fn.name}(${p.name})`,
        line: fn.line,
        code: paramSourceText(p.name, fn.code),
        description,
      });
    }
  return out;
}
