/**
 * The fine-tuning guard's result as the dashboard shows it (host side): the guard's scores for
 * both models on the held-out functions it used, which model is kept, and its sentence. Pure.
 */
import type { GuardResult, HeldOutScore } from '../../training/guard';
import type { FineTuneVerdict, HeldOutScores } from './protocol';

function scores(s: HeldOutScore): HeldOutScores {
  return { chrf: s.chrf, sentenceBleu: s.sentenceBleu };
}

/** Shown from the end of training until the guard decides. */
export function checkingVerdict(baseName: string): FineTuneVerdict {
  return { state: 'checking', baseName };
}

export function guardVerdict(guard: GuardResult): FineTuneVerdict {
  return {
    state: 'decided',
    baseName: guard.baseName,
    kept: guard.better ? 'fineTuned' : 'base',
    heldOutFunctions: guard.tuned.pairs,
    base: scores(guard.base),
    fineTuned: scores(guard.tuned),
    message: guard.message,
  };
}
