/**
 * Type text for doc comments: Python annotations unwrapped the way a reader documents them
 * (`Optional[T]` and `T | None` are an optional `T`, `Annotated[T, ...]` is `T`, `Union[A, B]`
 * reads `A | B`), and JSDoc types inferred from a JavaScript default value or a parameter's
 * conventional name, since plain JavaScript has no annotations to read.
 */

/**
 * Splits a Python annotation on top-level commas or pipes (not inside brackets or strings), each
 * piece trimmed, empty pieces dropped. data/paramDescriptions.ts's topLevel splits signatures of
 * every language and differs on purpose: there `<` and `>` are brackets (here `>` is a comparison,
 * as in `Annotated[int, lambda v: v > 0]`), strings know escapes and backticks, and pieces keep
 * their spaces. test/unit/topLevelSplit.test.ts pins both.
 */
export function splitTop(text: string, sep: ',' | '|'): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ('[({'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === sep && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter(Boolean);
}

/** `Name[args]` as [Name, args], when the whole text is one subscript. */
function subscript(text: string): [string, string] | undefined {
  const m = /^([\w.]+)\[([\s\S]*)\]$/.exec(text);
  if (!m || splitTop(text, '|').length > 1) return undefined;
  return [m[1]!.replace(/^(typing|typing_extensions|t)\./, ''), m[2]!];
}

const isNone = (t: string): boolean => t === 'None' || t === 'NoneType' || t === 'type(None)';

/** A Python annotation as documented: the type, and whether `None` is allowed. */
export function pythonType(annotation: string): { type: string; optional: boolean } {
  let text = annotation.trim().replace(/^["']|["']$/g, '');
  let optional = false;
  for (;;) {
    const sub = subscript(text);
    if (sub?.[0] === 'Annotated') {
      text = splitTop(sub[1], ',')[0] ?? text;
      continue;
    }
    if (sub?.[0] === 'Optional') {
      optional = true;
      text = sub[1].trim();
      continue;
    }
    const members = sub?.[0] === 'Union' ? splitTop(sub[1], ',') : splitTop(text, '|');
    if (members.length > 1) {
      const kept = members.filter((m) => !isNone(m));
      if (kept.length < members.length) optional = true;
      const unwrapped = kept.map((m) => pythonType(m).type);
      text = unwrapped.join(' | ');
      if (kept.length === 1) continue;
    }
    return { type: text, optional };
  }
}

/** A JSDoc type for a JavaScript default value's source text, if it says one. */
export function jsTypeOfDefault(value: string): string | undefined {
  const v = value.trim();
  if (/^-?(\d|\.\d)/.test(v) || v === 'NaN' || v === 'Infinity') return /n$/.test(v) ? 'bigint' : 'number';
  if (/^['"`]/.test(v)) return 'string';
  if (v === 'true' || v === 'false') return 'boolean';
  if (v.startsWith('[')) return 'Array';
  if (v.startsWith('{')) return 'Object';
  if (/^(async\s+)?(function\b|\(.*\)\s*=>|\w+\s*=>)/.test(v)) return 'Function';
  if (v.startsWith('/')) return 'RegExp';
  const ctor = /^new\s+([\w.$]+)/.exec(v);
  if (ctor) return ctor[1];
  return undefined;
}

/** A JSDoc type from a parameter's conventional name (callbacks, flags, counts). */
export function jsTypeOfName(name: string): string | undefined {
  if (
    /^(callback|cb|fn|func|handler|listener|next|done|resolve|reject)$/i.test(name) ||
    /(Callback|Handler|Fn)$/.test(name)
  )
    return 'Function';
  if (/^(is|has|should|can|allow|enable|disable|use)[A-Z_]/.test(name)) return 'boolean';
  if (/^(count|index|idx|length|size|num|n|i|j|k|width|height|offset|limit|timeout|delay|ms|port)$/i.test(name))
    return 'number';
  if (/^(name|text|str|message|msg|url|path|id|key|label|title|prefix|suffix)$/i.test(name)) return 'string';
  if (/^(event|evt|e)$/.test(name)) return 'Event';
  if (/^(el|element)$/.test(name)) return 'HTMLElement';
  if (/^(options|opts|config|settings|params)$/.test(name)) return 'Object';
  return undefined;
}
