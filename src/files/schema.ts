/**
 * Checking what crosses a boundary (a JSON file a user can edit, a worker's start data) before it
 * is used, with typed results instead of casts. A schema is built from small checkers
 * (`object({ seed: optional(number) })`); each returns the value typed or throws a
 * {@link SchemaError} that names the path of the bad field, what was expected and what was found.
 * {@link readJsonFile} and {@link validate} put the file (or other source) in front of that
 * message. Objects reject unknown keys, so a misspelt field is an error rather than a silent
 * default. Dependency-free, so every layer can use it.
 */
import { readGuardedTextSync } from './guardedRead';

/** The most bytes {@link readJsonFile} reads: config files are a few KiB. */
export const MAX_JSON_FILE_BYTES = 64 * 1024 * 1024;

/** Returns `value` typed, or throws a {@link SchemaError}; `at` is the value's path, '' for the root. */
export type Check<T> = (value: unknown, at: string) => T;

/** A field that may be absent (an object's optional key). */
export interface OptionalCheck<T> extends Check<T | undefined> {
  readonly optional: true;
}

export type Fields = Readonly<Record<string, Check<unknown>>>;

type Infer<C> = C extends Check<infer T> ? T : never;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { readonly optional: true } ? K : never }[keyof F];

/** The object type a set of fields describes. */
export type ObjectOf<F extends Fields> = {
  readonly [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]>;
} & { readonly [K in OptionalKeys<F>]?: Exclude<Infer<F[K]>, undefined> };

export class SchemaError extends Error {
  constructor(
    /** The bad value's path, e.g. `training.optimizer.name` or `lengthRewards[2]`; '' for the root. */
    readonly at: string,
    /** What was expected, in words. */
    readonly expected: string,
    found: string,
  ) {
    super(`${at || 'the value'} must be ${expected}, ${found}`);
    this.name = 'SchemaError';
  }
}

