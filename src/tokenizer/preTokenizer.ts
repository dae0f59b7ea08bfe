/**
 * The code-aware pre-tokenizer: cuts text into the pieces BPE works inside, reversibly.
 *
 * - Identifiers split at case changes, digits and underscores (`parseHTTPHeader` -> `parse`,
 *   `HTTP`, `Header`; `snake_case` -> `snake`, `_`, `case`), so code and prose share subwords.
 * - Layout is kept as visible marks: a space before a piece becomes a `▁` prefix, longer runs of
 *   spaces are their own `▁▁▁` piece, a newline and the indentation after it is one `↵▁▁▁▁`
 *   piece, a tab is `⇥`. A piece without `▁` is glued to the previous one: that absence is the
 *   mark of an identifier split, so joining the pieces and turning the marks back into
 *   whitespace restores the text exactly.
 *
 * Documented normalisation: `\r\n` and `\r` become `\n`, and the three mark characters
 * themselves (U+2581, U+21B5, U+21E5) come back as a space, newline and tab.
 */

export const SPACE_MARK = '▁';
export const NEWLINE_MARK = '↵';
export const TAB_MARK = '⇥';

/** One run of: newline+indent, spaces, tabs, identifier parts, underscores, other symbols. */
const PIECE =
  /\n[ \t]*|[ ]+|\t+|\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|[\p{L}\p{M}]+|_+|[^\p{L}\p{M}\p{N}_\s]+|\s/gu;

const mark = (ws: string): string => ws.replace(/ /g, SPACE_MARK).replace(/\t/g, TAB_MARK).replace(/\n/g, NEWLINE_MARK);

export function normaliseText(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** The pieces of a text; `pieces.join('')` with marks unmapped gives the normalised text. */
export function preTokenize(text: string): string[] {
  const raw = normaliseText(text).match(PIECE) ?? [];
  const out: string[] = [];
  let pendingSpace = false;
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i]!;
    if (p === ' ' && i + 1 < raw.length && !/^\s/.test(raw[i + 1]!)) {
      pendingSpace = true;
      continue;
    }
    const marked = mark(p);
    out.push(pendingSpace ? SPACE_MARK + marked : marked);
    pendingSpace = false;
  }
  if (pendingSpace) out.push(SPACE_MARK);
  return out;
}

/** Joined token strings back to text: marks become whitespace again. */
export function unmark(text: string): string {
  return text.replace(/▁/g, ' ').replace(/⇥/g, '\t').replace(/↵/g, '\n');
}

/**
 * The same cut written for `tokenizers` (Oniguruma) over the marked text, for the
 * `pre_tokenizer` of tokenizer.json: with the normaliser that marks whitespace first, the
 * library then cuts text into exactly our pieces, so the saved file works on its own.
 */
export const MARKED_PIECE_PATTERN = [
  '↵[▁⇥]*',
  '▁▁+',
  '⇥+',
  '▁?(?:\\p{Lu}+(?=\\p{Lu}\\p{Ll})|\\p{Lu}?\\p{Ll}+|\\p{Lu}+|\\p{N}+|[\\p{L}\\p{M}]+|_+|[^\\p{L}\\p{M}\\p{N}_\\s▁⇥↵]+)',
  '▁',
  '\\s',
].join('|');
