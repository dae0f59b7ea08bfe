/**
 * The reader's judgement of the card's side-by-side test functions (issue 35, "What a reader
 * keeps"): a blind sheet to tick, its key, and the count of kept comments per language and system.
 *
 * finish.ts writes `reader-sheet.md` (per function: project, name, code, the author's summary and
 * the judged systems' distinct comments as `- [ ] A: text`, shuffled with a seed, no system named)
 * and `reader-key.json` (which systems wrote each letter). A reader ticks `[x]` for each comment
 * they would keep, before reading the card's tables; readerCount.ts checks the ticked sheet
 * against the key and writes the counts into MODEL.md.
 */
import type { CorpusRecord } from '../../src/mining/dataset';
import { hashString, seededRandom, shuffleInPlace } from '../../src/mining/random';
import { projectOf } from '../../src/retrieval/projectMemory';
import { sideBySideSample } from '../../src/training/projectBenchmark';

export const READER_SHEET_FILE = 'reader-sheet.md';
export const READER_KEY_FILE = 'reader-key.json';
/** The card's heading above the counts. */
export const READER_HEADING = '## What a reader keeps (20 test functions per language, judged blind)';
/** What a reader keeps, as the sheet and the card both say it. */
export const READER_RULE =
  'a comment is kept when its meaning is right, even if worded differently, and its text is not broken; ' +
  'a summary reused from a neighbouring function that is wrong in the word that matters counts as wrong';

/** The shown text of an empty output. */
const NOTHING = '(nothing)';
/** Code lines shown per function, and characters per line. */
const CODE_LINES = 30;
const CODE_WIDTH = 120;

/** One function of the sheet: `id` ("python 3") heads it; `comments` maps each letter to the systems that wrote it. */
export interface KeyedFunction {
  readonly id: string;
  readonly language: string;
  readonly project: string;
  readonly name: string;
  readonly comments: Readonly<Record<string, readonly string[]>>;
}

export interface ReaderKey {
  /** The judged systems, in the order the card's table lists them. */
  readonly systems: readonly string[];
  readonly functions: readonly KeyedFunction[];
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The code as the sheet shows it: at most CODE_LINES lines of at most CODE_WIDTH characters. */
function trimmedCode(code: string): string {
  const lines = code.replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, CODE_LINES).map((l) => (l.length > CODE_WIDTH ? `${l.slice(0, CODE_WIDTH - 1)}…` : l));
  if (lines.length > CODE_LINES) shown.push(`… (${lines.length - CODE_LINES} more lines)`);
  return shown.join('\n');
}

/** A fence longer than any run of backticks in `text`, so the code cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * The sheet and its key for the side-by-side functions of `pairs` (the same `perLanguage` per
 * language as the card's table): each function's distinct comments of `judged` (identical texts
 * merged), in an order shuffled by `seed` and the function's id.
 */
export function readerSheet(
  pairs: readonly CorpusRecord[],
  systems: Readonly<Record<string, readonly string[]>>,
  judged: readonly string[],
  seed: number,
  perLanguage = 20,
): { sheet: string; key: ReaderKey } {
  const sample = sideBySideSample(pairs, perLanguage);
  const total = sample.reduce((n, [, idx]) => n + idx.length, 0);
  const parts = [
    `# Reader sheet: ${total} test functions, judged blind`,
    '',
    `For each function, read its code and its author's summary, then tick \`[x]\` each comment you would keep: ${READER_RULE}. ` +
      `"${NOTHING}" is an empty comment. The comments are shuffled and do not say who wrote them. ` +
      `Judge this sheet before reading the tables of MODEL.md, and do not open ${READER_KEY_FILE}; ` +
      'then count with readerCount.js (README.md). Change nothing but the ticks.',
    '',
  ];
  const functions: KeyedFunction[] = [];
  for (const [language, idx] of sample) {
    parts.push(`## ${language}`, '');
    idx.forEach((i, n) => {
      const r = pairs[i]!;
      const id = `${language} ${n + 1}`;
      const writers = new Map<string, string[]>();
      for (const system of judged) {
        const text = oneLine(systems[system]![i]!) || NOTHING;
        writers.set(text, [...(writers.get(text) ?? []), system]);
      }
      const texts = shuffleInPlace([...writers.keys()], seededRandom(hashString(id, seed)));
      const letter = (k: number): string => String.fromCharCode(65 + k);
      const code = trimmedCode(r.code);
      const fence = fenceFor(code);
      parts.push(
        `### ${id}: \`${r.name}\` (${projectOf(r)})`,
        '',
        `${fence}${language === 'c-sharp' ? 'csharp' : language}`,
        code,
        fence,
        '',
        `Author: ${oneLine(r.summary) || NOTHING}`,
        '',
        ...texts.map((t, k) => `- [ ] ${letter(k)}: ${t}`),
        '',
      );
      functions.push({
        id,
        language,
        project: projectOf(r),
        name: r.name,
        comments: Object.fromEntries(texts.map((t, k) => [letter(k), writers.get(t)!])),
      });
    });
  }
  return { sheet: parts.join('\n'), key: { systems: [...judged], functions } };
}

