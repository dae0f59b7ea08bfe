/**
 * Finds the entries of an existing doc comment in its source text, as line ranges, so a fix can
 * add, remove or rename exactly those entries and leave every other byte as the user wrote it.
 * Understands Google and NumPy sections, reST/Sphinx and Epytext fields, `@param`-style tags
 * (JSDoc, TSDoc, Javadoc, PHPDoc, Doxygen `@`/`\`, YARD) and C# XML tags.
 * The comment markers come from syntax.ts; the patterns here read what is inside a comment
 * (tags, fields, section headers), which only this reader knows.
 */
import { closingMarkerAt, docContentColumn, stripClosingMarker } from './syntax';

export type EntryKind = 'param' | 'returns' | 'raises';

export interface DocEntry {
  readonly kind: EntryKind;
  /** Parameter name (no `*`, `$` or `...`) or exception type; '' for returns. */
  readonly name: string;
  /** [start, end) lines of the entry in the doc's lines, continuation lines included. */
  readonly start: number;
  readonly end: number;
  /** Offset of the name within the entry's first line, when it has one. */
  readonly nameColumn?: number;
  /** The name as written (`*args`, `$x`). */
  readonly written?: string;
  /** Extra lines owned by the entry elsewhere (Sphinx `:type x:`), as [start, end). */
  readonly related: readonly (readonly [number, number])[];
}

export interface DocSection {
  readonly kind: EntryKind | 'other';
  /** [start, end) lines: header (and underline) through its last entry line. */
  readonly start: number;
  readonly end: number;
  /** Lines of the header (1, or 2 with a NumPy underline). */
  readonly headerLines: number;
}

export interface ScannedDoc {
  readonly lines: readonly string[];
  readonly entries: readonly DocEntry[];
  readonly sections: readonly DocSection[];
  /** The column where each line's content starts (after `*`, `///`, `#` and indentation). */
  readonly contentColumn: readonly number[];
}

function content(line: string): [number, string] {
  const col = docContentColumn(line);
  return [col, stripClosingMarker(line.slice(col))];
}

const SECTION_KIND: Record<string, EntryKind | 'other'> = {
  args: 'param',
  arguments: 'param',
  parameters: 'param',
  params: 'param',
  'keyword args': 'param',
  'keyword arguments': 'param',
  'other parameters': 'param',
  returns: 'returns',
  return: 'returns',
  yields: 'other',
  raises: 'raises',
  throws: 'raises',
  attributes: 'other',
  examples: 'other',
  example: 'other',
  notes: 'other',
  note: 'other',
  'see also': 'other',
  references: 'other',
  warns: 'other',
  warnings: 'other',
  todo: 'other',
};

const stripName = (n: string): string => n.replace(/^(\*{1,2}|\$|\.\.\.)/, '').replace(/^\$/, '');

/** A tag line's kind and name: `@param {T} x`, `:param T x:`, `@param T $x`, `\param[in] x`, XML. */
function tagEntry(
  text: string,
): { kind: EntryKind; name: string; at?: number; written?: string } | 'type' | 'other' | undefined {
  let m = /^<param\s+name="([^"]*)"/.exec(text);
  if (m) return { kind: 'param', name: m[1]!, at: text.indexOf('"') + 1, written: m[1]! };
  if (/^<returns?>/.test(text)) return { kind: 'returns', name: '' };
  m = /^<exception\s+cref="([^"]*)"/.exec(text);
  if (m) return { kind: 'raises', name: m[1]! };
  if (/^<\/?\w/.test(text)) return 'other';
  m = /^:(param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\*{0,2}\w+):/.exec(text);
  if (m)
    return { kind: 'param', name: stripName(m[2]!), at: text.lastIndexOf(m[2]!, text.indexOf(':', 1)), written: m[2]! };
  if (/^:(type|vartype)\s/.test(text) || /^@type\s+\w+:/.test(text)) return 'type';
  if (/^:(returns?|rtype):/.test(text) || /^@(rtype)\b/.test(text)) return { kind: 'returns', name: '' };
  m = /^:(raises?|except|exception)\s+([\w.]+)\s*:/.exec(text);
  if (m) return { kind: 'raises', name: m[2]! };
  if (/^:\w+/.test(text)) return 'other';
  const tag = /^[@\\](\w+)(\[[^\]]*\])?\s*(.*)$/.exec(text);
  if (!tag) return undefined;
  const [, name, , rest] = tag as unknown as [string, string, string | undefined, string];
  const bodyAt = text.length - rest.length;
  if (/^(param|arg|argument)$/.test(name)) {
    // `{T} [x=1]`, `T $x`, `x [T]`, `<T>` (Javadoc type parameter: not a parameter).
    let body = rest;
    let skip = 0;
    const braced = /^\{(?:[^{}]|\{[^{}]*\})*\}\s*/.exec(body);
    if (braced) skip = braced[0].length;
    body = body.slice(skip);
    if (body.startsWith('<')) return 'other';
    const php = /^[^\s$[]+\s+(\.\.\.)?\$(\w+)/.exec(body);
    if (php) return { kind: 'param', name: php[2]!, at: bodyAt + skip + body.indexOf('$') + 1, written: php[2]! };
    const plain = /^\[?(\.\.\.)?\$?([\w$]+)/.exec(body);
    if (!plain) return 'other';
    const at = bodyAt + skip + plain[0].length - plain[2]!.length;
    return { kind: 'param', name: plain[2]!, at, written: plain[2]! };
  }
  if (/^returns?$/.test(name)) return { kind: 'returns', name: '' };
  if (/^(throws|throw|exception|raises|raise)$/.test(name)) {
    const t = /^(?:\{(?:@link\s+)?([^}\s]+)\s*\}|\[([^\]]+)\]|([\w.:\\]+))/.exec(rest);
    return { kind: 'raises', name: (t?.[1] ?? t?.[2] ?? t?.[3] ?? '').replace(/:$/, '') };
  }
  return 'other';
}

