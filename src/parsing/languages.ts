/**
 * Per-language conventions for mining: which files belong to a language, which syntax nodes are
 * functions, which comments count as documentation, and which lines may sit between a doc
 * comment and its function (decorators, attributes, TypeScript overload signatures).
 *
 * This is the one table of supported languages: their names (the tree-sitter grammar names), file
 * extensions and VS Code language ids. The editor's language ids (src/host/languages.ts), the
 * comment styles, the doc formats and the preview's file extensions are derived from or keyed by it.
 */

/** The supported languages, in the order tables and reports list them. */
export const CORPUS_LANGUAGES = [
  'python',
  'javascript',
  'typescript',
  'tsx',
  'java',
  'go',
  'rust',
  'c-sharp',
  'cpp',
  'php',
  'ruby',
] as const;

export type CorpusLanguage = (typeof CORPUS_LANGUAGES)[number];

/** How a language writes documentation: a docstring inside the body or a comment above. */
export type DocPlacement = 'docstring' | 'above';

export interface LanguageSpec {
  readonly name: CorpusLanguage;
  /** File extensions, lower case; the first is the language's usual one. */
  readonly extensions: readonly [string, ...string[]];
  /** The VS Code language ids whose documents are in this language. */
  readonly vscodeLanguageIds: readonly string[];
  /** Node types that are functions, methods or constructors. */
  readonly functionTypes: readonly string[];
  /** Function node types that count only when assigned (`const f = () => ...`). */
  readonly assignedFunctionTypes: readonly string[];
  /** Parents a function climbs through to reach the node its doc comment sits above. */
  readonly wrapperTypes: readonly string[];
  readonly placement: DocPlacement;
  /** Does this comment text (one node) open documentation? */
  isDocComment(text: string): boolean;
  /** Lines allowed between the doc comment and the function (trimmed line, function name). */
  isSkippableLine(line: string, name: string): boolean;
}

const BLOCK_DOC = (t: string): boolean => t.startsWith('/**') && !t.startsWith('/**/') && t !== '/**';
const JS_WRAPPERS = [
  'export_statement',
  'lexical_declaration',
  'variable_declaration',
  'variable_declarator',
  'assignment_expression',
  'expression_statement',
  'pair',
  'public_field_definition',
  'field_definition',
];
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function decoratorOrOverload(line: string, name: string): boolean {
  if (line.startsWith('@')) return true;
  const overload = new RegExp(
    `^(export\\s+)?(default\\s+)?(declare\\s+)?(async\\s+)?function\\s*\\*?\\s*${escapeRe(name)}\\b.*;$`,
  );
  return overload.test(line);
}

const none = (): boolean => false;

function spec(
  s: Omit<LanguageSpec, 'assignedFunctionTypes' | 'wrapperTypes' | 'isSkippableLine'> &
    Partial<Pick<LanguageSpec, 'assignedFunctionTypes' | 'wrapperTypes' | 'isSkippableLine'>>,
): LanguageSpec {
  return { assignedFunctionTypes: [], wrapperTypes: [], isSkippableLine: none, ...s };
}

const jsLike = (
  name: CorpusLanguage,
  extensions: readonly [string, ...string[]],
  vscodeLanguageIds: readonly string[],
): LanguageSpec =>
  spec({
    name,
    extensions,
    vscodeLanguageIds,
    functionTypes: ['function_declaration', 'generator_function_declaration', 'method_definition'],
    assignedFunctionTypes: ['arrow_function', 'function_expression', 'function', 'generator_function'],
    wrapperTypes: JS_WRAPPERS,
    placement: 'above',
    isDocComment: BLOCK_DOC,
    isSkippableLine: decoratorOrOverload,
  });

