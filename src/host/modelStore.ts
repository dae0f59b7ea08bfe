/**
 * The models a user can choose from: the bundled default (read-only, inside the extension) and
 * the fine-tuned or imported ones, one folder each under the extension's global storage.
 *
 * Pure file-system code (no `vscode`), so it is unit-tested in plain Node. Imports are
 * validated before anything is replaced and land atomically (copy to a temporary sibling, then
 * rename), so a failed import never leaves a half-copied model or touches the active one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_FILE, hasConfigFile, peekConfigFile } from '../modelFolder/format';

export const DEFAULT_MODEL_ID = 'default';

export interface ModelEntry {
  /** Stable id: 'default' or the folder name under the store. */
  readonly id: string;
  readonly dir: string;
  readonly bundled: boolean;
  /** What the folder's meta says about the model (metrics, corpus), when it says it. */
  readonly summary?: ModelSummary;
}

export interface ModelSummary {
  readonly createdAt?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly corpus?: string;
  readonly arch?: string;
}

/** Checks that a folder holds a loadable model; throws a user-facing error when it does not. */
export type ModelValidator = (dir: string) => Promise<void>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Most files and bytes an imported model folder may hold (a model is a few files). */
const MAX_IMPORT_FILES = 1000;
const MAX_IMPORT_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * Copies the contents of `source` into the new folder `target`: regular files and folders only.
 * A symbolic link (it could point at any file, or break when the source is deleted), a device or
 * a pipe is refused with its path relative to the folder, never its content.
 */
export function copyPlainFiles(source: string, target: string): void {
  let files = 0;
  let bytes = 0;
  const walk = (from: string, to: string, rel: string): void => {
    fs.mkdirSync(to);
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      const src = path.join(from, e.name);
      if (e.isSymbolicLink())
        throw new Error(`${name} is a symbolic link; copy the file itself into the model folder and import again.`);
      if (e.isDirectory()) walk(src, path.join(to, e.name), name);
      else if (e.isFile()) {
        bytes += fs.statSync(src).size;
        if (++files > MAX_IMPORT_FILES || bytes > MAX_IMPORT_BYTES)
          throw new Error(
            `the folder holds more than ${MAX_IMPORT_FILES} files or 4 GiB; choose the model folder itself.`,
          );
        fs.copyFileSync(src, path.join(to, e.name), fs.constants.COPYFILE_EXCL);
      } else
        throw new Error(`${name} is not a regular file (a device, pipe or socket); a model folder holds files only.`);
    }
  };
  if (fs.lstatSync(source).isSymbolicLink()) source = fs.realpathSync(source);
  walk(source, target, '');
}

/** Reads what the UI shows about a model from its folder; never throws. */
export function readSummary(dir: string): ModelSummary | undefined {
  const file = peekConfigFile(dir);
  const { meta, config } = file ?? {};
  if (!meta && !config) return undefined;
  const summary: { -readonly [K in keyof ModelSummary]: ModelSummary[K] } = {};
  if (meta) {
    if (meta.createdAt) summary.createdAt = meta.createdAt;
    if (meta.metrics) summary.metrics = meta.metrics;
    if (meta.training) summary.corpus = meta.training.corpus;
  }
  if (typeof config?.arch === 'string') summary.arch = config.arch;
  return summary;
}

export class ModelStore {
  /**
   * @param root folder holding one sub-folder per user model (created on demand)
   * @param bundledDir the default model shipped with the extension, if present
   */
  constructor(
    readonly root: string,
    private readonly bundledDir?: string,
  ) {}

  list(): ModelEntry[] {
    const out: ModelEntry[] = [];
    if (this.bundledDir && hasConfigFile(this.bundledDir)) {
      out.push(this.entry(DEFAULT_MODEL_ID, this.bundledDir, true));
    }
    if (fs.existsSync(this.root)) {
      for (const name of fs.readdirSync(this.root).sort()) {
        const dir = path.join(this.root, name);
        if (NAME.test(name) && hasConfigFile(dir)) out.push(this.entry(name, dir, false));
      }
    }
    return out;
  }

  get(id: string): ModelEntry | undefined {
    return this.list().find((m) => m.id === id);
  }

  private entry(id: string, dir: string, bundled: boolean): ModelEntry {
    const summary = readSummary(dir);
    return summary ? { id, dir, bundled, summary } : { id, dir, bundled };
  }

  /** A folder name not taken yet, derived from `wanted`. */
  freeName(wanted: string): string {
    const base =
      wanted
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '')
        .slice(0, 48) || 'model';
    let name = base;
    for (let i = 2; name === DEFAULT_MODEL_ID || fs.existsSync(path.join(this.root, name)); i++) name = `${base}-${i}`;
    return name;
  }

  /** Where a new model (e.g. a fine-tuning run's output) should be written. */
  newModelDir(wanted: string): string {
    fs.mkdirSync(this.root, { recursive: true });
    return path.join(this.root, this.freeName(wanted));
  }

  /**
   * Copies a model folder into the store (file contents only: links and special files are
   * refused), checks the copy's files ({@link checkModelFiles}) and lets `validate` load it, then
   * moves it in under a free name; returns the new entry. Nothing in the store changes when a
   * check or the copy fails. {@link checkModelFiles} is loaded here, not at activation.
   */
  async import(source: string, validate: ModelValidator, wanted = path.basename(source)): Promise<ModelEntry> {
    if (!hasConfigFile(source)) {
      throw new Error(
        `${source} is not a Seq2Seq model folder (it has no ${CONFIG_FILE}). Choose the folder a model was exported to.`,
      );
    }
    fs.mkdirSync(this.root, { recursive: true });
    const temp = path.join(this.root, `.import-${process.pid}-${Date.now()}`);
    try {
      copyPlainFiles(source, temp);
      const { checkModelFiles } = await import('../modelFolder/sideFiles');
      checkModelFiles(temp);
      await validate(temp);
      const name = this.freeName(wanted);
      const target = path.join(this.root, name);
      fs.renameSync(temp, target);
      return this.entry(name, target, false);
    } catch (e) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw e;
    }
  }

  /** Copies a model to `target` (a new folder), atomically. */
  export(id: string, target: string): void {
    const model = this.get(id);
    if (!model) throw new Error(`No model named "${id}".`);
    if (fs.existsSync(target)) throw new Error(`${target} already exists; choose a new folder name.`);
    const temp = `${target}.partial-${process.pid}`;
    try {
      copyPlainFiles(model.dir, temp);
      fs.renameSync(temp, target);
    } catch (e) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw e;
    }
  }

  delete(id: string): void {
    const model = this.get(id);
    if (!model) throw new Error(`No model named "${id}".`);
    if (model.bundled) throw new Error('The bundled default model cannot be deleted.');
    // Rename first so a crash mid-delete never leaves a folder that looks like a model.
    const trash = path.join(this.root, `.deleted-${id}-${Date.now()}`);
    fs.renameSync(model.dir, trash);
    fs.rmSync(trash, { recursive: true, force: true });
  }
}