/** The letters ticked per function id, in the sheet's order (lines inside code fences ignored). */
function tickedLetters(sheet: string): Map<string, { letters: string[]; ticked: Set<string> }> {
  const out = new Map<string, { letters: string[]; ticked: Set<string> }>();
  let current: { letters: string[]; ticked: Set<string> } | undefined;
  let fence: string | undefined;
  for (const line of sheet.split(/\r?\n/)) {
    if (fence) {
      if (line.trim() === fence) fence = undefined;
      continue;
    }
    const opening = /^(`{3,})/.exec(line);
    const heading = /^### (.+? \d+): /.exec(line);
    const box = /^- \[([ xX])\] ([A-Z]):/.exec(line);
    if (opening) fence = opening[1];
    else if (heading) {
      if (out.has(heading[1]!)) throw new Error(`${READER_SHEET_FILE}: "${heading[1]}" appears twice.`);
      out.set(heading[1]!, (current = { letters: [], ticked: new Set() }));
    } else if (box && current) {
      current.letters.push(box[2]!);
      if (box[1] !== ' ') current.ticked.add(box[2]!);
    }
  }
  return out;
}

/** Per language (the key's order): its functions and, per judged system, the comments a reader kept. */
export interface ReaderCount {
  readonly language: string;
  readonly functions: number;
  readonly kept: Readonly<Record<string, number>>;
}

/** Counts a ticked sheet; throws when its functions or letters are not the key's. */
export function readerCounts(sheet: string, key: ReaderKey): ReaderCount[] {
  const marks = tickedLetters(sheet);
  const mismatch = (what: string): Error =>
    new Error(
      `${READER_SHEET_FILE} does not match ${READER_KEY_FILE}: ${what}. ` +
        'Tick the boxes of the sheet finish wrote beside this key, changing nothing else.',
    );
  const keyed = new Set(key.functions.map((f) => f.id));
  const extra = [...marks.keys()].find((id) => !keyed.has(id));
  if (extra) throw mismatch(`"${extra}" is not in the key`);
  const counts = new Map<string, { functions: number; kept: Record<string, number> }>();
  for (const f of key.functions) {
    const mark = marks.get(f.id);
    if (!mark) throw mismatch(`"${f.id}" is missing from the sheet`);
    const letters = Object.keys(f.comments).sort().join(', ');
    if ([...mark.letters].sort().join(', ') !== letters)
      throw mismatch(`"${f.id}" has letters ${mark.letters.join(', ') || 'none'}, the key ${letters}`);
    let count = counts.get(f.language);
    if (!count)
      counts.set(f.language, (count = { functions: 0, kept: Object.fromEntries(key.systems.map((s) => [s, 0])) }));
    count.functions++;
    for (const letter of mark.ticked) for (const system of f.comments[letter]!) count.kept[system]!++;
  }
  return [...counts].map(([language, c]) => ({ language, ...c }));
}

/** The kept counts per language and judged system ("12 / 20"), as a Markdown table. */
export function readerTable(counts: readonly ReaderCount[], systems: readonly string[]): string {
  return [
    `| language | ${systems.join(' | ')} |`,
    `|---|${systems.map(() => '---:').join('|')}|`,
    ...counts.map((c) => `| ${c.language} | ${systems.map((s) => `${c.kept[s]} / ${c.functions}`).join(' | ')} |`),
  ].join('\n');
}

/** The card's section: the rule, then the table. */
export function readerSection(counts: readonly ReaderCount[], systems: readonly string[]): string {
  return [
    READER_HEADING,
    '',
    `The generated comments of the side-by-side functions above, judged by a reader on ${READER_SHEET_FILE} without ` +
      `knowing which system wrote which, before reading the tables; ${READER_RULE}. ${READER_KEY_FILE} says who wrote each.`,
    '',
    readerTable(counts, systems),
  ].join('\n');
}

/** `card` with `section` in place of its reader section (up to the next `## ` heading), or appended. */
export function withReaderSection(card: string, section: string): string {
  const lines = card.split('\n');
  const start = lines.indexOf(READER_HEADING);
  if (start < 0) return `${card.trimEnd()}\n\n${section}\n`;
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return end < 0
    ? `${[...lines.slice(0, start), section].join('\n')}\n`
    : [...lines.slice(0, start), section, '', ...lines.slice(end)].join('\n');
}
