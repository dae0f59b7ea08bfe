/**
 * `seq2seq`: the engine without VS Code. Each file of src/cli/ registers its own commands here:
 * backend (below), mine and corpus-stats (dataCommands), train, tune, eval and translate
 * (trainCommands), document (documentCommand), search (searchCommand), convert to and from the
 * native engine's interchange file (nativeCommands) and prune (pruneCommand). Failures end with a
 * one-line message and exit code 1.
 */
import { Command } from 'commander';
import { registerDataCommands } from './dataCommands';
import { registerDocumentCommand } from './documentCommand';
import { registerConvert } from './nativeCommands';
import { registerPruneCommand } from './pruneCommand';
import { registerSearchCommand } from './searchCommand';
import { registerTrainCommands } from './trainCommands';
import { selectBackend } from '../core/backend';
import { backendOption } from './options';
import { terminalLines } from './terminalText';
import pkg from '../../package.json';

export function buildProgram(): Command {
  const program = new Command('seq2seq')
    .description('Seq2Seq Studio: code <-> comment models on TensorFlow.js, headless')
    .version(pkg.version);
  program
    .command('backend')
    .description('start the best available TensorFlow.js backend and say which one runs and why')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action(async (opts: { backend: string }) => {
      const choice = await selectBackend({ setting: backendOption(opts.backend) });
      process.stdout.write(`${choice.reason}\n`);
    });
  registerDataCommands(program);
  registerTrainCommands(program);
  registerDocumentCommand(program);
  registerSearchCommand(program);
  registerConvert(program);
  registerPruneCommand(program);
  return program;
}

/** Runs the CLI; the exit code is set on failure with a one-line message instead of a stack. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv as string[]);
  } catch (e) {
    // Messages may quote file names: their control characters are shown, not sent to the terminal.
    process.stderr.write(`seq2seq: ${terminalLines(e instanceof Error ? e.message : String(e))}\n`);
    process.exitCode = 1;
  }
}
