/** Executable entry of the `seq2seq` command (bundled to dist/cli.js). */
import { runCli } from './main';

void runCli(process.argv);
