/**
 * Turns the trainer's events (src/training/events.ts, relayed by the worker) into the
 * dashboard's events. Pure mapping, no `vscode`: the dashboard and the status bar are two
 * listeners of the same trainer stream.
 */
import type { TrainerEvent } from '../training/events';
import type { DashboardEvent, EndReason } from '../webviews/dashboard/protocol';

const END: Readonly<Record<string, EndReason>> = {
  completed: 'completed',
  'early-stopped': 'earlyStopped',
  cancelled: 'stopped',
  'time-budget': 'timeBudget',
};

/** The dashboard events for one trainer event (none for events the dashboard does not show). */
export function toDashboardEvents(event: TrainerEvent, now: number = Date.now()): DashboardEvent[] {
  switch (event.type) {
    case 'step':
      return [
        {
          type: 'step',
          epoch: event.epoch,
          elapsedMs: event.elapsedMs,
          etaMs: event.etaMs,
          point: {
            step: event.step,
            wallTime: now,
            values: {
              loss: event.loss,
              perplexity: event.perplexity,
              tokenAccuracy: event.tokenAccuracy,
              learningRate: event.learningRate,
              gradNorm: event.gradNorm,
              tokensPerSecond: event.tokensPerSecond,
            },
          },
        },
      ];
    case 'evaluation':
      return [
        ...(event.reference
          ? [
              {
                type: 'reference' as const,
                reference: { label: 'base model', values: { bleu: event.bleu, smoothedBleu: event.sentenceBleu } },
              },
            ]
          : []),
        {
          type: 'eval',
          point: {
            step: event.step,
            wallTime: now,
            values: {
              validLoss: event.loss,
              validPerplexity: event.perplexity,
              bleu: event.bleu,
              smoothedBleu: event.sentenceBleu,
              exactMatch: event.exactMatch,
            },
            samples: event.samples.map((s, i) => ({ id: String(i), ...s })),
          },
        },
      ];
    case 'checkpoint':
      return [{ type: 'checkpoint', step: event.step, path: event.dir }];
    case 'paused':
      return [{ type: 'status', status: 'paused' }];
    case 'resumed':
      return [{ type: 'status', status: 'running' }];
    case 'finished':
      return [
        {
          type: 'finished',
          reason: END[event.reason] ?? 'completed',
          step: event.step,
          ...(event.bestDir ? { checkpointPath: event.bestDir } : {}),
        },
      ];
    case 'error':
      return [{ type: 'error', message: event.message }];
    default:
      return [];
  }
}

/** A short status bar text for a step. */
export function stepSummary(step: number, progress: number | null, loss: number): string {
  const pct = progress === null ? '' : ` ${Math.round(progress * 100)}%`;
  return `step ${step}${pct} · loss ${loss.toFixed(3)}`;
}
