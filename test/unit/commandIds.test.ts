/**
 * The command table (src/host/commandIds.ts) and package.json agree: every id in the table is
 * contributed, every contributed command is in the table, and menus name only those.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { COMMAND_NAMES, COMMANDS } from '../../src/host/commandIds';

interface Manifest {
  contributes: { commands: { command: string }[]; menus?: Record<string, { command?: string }[]> };
}

describe('command ids', () => {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
  ) as Manifest;
  const table = Object.values(COMMANDS);

  it('the table and package.json contribute the same commands', () => {
    assert.deepStrictEqual(manifest.contributes.commands.map((c) => c.command).sort(), [...table].sort());
    assert.strictEqual(new Set(table).size, COMMAND_NAMES.length);
  });

  it('builds each id from its name', () => {
    for (const name of COMMAND_NAMES) assert.strictEqual(COMMANDS[name], `seq2seq.${name}`);
  });

  it('menus name only commands of the table', () => {
    const inMenus = Object.values(manifest.contributes.menus ?? {})
      .flat()
      .flatMap((m) => (m.command ? [m.command] : []));
    for (const id of inMenus) assert.ok((table as string[]).includes(id), `${id} is in a menu but not in the table`);
  });
});
