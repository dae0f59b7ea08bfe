/**
 * Hyperparameter search: a seeded random search over learning rate (log-uniform), dropout,
 * hidden size and attention type, each trial a short training run (a step limit) on the same
 * corpus, until a time budget is spent. Trials are returned best first by the validation score.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { AttentionType } from '../core/config';
import type { FinishedEvent } from './events';
import { prepareTrainJob, type TrainConfigFile } from './job';

export interface TuneOptions {
  readonly corpus: string;
  readonly outDir: string;
  readonly base: TrainConfigFile;
  readonly budgetMs: number;
  readonly stepsPerTrial: number;
  readonly maxTrials?: number;
  readonly seed?: number;
  readonly onTrial?: (trial: Trial) => void;
}

export interface Trial {
  readonly index: number;
  readonly learningRate: number;
  readonly dropout: number;
  readonly hiddenDim: number;
  readonly attention: AttentionType;
  /** Best validation value of the stop metric (sentence BLEU by default). */
  readonly score: number | null;
  readonly seconds: number;
}

export async function randomSearch(options: TuneOptions): Promise<Trial[]> {
  let s = (options.seed ?? 1) >>> 0;
  const rnd = (): number => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const started = Date.now();
  const trials: Trial[] = [];
  while (Date.now() - started < options.budgetMs && trials.length < (options.maxTrials ?? Infinity)) {
    const t0 = Date.now();
    const learningRate = Math.pow(10, -3.5 + rnd() * 2);
    const dropout = pick([0, 0.1, 0.2, 0.3]);
    const hiddenDim = pick([32, 64, 128, 256]);
    const attention = pick<AttentionType>(['bahdanau', 'luong-general']);
    const base = options.base;
    const config: TrainConfigFile = {
      ...base,
      model: { ...base.model, dropout, hiddenDim, attention },
      training: {
        ...base.training,
        optimizer: { name: 'adam', ...base.training?.optimizer, learningRate },
        maxSteps: options.stepsPerTrial,
      },
    };
    const outDir = path.join(options.outDir, `trial-${trials.length + 1}`);
    const { trainer } = await prepareTrainJob({ corpus: options.corpus, outDir, config }, () => undefined);
    let finished: FinishedEvent;
    try {
      finished = await trainer.run();
    } finally {
      trainer.dispose();
      trainer.model.dispose();
    }
    const trial: Trial = {
      index: trials.length + 1,
      learningRate,
      dropout,
      hiddenDim,
      attention,
      score: finished.bestMetric,
      seconds: (Date.now() - t0) / 1000,
    };
    trials.push(trial);
    options.onTrial?.(trial);
  }
  const lowerIsBetter = (options.base.training?.stopMetric ?? 'sentenceBleu') === 'loss';
  const sorted = trials.slice().sort((a, b) => {
    const x = a.score ?? (lowerIsBetter ? Infinity : -Infinity);
    const y = b.score ?? (lowerIsBetter ? Infinity : -Infinity);
    return lowerIsBetter ? x - y : y - x;
  });
  fs.mkdirSync(options.outDir, { recursive: true });
  fs.writeFileSync(path.join(options.outDir, 'trials.json'), JSON.stringify(sorted, null, 2));
  return sorted;
}

/** The trials as an aligned text table. */
export function trialTable(trials: readonly Trial[]): string {
  const rows = trials.map((t) => [
    String(t.index),
    t.learningRate.toExponential(2),
    String(t.dropout),
    String(t.hiddenDim),
    t.attention,
    t.score === null ? '-' : t.score.toFixed(3),
    t.seconds.toFixed(1),
  ]);
  const head = ['trial', 'lr', 'dropout', 'hidden', 'attention', 'score', 'seconds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}