export const LANGUAGE_SPECS: Readonly<Record<CorpusLanguage, LanguageSpec>> = {
  python: spec({
    name: 'python',
    extensions: ['.py', '.pyi'],
    vscodeLanguageIds: ['python'],
    functionTypes: ['function_definition'],
    wrapperTypes: ['decorated_definition'],
    placement: 'docstring',
    isDocComment: none,
  }),
  javascript: jsLike('javascript', ['.js', '.jsx', '.mjs', '.cjs'], ['javascript', 'javascriptreact']),
  typescript: jsLike('typescript', ['.ts', '.mts', '.cts'], ['typescript']),
  tsx: jsLike('tsx', ['.tsx'], ['typescriptreact']),
  java: spec({
    name: 'java',
    extensions: ['.java'],
    vscodeLanguageIds: ['java'],
    functionTypes: ['method_declaration', 'constructor_declaration'],
    placement: 'above',
    isDocComment: BLOCK_DOC,
  }),
  go: spec({
    name: 'go',
    extensions: ['.go'],
    vscodeLanguageIds: ['go'],
    functionTypes: ['function_declaration', 'method_declaration'],
    placement: 'above',
    isDocComment: (t) => t.startsWith('//') && !/^\/\/(go:|\s*\+build|nolint)/.test(t),
  }),
  rust: spec({
    name: 'rust',
    extensions: ['.rs'],
    vscodeLanguageIds: ['rust'],
    functionTypes: ['function_item'],
    placement: 'above',
    isDocComment: (t) => (t.startsWith('///') && !t.startsWith('////')) || BLOCK_DOC(t),
    isSkippableLine: (line) => line.startsWith('#['),
  }),
  'c-sharp': spec({
    name: 'c-sharp',
    extensions: ['.cs'],
    vscodeLanguageIds: ['csharp'],
    functionTypes: ['method_declaration', 'constructor_declaration', 'local_function_statement'],
    placement: 'above',
    isDocComment: (t) => t.startsWith('///') && !t.startsWith('////'),
    isSkippableLine: (line) => /^\[.*\]$/.test(line),
  }),
  cpp: spec({
    name: 'cpp',
    extensions: ['.cpp', '.cc', '.cxx', '.hpp', '.hh', '.hxx', '.h'],
    vscodeLanguageIds: ['cpp', 'c'],
    functionTypes: ['function_definition'],
    wrapperTypes: ['template_declaration'],
    placement: 'above',
    isDocComment: (t) =>
      BLOCK_DOC(t) || t.startsWith('/*!') || (t.startsWith('///') && !t.startsWith('////')) || t.startsWith('//!'),
  }),
  php: spec({
    name: 'php',
    extensions: ['.php'],
    vscodeLanguageIds: ['php'],
    functionTypes: ['function_definition', 'method_declaration'],
    placement: 'above',
    isDocComment: BLOCK_DOC,
    isSkippableLine: (line) => line.startsWith('#['),
  }),
  ruby: spec({
    name: 'ruby',
    extensions: ['.rb'],
    vscodeLanguageIds: ['ruby'],
    functionTypes: ['method', 'singleton_method'],
    placement: 'above',
    isDocComment: (t) =>
      t.startsWith('#') && !t.startsWith('#!') && !/^#\s*(frozen_string_literal|rubocop|encoding):/.test(t),
  }),
};

/** The language of a file from its extension, or undefined when it is not mined. */
export function languageOfPath(filePath: string): CorpusLanguage | undefined {
  const lower = filePath.toLowerCase();
  const dot = lower.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = lower.slice(dot);
  for (const lang of CORPUS_LANGUAGES) {
    if (LANGUAGE_SPECS[lang].extensions.includes(ext)) return lang;
  }
  return undefined;
}

/** The language of each VS Code language id the extension supports. */
export const LANGUAGE_OF_VSCODE_ID: Readonly<Record<string, CorpusLanguage>> = Object.fromEntries(
  CORPUS_LANGUAGES.flatMap((lang) => LANGUAGE_SPECS[lang].vscodeLanguageIds.map((id) => [id, lang] as const)),
);

/** The usual file extension of a language (`.py`, `.cs`, `.cpp`). */
export function usualExtension(lang: CorpusLanguage): string {
  return LANGUAGE_SPECS[lang].extensions[0];
}
