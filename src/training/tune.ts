/**
 * Hyperparameter search by successive halving (Jamieson & Talwalkar 2016; the inner loop of
 * Hyperband): `trials` configurations are drawn from a search space with a seed, each trains a
 * short first rung of `stepsPerTrial` steps, the best 1/eta go on to eta times as many steps
 * (resuming where they stopped), and so on until one is left or the time budget is spent. Weak
 * trials stop early, the budget goes to the strong.
 *
 * The search space maps any numeric or categorical key of a training config, as a dotted path
 * (`model.hiddenDim`, `training.optimizer.learningRate`, `batchSize`), to a list of values or a
 * range (`min`, `max`, `log` for a log scale, `integer`). Every drawn config is checked as a
 * config file is (unknown keys, wrong types, impossible model shapes) before anything trains.
 * The results: `trials.json` (best first), a text table, and `best-config.json`, the winner's
 * whole config, ready for `seq2seq train --config`.
 */
import * as fs from 'fs';
import * as path from 'path';

import { writeFileAtomically } from '../modelFolder/atomicFolder';
import { ConfigurationError, resolveModelConfig } from '../core/config';
import { readJsonFile, SchemaError } from '../files/schema';
import { prepareTrainJob } from './job';
import { DEFAULT_TRAINING } from './trainingDefaults';
import { trainConfigFile, type TrainConfigFile } from './trainConfigFile';

/** One dimension of the search space. */
export type SpaceEntry =
  | { readonly values: readonly (string | number | boolean)[] }
  | { readonly min: number; readonly max: number; readonly log?: boolean; readonly integer?: boolean };

/** Dotted config path -> its values or range. */
export type SearchSpace = Readonly<Record<string, SpaceEntry>>;

/** The search space `tune` uses without `--space`: learning rate, dropout, hidden size, attention. */
export const DEFAULT_SEARCH_SPACE: SearchSpace = {
  'training.optimizer.learningRate': { min: 10 ** -3.5, max: 10 ** -1.5, log: true },
  'model.dropout': { values: [0, 0.1, 0.2, 0.3] },
  'model.hiddenDim': { values: [32, 64, 128, 256] },
  'model.attention': { values: ['bahdanau', 'luong-general'] },
};

export interface TuneOptions {
  readonly corpus: string;
  readonly outDir: string;
  readonly base: TrainConfigFile;
  readonly space?: SearchSpace;
  readonly budgetMs: number;
  /** Steps of the first rung; rung r trains to stepsPerTrial * eta^r steps in all. */
  readonly stepsPerTrial: number;
  /** Configurations drawn. Default 9. */
  readonly trials?: number;
  /** Survivors keep 1/eta of each rung. Default 3. */
  readonly eta?: number;
  readonly seed: number;
  readonly onTrial?: (trial: Trial) => void;
}

export interface Trial {
  readonly index: number;
  /** The drawn value of each search-space key. */
  readonly values: Readonly<Record<string, string | number | boolean>>;
  /** The last rung it trained (0 = the first). */
  readonly rung: number;
  readonly steps: number;
  /** Best validation value of the stop metric so far (sentence BLEU by default). */
  readonly score: number | null;
  readonly seconds: number;
}

export interface TuneResult {
  readonly seed: number;
  /** Best first. */
  readonly trials: readonly Trial[];
  readonly bestConfig: TrainConfigFile | null;
}

/** Reads and checks a search-space file; a message names the file and the bad key. */
export function readSearchSpace(file: string): SearchSpace {
  return readJsonFile(file, checkSpace, `the search space ${file}`);
}

function checkSpace(value: unknown, at: string): SearchSpace {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SchemaError(at, 'an object of "config.path": {values} or {min, max}', 'got something else');
  const space: Record<string, SpaceEntry> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const e = raw as Record<string, unknown>;
    const bad = (expected: string): never => {
      throw new SchemaError(key, expected, `got ${JSON.stringify(raw)}`);
    };
    if (!/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(key)) bad('a dotted config path such as model.hiddenDim');
    if (typeof e !== 'object' || e === null) bad('{values: [...]} or {min, max, log?, integer?}');
    if ('values' in e) {
      const values = e.values;
      if (!Array.isArray(values) || values.length === 0) bad('a non-empty list of values');
      for (const v of values as unknown[])
        if (!['string', 'number', 'boolean'].includes(typeof v)) bad('values that are strings, numbers or booleans');
      if (Object.keys(e).length !== 1) bad('{values} alone');
      space[key] = { values: values as (string | number | boolean)[] };
      continue;
    }
    const { min, max, log, integer, ...rest } = e;
    if (Object.keys(rest).length) bad(`no other field than min, max, log and integer (got ${Object.keys(rest)[0]})`);
    if (typeof min !== 'number' || typeof max !== 'number' || !(min <= max)) bad('a range with numbers min <= max');
    if (log !== undefined && typeof log !== 'boolean') bad('log: true or false');
    if (integer !== undefined && typeof integer !== 'boolean') bad('integer: true or false');
    if (log && !((min as number) > 0)) bad('a log range with min above 0');
    space[key] = {
      min: min as number,
      max: max as number,
      ...(log ? { log: true } : {}),
      ...(integer ? { integer: true } : {}),
    };
  }
  if (Object.keys(space).length === 0) throw new SchemaError(at, 'at least one key to search', 'got none');
  return space;
}

