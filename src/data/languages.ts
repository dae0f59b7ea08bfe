/**
 * Per-language conventions for mining: which files belong to a language, which syntax nodes are
 * functions, which comments count as documentation, and which lines may sit between a doc
 * comment and its function (decorators, attributes, TypeScript overload signatures).
 *
 * Language names are the tree-sitter grammar names also used by src/host/languages.ts.
 */

export type CorpusLanguage =
  'python' | 'javascript' | 'typescript' | 'tsx' | 'java' | 'go' | 'rust' | 'c-sharp' | 'cpp' | 'php' | 'ruby';

export const CORPUS_LANGUAGES: readonly CorpusLanguage[] = [
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
];

/** How a language writes documentation: a docstring inside the body or a comment above. */
export type DocPlacement = 'docstring' | 'above';

export interface LanguageSpec {
  readonly name: CorpusLanguage;
  readonly extensions: readonly string[];
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

const jsLike = (name: CorpusLanguage, extensions: string[]): LanguageSpec =>
  spec({
    name,
    extensions,
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
    functionTypes: ['function_definition'],
    wrapperTypes: ['decorated_definition'],
    placement: 'docstring',
    isDocComment: none,
  }),
  javascript: jsLike('javascript', ['.js', '.jsx', '.mjs', '.cjs']),
  typescript: jsLike('typescript', ['.ts', '.mts', '.cts']),
  tsx: jsLike('tsx', ['.tsx']),
  java: spec({
    name: 'java',
    extensions: ['.java'],
    functionTypes: ['method_declaration', 'constructor_declaration'],
    placement: 'above',
    isDocComment: BLOCK_DOC,
  }),
  go: spec({
    name: 'go',
    extensions: ['.go'],
    functionTypes: ['function_declaration', 'method_declaration'],
    placement: 'above',
    isDocComment: (t) => t.startsWith('//') && !/^\/\/(go:|\s*\+build|nolint)/.test(t),
  }),
  rust: spec({
    name: 'rust',
    extensions: ['.rs'],
    functionTypes: ['function_item'],
    placement: 'above',
    isDocComment: (t) => (t.startsWith('///') && !t.startsWith('////')) || BLOCK_DOC(t),
    isSkippableLine: (line) => line.startsWith('#['),
  }),
  'c-sharp': spec({
    name: 'c-sharp',
    extensions: ['.cs'],
    functionTypes: ['method_declaration', 'constructor_declaration', 'local_function_statement'],
    placement: 'above',
    isDocComment: (t) => t.startsWith('///') && !t.startsWith('////'),
    isSkippableLine: (line) => /^\[.*\]$/.test(line),
  }),
  cpp: spec({
    name: 'cpp',
    extensions: ['.cpp', '.cc', '.cxx', '.hpp', '.hh', '.hxx', '.h'],
    functionTypes: ['function_definition'],
    wrapperTypes: ['template_declaration'],
    placement: 'above',
    isDocComment: (t) =>
      BLOCK_DOC(t) || t.startsWith('/*!') || (t.startsWith('///') && !t.startsWith('////')) || t.startsWith('//!'),
  }),
  php: spec({
    name: 'php',
    extensions: ['.php'],
    functionTypes: ['function_definition', 'method_declaration'],
    placement: 'above',
    isDocComment: BLOCK_DOC,
    isSkippableLine: (line) => line.startsWith('#['),
  }),
  ruby: spec({
    name: 'ruby',
    extensions: ['.rb'],
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