/** Scans the doc comment's source text (delimiters included). */
export function scanDoc(source: string): ScannedDoc {
  const lines = source.split('\n').map((l) => l.replace(/\r$/, ''));
  const cols: number[] = [];
  const texts: string[] = [];
  for (const l of lines) {
    const [c, t] = content(l);
    cols.push(c);
    texts.push(t);
  }
  const entries: {
    kind: EntryKind;
    name: string;
    start: number;
    end: number;
    nameColumn?: number;
    written?: string;
    related: [number, number][];
  }[] = [];
  const sections: DocSection[] = [];
  const isBlank = (i: number): boolean => texts[i]!.trim() === '';
  const sectionHeader = (i: number): { kind: EntryKind | 'other'; lines: number } | undefined => {
    const t = texts[i]!.trim();
    const google = /^([A-Za-z][A-Za-z ]*):$/.exec(t);
    if (google && SECTION_KIND[google[1]!.toLowerCase()])
      return { kind: SECTION_KIND[google[1]!.toLowerCase()]!, lines: 1 };
    const md = /^#+\s+(Arguments|Parameters|Errors|Panics|Examples?|Safety|Returns)\s*$/.exec(t);
    if (md) return { kind: md[1] === 'Arguments' || md[1] === 'Parameters' ? 'param' : 'other', lines: 1 };
    if (SECTION_KIND[t.toLowerCase()] && /^-{3,}$/.test(texts[i + 1]?.trim() ?? ''))
      return { kind: SECTION_KIND[t.toLowerCase()]!, lines: 2 };
    return undefined;
  };
  let i = 0;
  while (i < lines.length) {
    const header = sectionHeader(i);
    if (header) {
      const start = i;
      const headerCol = cols[i]!;
      i += header.lines;
      let entryCol = -1;
      let last = i;
      while (i < lines.length && !sectionHeader(i) && !/^[@:\\]\w/.test(texts[i]!.trim())) {
        if (isBlank(i)) {
          // A blank line ends the section unless indented entry text follows.
          if (
            i + 1 < lines.length &&
            !isBlank(i + 1) &&
            cols[i + 1]! > headerCol &&
            entryCol >= 0 &&
            cols[i + 1]! > entryCol
          ) {
            i++;
            continue;
          }
          break;
        }
        if (cols[i]! < headerCol || (cols[i] === headerCol && header.lines === 1)) break;
        if (entryCol < 0) entryCol = cols[i]!;
        if (cols[i] === entryCol && header.kind !== 'other') {
          const t = texts[i]!;
          const m = /^(\*{0,2}[\w$.]+)/.exec(t);
          const name = header.kind === 'returns' ? '' : m ? (header.kind === 'param' ? stripName(m[1]!) : m[1]!) : '';
          if (header.kind !== 'returns' || !entries.some((e) => e.kind === 'returns' && e.start >= start))
            entries.push({
              kind: header.kind,
              name,
              start: i,
              end: i + 1,
              nameColumn: cols[i]!,
              ...(m ? { written: m[1]! } : {}),
              related: [],
            });
        }
        const open = entries[entries.length - 1];
        if (open && open.start >= start) open.end = i + 1;
        last = i + 1;
        i++;
      }
      sections.push({ kind: header.kind, start, end: last, headerLines: header.lines });
      continue;
    }
    const tag = tagEntry(texts[i]!.trim());
    if (tag && tag !== 'other' && tag !== 'type') {
      const e = {
        kind: tag.kind,
        name: tag.name,
        start: i,
        end: i + 1,
        ...(tag.at !== undefined ? { nameColumn: cols[i]! + tag.at } : {}),
        ...(tag.written ? { written: tag.written } : {}),
        related: [] as [number, number][],
      };
      i++;
      // Continuation lines: until a blank line, the next tag, or the end of the comment.
      const xmlOpen = /^<(\w+)/.exec(texts[e.start]!.trim())?.[1];
      const xmlClosed = xmlOpen ? new RegExp(`</${xmlOpen}>`).test(texts[e.start]!) : true;
      let closed = xmlClosed;
      while (
        i < lines.length &&
        !isBlank(i) &&
        !/^([@:\\]\w|<\w)/.test(texts[i]!.trim()) &&
        !sectionHeader(i) &&
        closingMarkerAt(lines[i]!) !== 0 // until a line that is only the closing marker
      ) {
        if (xmlOpen && closed) break;
        if (xmlOpen && new RegExp(`</${xmlOpen}>`).test(texts[i]!)) closed = true;
        i++;
      }
      e.end = i;
      entries.push(e);
      continue;
    }
    if (tag === 'type') {
      // Sphinx/Epytext `:type x:` belongs to the parameter x.
      const m = /^[:@](?:type|vartype)\s+(\*{0,2}\w+)/.exec(texts[i]!.trim());
      const owner = m && entries.find((e) => e.kind === 'param' && e.name === stripName(m[1]!));
      if (owner) owner.related.push([i, i + 1]);
    }
    i++;
  }
  return { lines, entries, sections, contentColumn: cols };
}
