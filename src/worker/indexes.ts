/**
 * The worker's workspace indexes, one per indexed folder: loaded from their saved file, brought
 * up to date by a walk that re-mines only changed files, updated one file at a time on save, and
 * saved (debounced, atomically) after each change. Code → comment requests for a file inside an
 * indexed folder read their neighbours here.
 */
import * as path from 'path';
import { FunctionIndex } from '../retrieval/functionIndex';
import { buildFunctionIndex, relativePath, updateFunctionIndex } from '../mining/indexMining';
import { ParserPool } from '../parsing/parser';
import type { WorkspaceNeighbours } from '../inference/modelRunner';
import type { RememberedComment } from '../inference/translation';
import type { IndexBuildParams, IndexSettings, IndexSummary } from './protocol';

const SAVE_DELAY_MS = 2000;

interface Entry {
  settings: IndexSettings;
  index: FunctionIndex;
  saveTimer?: ReturnType<typeof setTimeout> | undefined;
}

export class WorkspaceIndexes {
  private readonly entries = new Map<string, Entry>();
  private parserPool: ParserPool | undefined;

  /** The tree-sitter parsers the indexes mine with, shared with the worker's other parsing. */
  parsers(): ParserPool {
    return (this.parserPool ??= new ParserPool());
  }

  async build(
    settings: IndexBuildParams,
    onFile: (files: number, file: string) => void,
    isCancelled: () => boolean,
  ): Promise<IndexSummary> {
    const root = path.resolve(settings.root);
    const saved =
      !settings.rebuild && settings.storageFile ? FunctionIndex.load(settings.storageFile, root) : undefined;
    const previous = settings.rebuild ? undefined : (this.entries.get(root)?.index ?? saved);
    const { index, reMined } = await buildFunctionIndex(
      root,
      this.parsers(),
      {
        ...(settings.include ? { include: settings.include } : {}),
        ...(settings.exclude ? { exclude: settings.exclude } : {}),
        ...(settings.maxFileBytes ? { maxFileBytes: settings.maxFileBytes } : {}),
        isCancelled,
        onFile: (files, _reMined, file) => onFile(files, file),
      },
      {},
      previous,
    );
    const entry: Entry = { settings: { ...settings, root }, index };
    this.clearTimer(root);
    this.entries.set(root, entry);
    if (settings.storageFile && (reMined > 0 || !saved || settings.rebuild)) index.save(settings.storageFile);
    return summary(index, reMined);
  }

  async update(root: string, file: string, content: string | undefined): Promise<IndexSummary> {
    const entry = this.entries.get(path.resolve(root));
    if (!entry) throw new Error(`${root} is not indexed yet; run "Seq2Seq: Rebuild Workspace Index".`);
    const s = entry.settings;
    await updateFunctionIndex(entry.index, this.parsers(), file, content, {
      ...(s.include ? { include: s.include } : {}),
      ...(s.exclude ? { exclude: s.exclude } : {}),
      ...(s.maxFileBytes ? { maxFileBytes: s.maxFileBytes } : {}),
    });
    this.scheduleSave(entry);
    return summary(entry.index, 1);
  }

  /** The index whose folder holds `file`, as neighbours for it (the file itself excluded). */
  neighboursFor(file: string | undefined): WorkspaceNeighbours | undefined {
    if (!file) return undefined;
    for (const { index } of this.entries.values()) {
      const rel = relativePath(index.root, file);
      if (!rel.startsWith('../') && !path.isAbsolute(rel)) return { index, excludePath: rel };
    }
    return undefined;
  }

  /**
   * The neighbours of a code → comment request for `file` with the user's remembered comments of
   * the same folder, their paths made relative to its root (others are left out).
   */
  neighboursRemembering(
    file: string | undefined,
    remembered: readonly RememberedComment[] | undefined,
  ): WorkspaceNeighbours | undefined {
    const ws = this.neighboursFor(file);
    if (!ws || !remembered?.length) return ws;
    const own = remembered.flatMap((c) => {
      const rel = relativePath(ws.index.root, c.path);
      return rel.startsWith('../') || path.isAbsolute(rel) ? [] : [{ ...c, path: rel }];
    });
    return own.length ? { ...ws, remembered: own } : ws;
  }

  all(): FunctionIndex[] {
    return [...this.entries.values()].map((e) => e.index);
  }

  private scheduleSave(entry: Entry): void {
    const file = entry.settings.storageFile;
    if (!file) return;
    this.clearTimer(entry.settings.root);
    entry.saveTimer = setTimeout(() => {
      entry.saveTimer = undefined;
      entry.index.save(file);
    }, SAVE_DELAY_MS);
  }

  private clearTimer(root: string): void {
    const e = this.entries.get(root);
    if (e?.saveTimer) clearTimeout(e.saveTimer);
    if (e) e.saveTimer = undefined;
  }
}

function summary(index: FunctionIndex, reMined: number): IndexSummary {
  return {
    root: index.root,
    functions: index.size,
    documented: index.documentedCount,
    files: index.fileCount,
    reMined,
  };
}
