/** Runs CLI commands in-process for tests, returning what they wrote to stdout. */
import { Command } from 'commander';

export async function runCli(register: (program: Command) => void, args: readonly string[]): Promise<string> {
  const program = new Command('seq2seq').exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'seq2seq', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}
