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

function resolveFrom(request: string): string | undefined {
  try {
    return require.resolve(request);
  } catch {
    return undefined;
  }
}

/** The folder holding the grammars: option, then the bundle's copy, then node_modules. */
export function grammarDir(options: ParserOptions = {}): string {
  if (options.wasmDir) return options.wasmDir;
  const bundled = path.join(__dirname, 'tree-sitter');
  if (fs.existsSync(path.join(bundled, 'tree-sitter-python.wasm'))) return bundled;
  const pkg = resolveFrom('@vscode/tree-sitter-wasm/package.json');
  if (pkg) return path.join(path.dirname(pkg), 'wasm');
  throw new Error('tree-sitter grammars not found: install @vscode/tree-sitter-wasm or pass wasmDir');
}

function runtimeWasm(dir: string): string | undefined {
  const candidates = [path.join(dir, 'web-tree-sitter.wasm')];
  const main = resolveFrom('web-tree-sitter');
  if (main) candidates.push(path.join(path.dirname(main), 'web-tree-sitter.wasm'));
  return candidates.find((c) => fs.existsSync(c));
}

let initialised: Promise<void> | undefined;
const languages = new Map<string, Promise<Language>>();

/** Starts the runtime once; later calls share the same promise. */
function initRuntime(dir: string): Promise<void> {
  if (!initialised) {
    const wasm = runtimeWasm(dir);
    initialised = Parser.init(wasm ? { locateFile: () => wasm } : undefined);
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
    language = Language.load(file);
    languages.set(key, language);
  }
  const parser = new Parser();
  parser.setLanguage(await language);
  return parser;
}
