/**
 * Loads tree-sitter (the `web-tree-sitter` runtime) and the grammars VS Code ships in
 * `@vscode/tree-sitter-wasm`, once per process, and hands out parsers per corpus language.
 *
 * The wasm files are found in a `wasmDir` option, else in `<this file's folder>/tree-sitter` (where
 * the webpack bundle copies them), else in node_modules. The grammars' ABI (14/15) is accepted by
 * web-tree-sitter 0.27, whose own runtime (`web-tree-sitter.wasm`) is used.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser } from 'web-tree-sitter';
import type { CorpusLanguage } from './languages';

export interface ParserOptions {
  /** Folder holding `tree-sitter-<lang>.wasm` grammars (and optionally `web-tree-sitter.wasm`). */
  readonly wasmDir?: string;
}

/** A package file's path, or undefined (also inside a bundle, where require.resolve gives ids). */
function resolveFrom(resolve: () => unknown): string | undefined {
  try {
    const resolved = resolve();
    return typeof resolved === 'string' && path.isAbsolute(resolved) && fs.existsSync(resolved) ? resolved : undefined;
  } catch {
    return undefined;
  }
}

/** The folder holding the grammars: option, then the bundle's copy, then node_modules. */
export function grammarDir(options: ParserOptions = {}): string {
  if (options.wasmDir) return options.wasmDir;
  const bundled = path.join(__dirname, 'tree-sitter');
  if (fs.existsSync(path.join(bundled, 'tree-sitter-python.wasm'))) return bundled;
  const pkg = resolveFrom(() => require.resolve('@vscode/tree-sitter-wasm/package.json'));
  if (pkg) return path.join(path.dirname(pkg), 'wasm');
  throw new Error('tree-sitter grammars not found: install @vscode/tree-sitter-wasm or pass wasmDir');
}

function runtimeWasm(dir: string): string | undefined {
  const beside = path.join(dir, 'web-tree-sitter.wasm');
  if (fs.existsSync(beside)) return beside;
  const main = resolveFrom(() => require.resolve('web-tree-sitter'));
  const packaged = main && path.join(path.dirname(main), 'web-tree-sitter.wasm');
  return packaged && fs.existsSync(packaged) ? packaged : undefined;
}

let initialised: Promise<void> | undefined;
const languages = new Map<string, Promise<Language>>();

/** Starts the runtime once; later calls share the same promise. */
function initRuntime(dir: string): Promise<void> {
  if (!initialised) {
    const wasm = runtimeWasm(dir);
    initialised = Parser.init(wasm ? { locateFile: () => wasm } : undefined).catch((e: unknown) => {
      initialised = undefined;
      throw e;
    });
  }
  return initialised;
}

/** A parser for one language; grammars are loaded once and cached per folder. */
export async function createParser(lang: CorpusLanguage, options: ParserOptions = {}): Promise<Parser> {
  const dir = grammarDir(options);
  await initRuntime(dir);
  const key = `${dir}\0${lang}`;
  let language = languages.get(key);
  if (!language) {
    const file = path.join(dir, `tree-sitter-${lang}.wasm`);
    if (!fs.existsSync(file)) throw new Error(`tree-sitter grammar for ${lang} not found: ${file}`);
    language = Language.load(file).catch((e: unknown) => {
      languages.delete(key);
      throw e;
    });
    languages.set(key, language);
  }
  const parser = new Parser();
  parser.setLanguage(await language);
  return parser;
}

/** One parser per language, created on first use and shared; a failed load is retried next time. */
export class ParserPool {
  private readonly parsers = new Map<CorpusLanguage, Promise<Parser>>();

  constructor(private readonly options: ParserOptions = {}) {}

  get(lang: CorpusLanguage): Promise<Parser> {
    let p = this.parsers.get(lang);
    if (!p) {
      p = createParser(lang, this.options);
      this.parsers.set(lang, p);
      p.catch(() => this.parsers.delete(lang));
    }
    return p;
  }

  dispose(): void {
    for (const p of this.parsers.values())
      void p.then(
        (x) => x.delete(),
        () => undefined,
      );
    this.parsers.clear();
  }
}
