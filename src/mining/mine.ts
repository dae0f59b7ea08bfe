/**
 * Mines (code, doc comment) pairs from source files with tree-sitter. For each function, method
 * or constructor documented in its language's convention (found by src/parsing/functions.ts, by
 * the rules of src/parsing/languages.ts), a pair holds the
 * code (signature + body, dedented, with its doc comment and nested functions' doc comments
 * removed), the doc text, its one-sentence summary and the structured parts (params, returns).
 *
 * Input is `{path, content}` records: no file system here, so the extension can pass open
 * documents and the CLI can pass what its walker read. Line endings are normalised to `\n`.
 */
import type { Node } from 'web-tree-sitter';
import { parseDoc, stripDocDelimiters, summarize, type DocParam } from '../docComments/read';
import { findDocumented, isBlank, lineStart } from '../parsing/functions';
import { LANGUAGE_SPECS, languageOfPath, type CorpusLanguage } from '../parsing/languages';
import { ParserPool, type ParserOptions } from '../parsing/parser';
import { scrubSecrets } from '../retrieval/secrets';

export interface SourceFile {
  readonly path: string;
  readonly content: string;
}

/** One mined pair; the JSONL record of a corpus line. */
export interface Pair {
  readonly lang: CorpusLanguage;
  readonly path: string;
  /** Function name, for reports and tests. */
  readonly name: string;
  /** 1-based line of the function's first line in the file. */
  readonly line: number;
  readonly code: string;
  /** The whole doc comment without its delimiters (tags kept). */
  readonly doc: string;
  readonly summary: string;
  readonly params: readonly DocParam[];
  readonly returns?: string;
  readonly throws: readonly string[];
}

/** The code of [start, end) without the given ranges (whole lines go when a range fills them). */
function cutRanges(src: string, start: number, end: number, ranges: [number, number][]): string {
  let out = '';
  let pos = start;
  for (const [s0, e0] of ranges.sort((a, b) => a[0] - b[0])) {
    if (s0 < pos || e0 > end) continue;
    let s = s0;
    let e = e0;
    const ls = lineStart(src, s);
    let eol = src.indexOf('\n', e);
    if (eol < 0) eol = src.length;
    if (ls >= pos && isBlank(src.slice(ls, s)) && isBlank(src.slice(e, eol))) {
      s = ls;
      e = Math.min(eol + 1, end);
      // A docstring opening a block leaves no blank line behind it.
      if (/[:{]\s*$/.test(src.slice(pos, s))) {
        while (e < end) {
          const nl = src.indexOf('\n', e);
          if (nl < 0 || nl >= end || !isBlank(src.slice(e, nl))) break;
          e = nl + 1;
        }
      }
    }
    out += src.slice(pos, s);
    pos = e;
  }
  return out + src.slice(pos, end);
}

/** Removes the first line's indentation (`indent`, as written) from the following lines. */
function dedentFrom(code: string, indent: string): string {
  return code
    .split('\n')
    .map((l, i) => {
      if (i === 0) return l.trimEnd();
      let k = 0;
      while (k < indent.length && k < l.length && l[k] === indent[k]) k++;
      return l.slice(k).trimEnd();
    })
    .join('\n')
    .trimEnd();
}

/** Mines one parsed file. */
export function minePairsFromTree(src: string, root: Node, lang: CorpusLanguage, filePath: string): Pair[] {
  const spec = LANGUAGE_SPECS[lang];
  const found = findDocumented(src, root, spec);
  const ranges = found.map((f) => f.docRange);
  return found.map((f) => {
    const start = f.anchor.startIndex;
    const end = f.anchor.endIndex;
    const inside = ranges.filter(([s, e]) => s >= start && e <= end);
    const indent = /^[ \t]*/.exec(src.slice(lineStart(src, start), start))![0];
    const code = dedentFrom(cutRanges(src, start, end, inside), indent);
    const doc = stripDocDelimiters(f.rawDoc);
    const parsed = parseDoc(doc);
    return {
      lang,
      path: filePath,
      name: f.name,
      line: f.anchor.startPosition.row + 1,
      code,
      doc,
      summary: summarize(parsed.description),
      params: parsed.params,
      ...(parsed.returns ? { returns: parsed.returns } : {}),
      throws: parsed.throws,
    };
  });
}

/**
 * A pair with every text taken from the source scrubbed of secrets: code, doc, summary, parameter
 * and return descriptions, exceptions (the corpus is written to disk and trained on).
 */
export function scrubPair(p: Pair): Pair {
  return {
    ...p,
    code: scrubSecrets(p.code),
    doc: scrubSecrets(p.doc),
    summary: scrubSecrets(p.summary),
    params: p.params.map((q) => ({ ...q, description: scrubSecrets(q.description) })),
    ...(p.returns !== undefined ? { returns: scrubSecrets(p.returns) } : {}),
    throws: p.throws.map(scrubSecrets),
  };
}

/** Mines files with one parser per language, created on first use. */
export class Miner {
  private readonly parsers: ParserPool;

  constructor(options: ParserOptions = {}) {
    this.parsers = new ParserPool(options);
  }

  /** Pairs of one file, scrubbed of secrets (see {@link scrubPair}); files in unsupported languages give none. */
  async mine(file: SourceFile, lang: CorpusLanguage | undefined = languageOfPath(file.path)): Promise<Pair[]> {
    if (!lang) return [];
    const parser = this.parsers.get(lang);
    const src = file.content.replace(/\r\n?/g, '\n');
    const tree = (await parser).parse(src);
    if (!tree) return [];
    try {
      return minePairsFromTree(src, tree.rootNode, lang, file.path).map(scrubPair);
    } finally {
      tree.delete();
    }
  }

  dispose(): void {
    this.parsers.dispose();
  }
}
