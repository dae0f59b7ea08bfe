/** The `seq2seq` command line run as its own process, as a user runs it (see cliHarness.ts for in-process). */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { scaled } from '../../timeScale';

/** The compiled CLI entry point. */
export const CLI_BIN = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'bin.js');

export interface CliProcessOptions {
  readonly input?: string | undefined;
  /** What a quiet machine needs (default 2 minutes), scaled by the test time factor. */
  readonly timeoutMs?: number;
  /** Append `--backend wasm` (default): the same backend on every machine. */
  readonly wasm?: boolean;
}

/** Runs `seq2seq <args>` to completion: its exit code (-1 when killed) and output. */
export function cliProcess(
  args: readonly string[],
  o: CliProcessOptions = {},
): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args, ...(o.wasm === false ? [] : ['--backend', 'wasm'])], {
    encoding: 'utf8',
    ...(o.input !== undefined ? { input: o.input } : {}),
    timeout: scaled(o.timeoutMs ?? 120_000),
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