/** The found value, shortly, for a message. */
function shown(value: unknown): string {
  if (value === undefined) return 'but it is missing';
  if (Array.isArray(value)) return 'got an array';
  if (typeof value === 'object' && value !== null) return 'got an object';
  const text = JSON.stringify(value) ?? String(value);
  return `got ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

const fail = (at: string, expected: string, value: unknown): never => {
  throw new SchemaError(at, expected, shown(value));
};

const join = (at: string, key: string): string => (at ? `${at}.${key}` : key);

/** A finite number. */
export const number: Check<number> = (v, at) =>
  typeof v === 'number' && Number.isFinite(v) ? v : fail(at, 'a number', v);

export const string: Check<string> = (v, at) => (typeof v === 'string' ? v : fail(at, 'a string', v));

export const boolean: Check<boolean> = (v, at) => (typeof v === 'boolean' ? v : fail(at, 'true or false', v));

/** A whole number from `min` to `max`. */
export function wholeNumberIn(min: number, max: number): Check<number> {
  return (v, at) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? v
      : fail(at, `a whole number from ${min} to ${max}`, v);
}

/** A number strictly between 0 and 1 (a share of something, such as the validation split). */
export const openFraction: Check<number> = (v, at) =>
  typeof v === 'number' && v > 0 && v < 1 ? v : fail(at, 'a number between 0 and 1 (both excluded)', v);

/** One of the given literal values. */
export function oneOf<const T extends readonly (string | number | boolean | null)[]>(...values: T): Check<T[number]> {
  const words = values.map((x) => JSON.stringify(x)).join(', ');
  return (v, at) =>
    values.includes(v as T[number]) ? (v as T[number]) : fail(at, values.length === 1 ? words : `one of ${words}`, v);
}

/** The first of `checks` that accepts the value; `expected` says what any of them wants. */
export function either<A, B>(expected: string, a: Check<A>, b: Check<B>): Check<A | B> {
  return (v, at) => {
    for (const check of [a, b] as const) {
      try {
        return check(v, at);
      } catch (e) {
        if (!(e instanceof SchemaError)) throw e;
      }
    }
    return fail(at, expected, v);
  };
}

/** `check`'s value or null. */
export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v, at) =>
    v === null ? null : check(v, at);

/** A field that may be absent; present, it must pass `check`. */
export function optional<T>(check: Check<T>): OptionalCheck<T> {
  return Object.assign((v: unknown, at: string) => (v === undefined ? undefined : check(v, at)), {
    optional: true as const,
  });
}

export function array<T>(item: Check<T>): Check<T[]> {
  return (v, at) => (Array.isArray(v) ? v.map((x, i) => item(x, `${at}[${i}]`)) : fail(at, 'an array', v));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object with exactly these fields (absent optional ones allowed, unknown keys rejected). */
export function object<F extends Fields>(fields: F): Check<ObjectOf<F>> {
  return (v, at) => {
    if (!isObject(v)) return fail(at, 'an object', v);
    for (const key of Object.keys(v))
      if (!Object.hasOwn(fields, key))
        throw new SchemaError(
          join(at, key),
          `one of the known fields (${Object.keys(fields).join(', ')})`,
          'got an unknown key',
        );
    for (const [key, check] of Object.entries(fields)) check(v[key], join(at, key));
    // The checked values, in the value's own key order (as written in its file).
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      const value = fields[key]!(v[key], join(at, key));
      if (value !== undefined) out[key] = value;
    }
    return out as ObjectOf<F>;
  };
}

/** An object of any keys, each value passing `value`. */
export function record<T>(value: Check<T>): Check<Record<string, T>> {
  return (v, at) =>
    isObject(v)
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x, join(at, k))]))
      : fail(at, 'an object', v);
}

/**
 * Objects told apart by the string in `key`: `variants` maps each accepted value of it to the
 * check of that kind of object (which checks `key` again).
 */
export function tagged<V extends Readonly<Record<string, Check<unknown>>>>(
  key: string,
  variants: V,
): Check<Infer<V[keyof V]>> {
  const kinds = Object.keys(variants);
  return (v, at) => {
    if (!isObject(v)) return fail(at, 'an object', v);
    const kind = v[key];
    const check = typeof kind === 'string' && Object.hasOwn(variants, kind) ? variants[kind] : undefined;
    if (!check) return fail(join(at, key), `one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`, kind);
    return check(v, at) as Infer<V[keyof V]>;
  };
}

/**
 * An object checked only for being one; its fields are the consumer's to check (e.g. a model
 * config, which resolveModelConfig validates field by field).
 */
export function checkedLater<T extends object>(): Check<T> {
  return (v, at) => (isObject(v) ? (v as T) : fail(at, 'an object', v));
}

/** An instance of `type` (values a worker receives by structured clone). */
export function instanceOf<T>(type: abstract new (...args: never[]) => T, name = type.name): Check<T> {
  return (v, at) => (v instanceof type ? v : fail(at, `a ${name}`, v));
}

/** `value` checked, a failure's message led by `source` (a file name, or what the value is). */
export function validate<T>(value: unknown, check: Check<T>, source: string): T {
  try {
    return check(value, '');
  } catch (e) {
    if (e instanceof SchemaError) throw new Error(`${source}: ${e.message}`);
    throw e;
  }
}

/**
 * A JSON file read, parsed and checked. `label` (default: the file's path) leads every failure's
 * message: `cannot read <label>: ...` when the file cannot be read or parsed, `<label>: <field>
 * must be ...` when a value is wrong.
 */
export function readJsonFile<T>(file: string, check: Check<T>, label = file): T {
  let raw: unknown;
  try {
    // A regular file of at most 64 MiB (a device or pipe is refused unread): src/files/guardedRead.ts.
    raw = JSON.parse(readGuardedTextSync(file, { maxBytes: MAX_JSON_FILE_BYTES, name: 'the file' }));
  } catch (e) {
    throw new Error(`cannot read ${label}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return validate(raw, check, label);
}
