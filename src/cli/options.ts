/**
 * The CLI's option values, parsed and checked once. Commander hands every `<n>` option over as a
 * string; a bare `Number()` turns a typo into NaN, which then compares false against every limit
 * and silently removes it. Each parser here names the flag, says what it wants and quotes what it
 * got, so `seq2seq` can print the message as it is and exit.
 */
import { BACKEND_SETTINGS, type BackendSetting } from '../core/backendSetting';

/** A bad option value; the message names the flag and the value given. */
export class OptionError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/** A finite number from its text, or NaN (`''` and `' '` are not 0 here, unlike `Number`). */
function toNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** An integer of at least `min` (and at most `max` when given). */
export function wholeNumberOption(flag: string, value: string, min = 1, max?: number): number {
  const n = toNumber(value);
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
    const bounds = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new OptionError(flag, `${flag} must be a whole number ${bounds}, got "${value}"`);
  }
  return n;
}

/** Any integer, negative ones included (a seed). */
export function integerOption(flag: string, value: string): number {
  const n = toNumber(value);
  if (!Number.isInteger(n)) throw new OptionError(flag, `${flag} must be a whole number, got "${value}"`);
  return n;
}

/** A finite number above 0 (minutes, a rate). */
export function positiveNumberOption(flag: string, value: string): number {
  const n = toNumber(value);
  if (!(Number.isFinite(n) && n > 0)) throw new OptionError(flag, `${flag} must be a positive number, got "${value}"`);
  return n;
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === value);
  if (found === undefined) {
    const list =
      choices.length <= 2
        ? choices.join(' or ')
        : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1] ?? ''}`;
    throw new OptionError(flag, `${flag} must be ${list}, got "${value}"`);
  }
  return found;
}

/**
 * A 1-based inclusive line range such as `10-30` (or one line, `12`), its end clipped to `total`;
 * the whole text when the option is absent.
 */
export function lineRangeOption(flag: string, spec: string | undefined, total: number): [number, number] {
  if (spec === undefined || spec === '') return [1, total];
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) throw new OptionError(flag, `${flag} must look like 10-30 (1-based, inclusive), got "${spec}"`);
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (a < 1 || b < a) throw new OptionError(flag, `${flag} ${spec} is not a valid range`);
  return [a, Math.min(b, total)];
}

/** The `--backend` option: auto, tensorflow, wasm or cpu. */
export function backendOption(value: string): BackendSetting {
  return choiceOption('--backend', value, BACKEND_SETTINGS);
}

/** Parses an option that may be absent: `undefined` stays `undefined`. */
export function optional<T>(value: string | undefined, parse: (v: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}