/** A seeded uniform generator in [0, 1) (a linear congruential generator). */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** One draw from each key of the space. */
export function drawValues(space: SearchSpace, rnd: () => number): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, e] of Object.entries(space)) {
    if ('values' in e) out[key] = e.values[Math.floor(rnd() * e.values.length)]!;
    else {
      const u = rnd();
      const x = e.log
        ? Math.exp(Math.log(e.min) + u * (Math.log(e.max) - Math.log(e.min)))
        : e.min + u * (e.max - e.min);
      out[key] = e.integer ? Math.min(Math.floor(e.max), Math.max(Math.ceil(e.min), Math.round(x))) : x;
    }
  }
  return out;
}

/** `base` with each dotted path set to its value; the result is checked as a config file. */
export function configWith(base: TrainConfigFile, values: Readonly<Record<string, unknown>>): TrainConfigFile {
  const config = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  // A space over the optimizer's rate needs an optimizer to set it in: the default one.
  if (Object.keys(values).some((k) => k.startsWith('training.optimizer.')) && !base.training?.optimizer)
    config.training = { ...base.training, optimizer: { ...DEFAULT_TRAINING.optimizer } };
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.');
    let node = config;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (next !== undefined && (typeof next !== 'object' || next === null))
        throw new Error(`search space key ${key}: ${p} is not an object in the base config`);
      node = (node[p] ??= {}) as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  try {
    const checked = trainConfigFile(config, '');
    if (checked.model) resolveModelConfig(checked.model, 100, 100);
    return checked;
  } catch (e) {
    if (e instanceof SchemaError || e instanceof ConfigurationError)
      throw new Error(`a trial's config (${JSON.stringify(values)}) is not valid: ${e.message}`);
    throw e;
  }
}

/** Successive halving over configs drawn from the space; see the module comment. */
export async function successiveHalving(options: TuneOptions): Promise<TuneResult> {
  const space = options.space ?? DEFAULT_SEARCH_SPACE;
  const eta = Math.max(2, options.eta ?? 3);
  const rnd = generator(options.seed);
  const count = Math.max(1, options.trials ?? 9);
  // Every config is drawn and checked before the first one trains.
  const drawn = Array.from({ length: count }, () => {
    const values = drawValues(space, rnd);
    return { values, config: configWith(options.base, values) };
  });
  const started = Date.now();
  const trials = new Map<number, Trial>();
  const lowerIsBetter = (options.base.training?.stopMetric ?? 'sentenceBleu') === 'loss';
  const worst = lowerIsBetter ? Infinity : -Infinity;
  const better = (a: Trial, b: Trial): number =>
    lowerIsBetter ? (a.score ?? worst) - (b.score ?? worst) : (b.score ?? worst) - (a.score ?? worst);
  let alive = drawn.map((_, i) => i);
  for (let rung = 0; alive.length > 0; rung++) {
    const steps = options.stepsPerTrial * eta ** rung;
    for (const i of alive) {
      if (Date.now() - started >= options.budgetMs) break;
      const t0 = Date.now();
      const { config, values } = drawn[i]!;
      const trialConfig: TrainConfigFile = {
        ...config,
        seed: config.seed ?? options.seed,
        training: { ...config.training, maxSteps: steps, evalEvery: options.stepsPerTrial },
      };
      const { trainer } = await prepareTrainJob(
        {
          corpus: options.corpus,
          outDir: path.join(options.outDir, `trial-${i + 1}`),
          config: trialConfig,
          resume: rung > 0,
        },
        () => undefined,
      );
      let score: number | null;
      try {
        score = (await trainer.run()).bestMetric;
      } finally {
        trainer.dispose();
        trainer.model.dispose();
      }
      const trial: Trial = {
        index: i + 1,
        values,
        rung,
        steps,
        score,
        seconds: (trials.get(i)?.seconds ?? 0) + (Date.now() - t0) / 1000,
      };
      trials.set(i, trial);
      options.onTrial?.(trial);
    }
    const ran = alive.filter((i) => trials.get(i)?.rung === rung);
    if (ran.length <= 1 || ran.length < alive.length) break;
    alive = ran
      .map((i) => trials.get(i)!)
      .sort(better)
      .slice(0, Math.max(1, Math.floor(ran.length / eta)))
      .map((t) => t.index - 1);
  }
  // Best first: the further a trial got, the more it is worth; then by score.
  const sorted = [...trials.values()].sort((a, b) => b.rung - a.rung || better(a, b));
  const best = sorted[0];
  const bestConfig = best ? configWith(options.base, best.values) : null;
  fs.mkdirSync(options.outDir, { recursive: true });
  await writeFileAtomically(
    path.join(options.outDir, 'trials.json'),
    JSON.stringify({ seed: options.seed, eta, space, trials: sorted }, null, 2),
  );
  if (bestConfig)
    await writeFileAtomically(
      path.join(options.outDir, 'best-config.json'),
      `${JSON.stringify(bestConfig, null, 2)}\n`,
    );
  return { seed: options.seed, trials: sorted, bestConfig };
}

/** The trials as an aligned text table, one column per search-space key. */
export function trialTable(trials: readonly Trial[]): string {
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.values)))];
  const shown = (v: string | number | boolean | undefined): string =>
    typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v ?? '-');
  const rows = trials.map((t) => [
    String(t.index),
    ...keys.map((k) => shown(t.values[k])),
    String(t.rung),
    String(t.steps),
    t.score === null ? '-' : t.score.toFixed(3),
    t.seconds.toFixed(1),
  ]);
  const head = ['trial', ...keys.map((k) => k.split('.').pop()!), 'rung', 'steps', 'score', 'seconds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}
