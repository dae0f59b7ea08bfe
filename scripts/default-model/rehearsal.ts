/**
 * Writes the default model's rehearsal sample (`media/models/default/rehearsal.jsonl`): a seeded,
 * language-proportional sample of the very training split the model learned from (mined again
 * from the pinned sources and split with the model's seed), which fine-tuning mixes into every
 * batch so the model keeps what it knew (src/training/rehearsal.ts). Refuses when the sources
 * split differently from the model's training run.
 *
 *   node out/scripts/default-model/rehearsal.js [--pairs 1000]
 */
import * as path from 'path';

import { writeCorpus, type CorpusRecord } from '../../src/data/dataset';
import { splitByFile } from '../../src/data/dedupSplit';
import { seededRandom, shuffleInPlace } from '../../src/data/random';
import { REHEARSAL_FILE, readConfigFile } from '../../src/data/modelFolder';
import { readRecipe } from './recipe';
import { defaultSources, mineSources } from './sources';
import { REPO_ROOT as ROOT, MEDIA_MODEL_DIR } from '../paths';

/** Longer code is cut: the model reads at most 64 source tokens. */
const MAX_CODE_CHARS = 1200;

async function main(): Promise<void> {
  const i = process.argv.indexOf('--pairs');
  const wanted = i > 0 ? Number(process.argv[i + 1]) : 1000;
  const recipe = readRecipe();
  const seed = recipe.seed ?? 1; // as train:v1 splits
  const trainPairs = readConfigFile(MEDIA_MODEL_DIR).meta.training?.trainPairs;
  const mined = await mineSources(defaultSources(ROOT));
  const splits = splitByFile(mined.pairs, {
    seed,
    validFraction: recipe.validFraction ?? 0.1,
    testFraction: recipe.testFraction ?? 0.1,
  });
  if (splits.train.length !== trainPairs)
    throw new Error(
      `the sources give ${splits.train.length} training pairs but the model trained on ${trainPairs}; ` +
        'install the pinned packages (npm ci) and the same python3 before writing the sample.',
    );
  const random = seededRandom(seed);
  const sample: CorpusRecord[] = shuffleInPlace(splits.train.slice(), random)
    .slice(0, wanted)
    .map((r) => ({ ...r, code: r.code.slice(0, MAX_CODE_CHARS) }));
  const n = writeCorpus(path.join(MEDIA_MODEL_DIR, REHEARSAL_FILE), sample);
  process.stderr.write(`wrote ${n} of ${splits.train.length} training pairs to ${REHEARSAL_FILE}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`rehearsal sample failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
