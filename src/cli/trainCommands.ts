/** CLI commands over models (train, eval, translate). Filled in by the training work. */
import type { Command } from 'commander';

export function registerTrainCommands(_program: Command): void {}
