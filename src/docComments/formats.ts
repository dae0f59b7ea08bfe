/**
 * The doc comment formats per language, the conventional default of each, and how the
 * `seq2seq.docComment.format` / `seq2seq.docComment.sections` settings resolve to one.
 */
import type { CorpusLanguage } from '../parsing/languages';

export type DocFormat =
  | 'google'
  | 'numpy'
  | 'sphinx'
  | 'epytext'
  | 'pep257'
  | 'jsdoc'
  | 'tsdoc'
  | 'javadoc'
  | 'godoc'
  | 'rustdoc'
  | 'phpdoc'
  | 'yard'
  | 'xmldoc'
  | 'doxygen';

export type DocSections = 'summary' | 'full';

/** The formats each language accepts, its conventional default first. */
export const LANGUAGE_FORMATS: Readonly<Record<CorpusLanguage, readonly DocFormat[]>> = {
  python: ['google', 'numpy', 'sphinx', 'epytext', 'pep257'],
  javascript: ['jsdoc'],
  typescript: ['tsdoc', 'jsdoc'],
  tsx: ['tsdoc', 'jsdoc'],
  java: ['javadoc'],
  go: ['godoc'],
  rust: ['rustdoc'],
  'c-sharp': ['xmldoc'],
  cpp: ['doxygen'],
  php: ['phpdoc'],
  ruby: ['yard'],
};

/**
 * The format to use: the setting when the language accepts it (a string, or an object keyed by
 * language), else the language's default. `auto` and unknown values give the default.
 */
export function resolveFormat(lang: CorpusLanguage, setting: unknown): DocFormat {
  const allowed = LANGUAGE_FORMATS[lang];
  let wanted: unknown = setting;
  if (setting && typeof setting === 'object') {
    const bag = setting as Record<string, unknown>;
    wanted = bag[lang] ?? (lang === 'tsx' ? bag.typescript : undefined);
  }
  return typeof wanted === 'string' && (allowed as readonly string[]).includes(wanted)
    ? (wanted as DocFormat)
    : allowed[0]!;
}

export function resolveSections(setting: unknown): DocSections {
  return setting === 'summary' ? 'summary' : 'full';
}
