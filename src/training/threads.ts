/**
 * How many threads data-parallel training uses: checking an explicit count, and the default of the
 * extension's `seq2seq.training.threads` setting. No TensorFlow.js here, so the extension host can
 * import it without loading the engine.
 */

/** The `threads` option checked: an integer of at least 1 (absent: 1). */
export function checkThreads(threads: number | undefined): number {
  const n = threads ?? 1;
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(
      `threads (--threads, seq2seq.training.threads) must be a whole number of at least 1, got ${threads}`,
    );
  return n;
}

/**
 * The thread count for a `seq2seq.training.threads` setting: the setting itself when above 0, at
 * most the machine's cores (each thread holds a model replica; more only cost memory), else the
 * cores minus one (at least 1), so that the editor keeps a core. Not a number: as 0.
 */
export function resolveThreads(setting: number, cores: number): number {
  const n = typeof setting === 'number' && Number.isFinite(setting) ? setting : 0;
  return n >= 1 ? Math.min(Math.floor(n), Math.max(1, cores)) : Math.max(1, cores - 1);
}
