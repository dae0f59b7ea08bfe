/** CLI commands over corpora (mine, corpus-stats). Filled in by the data work. */
import type { Command } from 'commander';

export function registerDataCommands(_program: Command): void {}
