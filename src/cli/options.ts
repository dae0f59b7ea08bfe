/**
 * The CLI's option values, parsed and checked once. Commander hands every `<n>` option over as a
 * string; a bare `Number()` turns a typo into NaN, which then compares false against every limit
 * and silently removes it. Each parser here names the flag, says what it wants and quotes what it
 * got, so `seq2seq` can print the message as it is and exit.
 */
import type { Command } from 'commander';

import { BACKEND_SETTINGS, type BackendSetting } from '../core/backendSetting';
import { MAX_CONFIG_VALUES } from '../core/config';
import { DECODING_DEFAULTS, DECODING_LIMITS, noRepeatDefault, type Decoding } from '../core/decoding';

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

/** A finite number of at least 0 (a length penalty or reward). */
export function nonNegativeNumberOption(flag: string, value: string, max?: number): number {
  const n = toNumber(value);
  if (!(Number.isFinite(n) && n >= 0 && (max === undefined || n <= max)))
    throw new OptionError(
      flag,
      `${flag} must be a number ${max === undefined ? 'of at least 0' : `from 0 to ${max}`}, got "${value}"`,
    );
  return n;
}

/** The decoding flags of `translate`, `document` and `eval`, as commander hands them over. */
export interface DecodingFlags {
  readonly lengthPenalty?: string;
  readonly lengthReward?: string;
  /**
   * `--no-repeat-ngram <n>`: commander reads a `--no-` flag as the negation of `repeatNgram`, so
   * the value arrives here, and `true` when the flag is absent.
   */
  readonly repeatNgram?: string | boolean;
  readonly maxLength?: string;
}

/** Registers the four decoding flags on a command; their help names the defaults. */
export function addDecodingFlags(command: Command): Command {
  return command
    .option(
      '--length-penalty <alpha>',
      `GNMT length penalty alpha (0: rank by total log-probability); default ${DECODING_DEFAULTS.lengthPenalty}`,
    )
    .option(
      '--length-reward <r>',
      "score bonus per output token (longer outputs); default: the model's tuned value, else 0",
    )
    .option(
      '--no-repeat-ngram <n>',
      `forbid repeating any n-gram of n tokens (0: off); default ${noRepeatDefault('code2doc')} for code2doc, ${noRepeatDefault('doc2code')} for doc2code`,
    )
    .option(
      '--max-length <n>',
      `most output tokens (the model's maxTgtLen caps it); default ${DECODING_DEFAULTS.maxLength}`,
    );
}

/**
 * Parses the decoding flags; a bad value names its flag. A field the user did not give is absent,
 * so the command's default (DECODING_DEFAULTS, the model's tuned reward) holds.
 */
export function decodingChoice(
  flags: DecodingFlags,
): Partial<Pick<Decoding, 'maxLength' | 'lengthPenalty' | 'lengthReward' | 'noRepeatNgramSize'>> {
  // Bounded: a reward of 1e308 made every score Infinity (a model folder's tuned limit).
  const penalty = optional(flags.lengthPenalty, (v) =>
    nonNegativeNumberOption('--length-penalty', v, DECODING_LIMITS.maxCliLengthPenalty),
  );
  const reward = optional(flags.lengthReward, (v) =>
    nonNegativeNumberOption('--length-reward', v, DECODING_LIMITS.tuned.lengthReward.max),
  );
  const ngramText = typeof flags.repeatNgram === 'string' ? flags.repeatNgram : undefined;
  const ngram = optional(ngramText, (v) =>
    wholeNumberOption('--no-repeat-ngram', v, 0, DECODING_LIMITS.maxNoRepeatNgramSize),
  );
  // No model has more output positions than the largest maxTgtLen a config may give.
  const maxLength = optional(flags.maxLength, (v) =>
    wholeNumberOption('--max-length', v, 1, MAX_CONFIG_VALUES.maxTgtLen),
  );
  return {
    ...(penalty !== undefined ? { lengthPenalty: penalty } : {}),
    ...(reward !== undefined ? { lengthReward: reward } : {}),
    ...(ngram !== undefined ? { noRepeatNgramSize: ngram } : {}),
    ...(maxLength !== undefined ? { maxLength } : {}),
  };
}

/** `--beam`: a whole number from 1 to DECODING_LIMITS.maxBeamSize (a wider beam only costs memory). */
export function beamOption(value: string): number {
  return wholeNumberOption('--beam', value, 1, DECODING_LIMITS.maxBeamSize);
}

/** `--nbest`: a whole number from 1 to the beam size (the beam holds no more candidates). */
export function nBestOption(value: string, beamSize: number): number {
  const n = toNumber(value);
  if (Number.isInteger(n) && n > beamSize && n <= DECODING_LIMITS.maxBeamSize)
    throw new OptionError(
      '--nbest',
      `--nbest ${n} is more than the beam (--beam ${beamSize}) holds; raise --beam or lower --nbest`,
    );
  return wholeNumberOption('--nbest', value, 1, Math.min(beamSize, DECODING_LIMITS.maxBeamSize));
}

/**
 * Training threads (`--threads`, or the config's `training.threads`) capped at the machine's
 * cores: each thread holds a model replica, so more threads than cores only cost memory.
 * `force` (`--force-threads`) keeps the count; `notice` is told when the count is capped.
 */
export function capThreads(
  threads: number | undefined,
  options: { readonly cores: number; readonly force?: boolean; readonly notice?: (message: string) => void },
): number | undefined {
  if (threads === undefined || options.force || threads <= options.cores) return threads;
  options.notice?.(
    `threads: ${threads} capped to ${options.cores}, the cores of this machine (each thread holds a model replica); pass --force-threads to use ${threads}.`,
  );
  return options.cores;
}
