/**
 * The default model's recipe (`recipe.json`): a training config with the run's time cap and the
 * choices train:default makes after training. Read by train:default and by bench:quality (which
 * splits the corpus with the recipe's fractions).
 */
import * as path from 'path';

import type { TrainConfigFile } from '../../src/training/job';
import { TRAIN_CONFIG_FIELDS } from '../../src/training/trainConfigFile';
import { array, either, nullable, number, object, optional, readJsonFile, type Check } from '../../src/data/schema';
import type { LengthRewardOption } from '../../src/training/modelSelection';
import { REPO_ROOT } from '../paths';

export const RECIPE_FILE = path.join(REPO_ROOT, 'scripts', 'default-model', 'recipe.json');

export interface Recipe extends TrainConfigFile {
  /** Wall-clock cap for training, in minutes; the run stops (and keeps its best checkpoint) when it is reached. */
  readonly maxMinutes: number;
  /**
   * Validation pairs that decide between the best/ and last/ checkpoints, shared equally by the
   * languages (the first of each). Default 600.
   */
  readonly selectionPairs?: number;
  /**
   * Length rewards (beam search's bonus per output token, optionally only up to `limit` tokens)
   * tried on the selection pairs with the kept checkpoint. Default [0] (no tuning).
   */
  readonly lengthRewards?: readonly (number | LengthRewardOption)[];
  /**
   * Code overlaps (Dice of code subtokens) from which the model reuses the most similar
   * training function's summary; null: never. Tried with every length reward. Default [null].
   */
  readonly reuseSimilarities?: readonly (number | null)[];
}

const recipe: Check<Recipe> = object({
  ...TRAIN_CONFIG_FIELDS,
  maxMinutes: number,
  selectionPairs: optional(number),
  lengthRewards: optional(
    array(either('a number or { "reward", "limit" }', number, object({ reward: number, limit: optional(number) }))),
  ),
  reuseSimilarities: optional(array(nullable(number))),
});

/** Reads and checks a recipe; a message names the file and the bad field. */
export const readRecipe = (file = RECIPE_FILE): Recipe => readJsonFile(file, recipe);
