/**
 * One training run with a wall-clock cap, as the recipes run them: metrics appended to
 * `<runDir>/metrics.jsonl`, progress and evaluations logged, Ctrl-C and the cap both end in the
 * trainer's cancel (which saves `last/`, so `--resume` continues where the run stopped).
 */
import * as fs from 'fs';
import * as path from 'path';

import type { TrainerEvent } from './events';
import type { Trainer } from './trainer';

/** A metrics-file and log listener for a run folder; `close` when the run is over. */
export function runListener(
  runDir: string,
  log: (line: string) => void,
  progressLine: (e: Extract<TrainerEvent, { type: 'step' }>) => string,
  every = 25,
): { listener: (e: TrainerEvent) => void; close: () => void } {
  fs.mkdirSync(runDir, { recursive: true });
  const metrics = fs.openSync(path.join(runDir, 'metrics.jsonl'), 'a');
  const listener = (e: TrainerEvent): void => {
    fs.writeSync(metrics, `${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    if (e.type === 'step' && e.step % every === 0) log(progressLine(e));
    else if (e.type === 'evaluation')
      log(
        `eval @${e.step}: loss ${e.loss.toFixed(3)} BLEU ${e.bleu.toFixed(2)} sentence-BLEU ${e.sentenceBleu.toFixed(2)}` +
          ` EM ${e.exactMatch.toFixed(1)}%${e.improved ? ' (best)' : ''}\n  ref:  ${e.samples[0]?.reference ?? ''}\n  pred: ${e.samples[0]?.prediction ?? ''}`,
      );
  };
  return { listener, close: () => fs.closeSync(metrics) };
}

/** Runs `trainer` until it finishes or `minutes` pass (then cancels it); frees it afterwards. */
export async function runWithTimeCap(trainer: Trainer, minutes: number, log: (line: string) => void): Promise<void> {
  const timer = setTimeout(() => {
    log(`time cap of ${minutes} min reached: stopping`);
    trainer.cancel();
  }, minutes * 60_000);
  const onSigint = (): void => trainer.cancel();
  process.once('SIGINT', onSigint);
  try {
    await trainer.run();
  } finally {
    clearTimeout(timer);
    process.removeListener('SIGINT', onSigint);
    trainer.dispose();
    trainer.model.dispose();
  }
}
