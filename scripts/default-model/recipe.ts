/**
 * The default model's recipe (`recipe.json`): a training config with the run's time cap and the
 * choices train:v1 makes after training. Read by train:v1 and by bench:quality (which
 * splits the corpus with the recipe's fractions).
 */
import * as path from 'path';

import { TRAIN_CONFIG_FIELDS, type TrainConfigFile } from '../../src/training/trainConfigFile';
import { number, object, optional, readJsonFile, type Check } from '../../src/data/schema';
import { DECODING_GRID_FIELDS, type DecodingGrid } from '../../src/training/modelSelection';
import { REPO_ROOT } from '../paths';

export const RECIPE_FILE = path.join(REPO_ROOT, 'scripts', 'default-model', 'recipe.json');

/** `lengthRewards` default [0] (no tuning), `reuseSimilarities` default [null]. */
export interface Recipe extends TrainConfigFile, DecodingGrid {
  /** Wall-clock cap for training, in minutes; the run stops (and keeps its best checkpoint) when it is reached. */
  readonly maxMinutes: number;
  /**
   * Validation pairs that decide between the best/ and last/ checkpoints, shared equally by the
   * languages (the first of each). Default 600.
   */
  readonly selectionPairs?: number;
}

const recipe: Check<Recipe> = object({
  ...TRAIN_CONFIG_FIELDS,
  maxMinutes: number,
  selectionPairs: optional(number),
  ...DECODING_GRID_FIELDS,
});

/** Reads and checks a recipe; a message names the file and the bad field. */
export const readRecipe = (file = RECIPE_FILE): Recipe => readJsonFile(file, recipe);
