/**
 * The workspace index: every function of a project (documented or not), by file, with two uses.
 *  - Neighbours for code → comment: the documented functions form an {@link ExampleMemory}, so
 *    a retrieval model reads the summary of the most similar function of the same project,
 *    never from the file being documented (nor the function itself, which lives there).
 *  - Search by description: Okapi BM25 over each function's code subtokens and its summary's
 *    words, the first stage of Find Code by Description (the model re-ranks its top hits).
 * Files are replaced one at a time (`setFile`), so a save re-mines only the saved file; the
 * BM25 tables are rebuilt lazily on the next query after a change. The index saves as one
 * versioned JSON file, written atomically (temp file + rename), so a crash leaves the previous
 * index whole.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readGuardedJsonSync } from '../files/guardedRead';
import type { CorpusLanguage } from '../parsing/languages';
import { ParamDescriptions, type ParamDescription, type ParamRole } from './paramDescriptions';
import { Bm25Index, codeSubtokens, ExampleMemory } from './retrieval';

/** One function of the project. */
export interface IndexedFunction {
  /** The file, relative to the project's root, with `/` separators. */
  readonly path: string;
  readonly lang: CorpusLanguage;
  readonly name: string;
  /** 1-based line of the function's first line. */
  readonly line: number;
  /** The code as mining presents it (a documented function's doc comment removed). */
  readonly code: string;
  /** The first sentence of its doc comment, when it has one the miner keeps. */
  readonly summary?: string;
  /** The parameters its doc comment describes, with their descriptions (documented functions only). */
  readonly params?: readonly { readonly name: string; readonly description: string }[];
}

/** A search hit: the function and its BM25 score. */
export interface IndexHit {
  readonly fn: IndexedFunction;
  readonly score: number;
}

/** A neighbour for code → comment, with the workspace function it came from. */
export interface IndexNeighbour {
  readonly summary: string;
  readonly similarity: number;
  readonly path: string;
  readonly name: string;
  readonly line: number;
  /** Its code's subtokens that the query's code lacks (see reuseConflicts). */
  readonly unshared: readonly string[];
}

/**
 * Saved format; a file of another version is rebuilt rather than misread. Version 3: code and
 * summaries are scrubbed of secrets when mined (a version 2 file may hold them, so it is rebuilt).
 */
export const INDEX_FORMAT = 'seq2seq-workspace-index';
/** The largest saved index read back (a big monorepo's index is tens of MB); a larger file is rebuilt. */
export const INDEX_MAX_BYTES = 1 << 30;
export const INDEX_VERSION = 3;

/** The text search scores a function by: its code's subtokens and its summary's words. */
export function searchTokens(fn: Pick<IndexedFunction, 'code' | 'summary'>): string[] {
  return [...codeSubtokens(fn.code), ...(fn.summary ? codeSubtokens(fn.summary) : [])];
}

export class FunctionIndex {
  private readonly files = new Map<string, readonly IndexedFunction[]>();
  /** Content hash of each mined file (also files without functions), to skip unchanged files on a rebuild. */
  private readonly hashes = new Map<string, string>();
  private built:
    | {
        all: IndexedFunction[];
        search: Bm25Index;
        documented: IndexedFunction[];
        memory: ExampleMemory;
        params: ParamDescriptions;
      }
    | undefined;

  constructor(
    /** The project's root folder (absolute), which paths are relative to. */
    readonly root: string,
  ) {}

  /** Replaces one file's functions (none: the file has no function); `hash` is its content's. */
  setFile(relPath: string, functions: readonly IndexedFunction[], hash?: string): void {
    if (functions.some((f) => f.path !== relPath)) throw new Error(`every function must belong to ${relPath}`);
    if (functions.length === 0) this.files.delete(relPath);
    else this.files.set(relPath, [...functions]);
    if (hash === undefined) this.hashes.delete(relPath);
    else this.hashes.set(relPath, hash);
    this.built = undefined;
  }

  removeFile(relPath: string): void {
    this.hashes.delete(relPath);
    if (this.files.delete(relPath)) this.built = undefined;
  }

  /** The content hash the file was mined from, if known. */
  hashOf(relPath: string): string | undefined {
    return this.hashes.get(relPath);
  }

  /** Every file mined (with or without functions). */
  minedFiles(): string[] {
    return [...new Set([...this.hashes.keys(), ...this.files.keys()])];
  }

  /** Files with at least one function. */
  get fileCount(): number {
    return this.files.size;
  }

  get size(): number {
    return this.tables().all.length;
  }

  /** Functions with a summary (what code → comment can borrow from). */
  get documentedCount(): number {
    return this.tables().documented.length;
  }

  functions(): readonly IndexedFunction[] {
    return this.tables().all;
  }

  functionsOf(relPath: string): readonly IndexedFunction[] {
    return this.files.get(relPath) ?? [];
  }

