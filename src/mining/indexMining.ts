/**
 * Mining a project into a {@link FunctionIndex}: every function tree-sitter finds (the miner's own
 * notion of a function), a documented one with its code as the miner presents it and its summary
 * when the miner's pair filters keep it, an undocumented one with its source text. The whole
 * project goes through the corpus walker (`.gitignore`, include/exclude globs, secret, vendored,
 * generated and minified files skipped); one saved file is re-mined under the same rules.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { CancelledError } from '../core/cancellation';
import { pairSkipReason, type PairFilterOptions } from './filters';
import { FunctionIndex, type IndexedFunction } from '../retrieval/functionIndex';
import { LANGUAGE_SPECS, languageOfPath, type CorpusLanguage } from '../parsing/languages';
import { locateFunctions, unparsedFunctions } from '../parsing/functions';
import { minePairsFromTree } from './mine';
import type { ParserPool } from '../parsing/parser';
import { scrubSecrets } from '../retrieval/secrets';
import { walkAdmits, walkSourceFiles, type WalkOptions, type WalkSkips } from './walk';

export interface FunctionToDocument {
  readonly name: string;
  /** 1-based line of the function's first line (decorators included). */
  readonly line: number;
  /** The code the model reads: the function without its own doc comment. */
  readonly code: string;
  /** First sentence of the doc comment it already has. */
  readonly existing?: string;
  /** The parameters its doc comment describes (documented functions only). */
  readonly params?: readonly { readonly name: string; readonly description: string }[];
}

/** What {@link functionsToDocument} could not parse (see unparsedFunctions in src/parsing/functions.ts). */
export interface ParseReport {
  unparsed?: { readonly count: number; readonly firstLine: number };
}

/**
 * Every function in `text`, with its code as mining presents it (doc comments removed).
 * `report.unparsed` is set when some functions could not be parsed (and are not in the list).
 */
export async function functionsToDocument(
  parsers: ParserPool,
  lang: CorpusLanguage,
  text: string,
  report?: ParseReport,
): Promise<FunctionToDocument[]> {
  const tree = (await parsers.get(lang)).parse(text);
  if (!tree) return [];
  try {
    if (report) {
      const unparsed = unparsedFunctions(tree.rootNode);
      if (unparsed) report.unparsed = unparsed;
    }
    const documented = new Map(minePairsFromTree(text, tree.rootNode, lang, '').map((p) => [p.line, p]));
    return locateFunctions(tree.rootNode, LANGUAGE_SPECS[lang]).map(({ anchor, name }) => {
      const line = anchor.startPosition.row + 1;
      const pair = documented.get(line);
      const params = pair?.params.filter((q) => q.description.trim());
      return pair
        ? { name, line, code: pair.code, existing: pair.summary, ...(params?.length ? { params } : {}) }
        : { name, line, code: text.slice(anchor.startIndex, anchor.endIndex) };
    });
  } finally {
    tree.delete();
  }
}

/** The index entries of one file (`relPath` relative to the project root). */
export async function indexFunctionsOf(
  parsers: ParserPool,
  relPath: string,
  content: string,
  filters: PairFilterOptions = {},
): Promise<IndexedFunction[]> {
  const lang = languageOfPath(relPath);
  if (!lang) return [];
  const text = content.replace(/\r\n?/g, '\n');
  // Code, summary and parameter texts are scrubbed of secrets: the index is saved in the workspace's storage.
  return (await functionsToDocument(parsers, lang, text)).map((f) => {
    const keep = f.existing !== undefined && !pairSkipReason({ code: f.code, summary: f.existing }, filters);
    return {
      path: relPath,
      lang,
      name: f.name,
      line: f.line,
      code: scrubSecrets(f.code),
      ...(keep ? { summary: scrubSecrets(f.existing!) } : {}),
      ...(keep && f.params
        ? { params: f.params.map((q) => ({ name: q.name, description: scrubSecrets(q.description) })) }
        : {}),
    };
  });
}

/** The most an index build reads (files and bytes of source): a folder that is not one project. */
export interface IndexLimits {
  readonly maxFiles: number;
  readonly maxBytes: number;
}

export interface BuildIndexOptions extends WalkOptions, PairFilterOptions {
  readonly isCancelled?: () => boolean;
  readonly onFile?: (files: number, functions: number, file: string) => void;
  /** Stop before the file that would exceed these (the result says so in `stopped`). */
  readonly limits?: IndexLimits;
}

export function contentHash(content: string): string {
  return createHash('sha1').update(content).digest('hex');
}

/**
 * Mines every admitted file under `root` into the index (a new one, or `previous`, whose files
 * with an unchanged content hash are kept as they are and whose vanished files are dropped).
 * With `limits`, the walk stops before the file that would exceed them, and `stopped` says how
 * much was read; the index then holds those files only.
 */
export async function buildFunctionIndex(
  root: string,
  parsers: ParserPool,
  options: BuildIndexOptions = {},
  skips: WalkSkips = {},
  previous?: FunctionIndex,
): Promise<{ index: FunctionIndex; reMined: number; stopped?: { files: number; bytes: number } }> {
  const index = previous ?? new FunctionIndex(path.resolve(root));
  const seen = new Set<string>();
  let files = 0;
  let bytes = 0;
  let reMined = 0;
  let stopped: { files: number; bytes: number } | undefined;
  for await (const f of walkSourceFiles([root], options, skips)) {
    if (options.isCancelled?.()) throw new CancelledError();
    const size = Buffer.byteLength(f.content, 'utf8');
    if (options.limits && (files >= options.limits.maxFiles || bytes + size > options.limits.maxBytes)) {
      stopped = { files, bytes };
      break;
    }
    bytes += size;
    const rel = relativePath(root, f.path);
    seen.add(rel);
    const hash = contentHash(f.content);
    if (index.hashOf(rel) !== hash) {
      index.setFile(rel, await indexFunctionsOf(parsers, rel, f.content, options), hash);
      reMined++;
    }
    files++;
    options.onFile?.(files, reMined, rel);
  }
  for (const rel of index.minedFiles()) if (!seen.has(rel)) index.removeFile(rel);
  return { index, reMined, ...(stopped ? { stopped } : {}) };
}

/**
 * Re-mines one file of the index after a save (or drops it when deleted, `content` undefined,
 * or no longer admitted by the walk's rules); returns its number of functions now.
 */
export async function updateFunctionIndex(
  index: FunctionIndex,
  parsers: ParserPool,
  file: string,
  content: string | undefined,
  options: WalkOptions & PairFilterOptions = {},
): Promise<number> {
  const rel = relativePath(index.root, file);
  if (content === undefined || !walkAdmits(index.root, path.resolve(index.root, rel), content, options)) {
    index.removeFile(rel);
    return 0;
  }
  const fns = await indexFunctionsOf(parsers, rel, content, options);
  index.setFile(rel, fns, contentHash(content));
  return fns.length;
}

/** `file` relative to `root` with `/` separators. */
export function relativePath(root: string, file: string): string {
  return path.relative(path.resolve(root), path.resolve(root, file)).split(path.sep).join('/');
}
