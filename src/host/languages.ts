/**
 * VS Code language ids the editor commands support, mapped to the corpus/tree-sitter language
 * names used by src/data. Shared by the `when` context key, code lenses and the commands.
 */
export const LANGUAGE_IDS: Readonly<Record<string, string>> = {
  python: 'python',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  typescript: 'typescript',
  typescriptreact: 'tsx',
  java: 'java',
  go: 'go',
  rust: 'rust',
  csharp: 'c-sharp',
  cpp: 'cpp',
  c: 'cpp',
  php: 'php',
  ruby: 'ruby',
};

export const SUPPORTED_LANGUAGE_IDS: readonly string[] = Object.keys(LANGUAGE_IDS);
