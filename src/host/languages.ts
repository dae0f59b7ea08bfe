/**
 * VS Code language ids the editor commands support, mapped to the corpus/tree-sitter language
 * names of the language table (src/parsing/languages.ts), where they come from. Shared by
 * the `when` context key, code lenses and the commands.
 */
import { LANGUAGE_OF_VSCODE_ID, type CorpusLanguage } from '../parsing/languages';

export const LANGUAGE_IDS: Readonly<Record<string, CorpusLanguage>> = LANGUAGE_OF_VSCODE_ID;

export const SUPPORTED_LANGUAGE_IDS: readonly string[] = Object.keys(LANGUAGE_IDS);