  private tables(): NonNullable<FunctionIndex['built']> {
    if (!this.built) {
      const paths = [...this.files.keys()].sort();
      const all = paths.flatMap((p) => this.files.get(p)!);
      const documented = all.filter((f) => f.summary);
      this.built = {
        all,
        search: new Bm25Index(all.map(searchTokens)),
        documented,
        memory: ExampleMemory.build(documented.map((f) => ({ path: f.path, code: f.code, summary: f.summary! }))),
        params: new ParamDescriptions(documented),
      };
    }
    return this.built;
  }

  /** The `k` best functions for a description (BM25 over code subtokens and summaries), best first. */
  search(query: string, k: number, skip?: (fn: IndexedFunction) => boolean): IndexHit[] {
    const { all, search } = this.tables();
    return search
      .top(codeSubtokens(query), k, skip ? (doc) => skip(all[doc]!) : undefined)
      .map(({ doc, score }) => ({ fn: all[doc]!, score }));
  }

  /**
   * The documented function most similar to `code` from a file other than `excludePath`
   * (the file being documented, which holds the function itself), or undefined. The file's other
   * documented functions are left out on purpose: as neighbours they raised chrF on validation
   * projects (30.3 to 38.5 on 244 functions) while blind readers kept fewer of the comments (14
   * against 23 of the 129 that changed) — the model copies a sibling's specifics ("u32" for
   * `read_u16_le`, "Start" for `stop_plugin`).
   */
  neighbour(code: string, excludePath?: string): IndexNeighbour | undefined {
    const { memory, documented } = this.tables();
    const hit = memory.lookup(code, excludePath);
    if (!hit) return undefined;
    const fn = documented[hit.index]!;
    return {
      summary: hit.summary,
      similarity: hit.similarity,
      path: fn.path,
      name: fn.name,
      line: fn.line,
      unshared: hit.unshared,
    };
  }

  /**
   * The description the project's files other than `excludePath` most often give a parameter
   * called `name` (see ParamDescriptions), or undefined.
   */
  paramDescription(name: string, excludePath?: string): string | undefined {
    return this.tables().params.describe(name, excludePath);
  }

  /**
   * The same, with the function it came from, and only from parameters whose role (annotated type,
   * default) matches `role` when it is given (see `rolesMatch`).
   */
  borrowedParamDescription(name: string, excludePath?: string, role?: ParamRole): ParamDescription | undefined {
    return this.tables().params.lookup(name, excludePath, role);
  }

  /** The documented functions as a graded example memory (for a model's neighbour marks). */
  memory(): ExampleMemory {
    return this.tables().memory;
  }

  toJSON(): {
    format: string;
    version: number;
    root: string;
    files: Record<string, readonly IndexedFunction[]>;
    hashes: Record<string, string>;
  } {
    return {
      format: INDEX_FORMAT,
      version: INDEX_VERSION,
      root: this.root,
      files: Object.fromEntries(this.files),
      hashes: Object.fromEntries(this.hashes),
    };
  }

  static fromJSON(v: unknown): FunctionIndex {
    const o = v as { format?: unknown; version?: unknown; root?: unknown; files?: unknown; hashes?: unknown };
    if (o?.format !== INDEX_FORMAT || o.version !== INDEX_VERSION)
      throw new Error(`not a version ${INDEX_VERSION} workspace index`);
    if (typeof o.root !== 'string' || typeof o.files !== 'object' || o.files === null)
      throw new Error('the workspace index is truncated');
    const index = new FunctionIndex(o.root);
    const hashes = (typeof o.hashes === 'object' && o.hashes !== null ? o.hashes : {}) as Record<string, unknown>;
    for (const [p, fns] of Object.entries(o.files as Record<string, unknown>)) {
      if (!Array.isArray(fns) || !fns.every(isIndexedFunction)) throw new Error(`the index entry for ${p} is damaged`);
      index.setFile(p, fns, typeof hashes[p] === 'string' ? hashes[p] : undefined);
    }
    for (const [p, h] of Object.entries(hashes))
      if (typeof h === 'string' && !index.files.has(p)) index.setFile(p, [], h);
    return index;
  }

  /** Writes the index to `file` atomically (temp file + rename). */
  save(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(this.toJSON()));
    fs.renameSync(tmp, file);
  }

  /** The index saved in `file` for `root` (a device, a FIFO or a file over INDEX_MAX_BYTES is not read); undefined when there is none, or it is unreadable or of another root. */
  static load(file: string, root: string): FunctionIndex | undefined {
    try {
      const index = FunctionIndex.fromJSON(readGuardedJsonSync(file, { maxBytes: INDEX_MAX_BYTES }));
      return path.resolve(index.root) === path.resolve(root) ? index : undefined;
    } catch {
      return undefined;
    }
  }
}

function isIndexedFunction(v: unknown): v is IndexedFunction {
  const f = v as Partial<IndexedFunction>;
  return (
    typeof f?.path === 'string' &&
    typeof f.lang === 'string' &&
    typeof f.name === 'string' &&
    typeof f.line === 'number' &&
    typeof f.code === 'string' &&
    (f.summary === undefined || typeof f.summary === 'string') &&
    (f.params === undefined ||
      (Array.isArray(f.params) &&
        f.params.every((p) => typeof p?.name === 'string' && typeof p.description === 'string')))
  );
}
