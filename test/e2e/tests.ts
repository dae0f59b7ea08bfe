/**
 * The end-to-end test cases, in order; each gets the shared workbench. A test throws to fail.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeServer } from './codeServer';
import { REPO_ROOT } from './codeServer';
import type { Workbench } from './workbench';

export interface E2eContext {
  wb: Workbench;
  server: CodeServer;
  workspace: string;
  screenshots: string[];
}

export interface E2eTest {
  name: string;
  run(ctx: E2eContext): Promise<void>;
}

interface ContributedCommand {
  command: string;
  title: string;
  category: string;
}

interface Manifest {
  contributes: {
    commands: ContributedCommand[];
    menus: { commandPalette: { command: string; when: string }[] };
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

/** Commands hidden from the palette until their context holds (e.g. Stop Training). */
const HIDDEN_UNTIL_CONTEXT = new Set(
  manifest.contributes.menus.commandPalette.filter((m) => /^seq2seq\.\w+$/.test(m.when)).map((m) => m.command),
);

export const e2eTests: E2eTest[] = [
  {
    name: 'every contributed command is listed in the palette',
    async run({ wb, screenshots }) {
      await wb.openFile('geometry.py');
      const rows = await wb.paletteRows('Seq2Seq');
      assert.ok(rows.length > 3, `expected Seq2Seq commands in the palette, saw ${rows.length}`);
      screenshots.push(await wb.screenshot('palette-seq2seq-commands'));
      for (const cmd of manifest.contributes.commands) {
        const label = `${cmd.category}: ${cmd.title}`;
        const found = (await wb.paletteRows(label)).some((r) => r.includes(label));
        if (HIDDEN_UNTIL_CONTEXT.has(cmd.command)) {
          assert.ok(!found, `${label} should be hidden until its context holds`);
        } else {
          assert.ok(found, `${label} is not in the command palette`);
        }
      }
      await wb.closePalette();
    },
  },
  {
    name: 'the extension activates and Show Engine Status reports the backend',
    async run({ wb, screenshots }) {
      await wb.runCommand('Seq2Seq: Show Engine Status');
      const text = await wb.notification(/Seq2Seq engine:/);
      screenshots.push(await wb.screenshot('engine-status'));
      assert.match(text, /Using (WebAssembly|TensorFlow|JavaScript CPU)/);
      const activation = /activated in ([\d.]+) ms/.exec(text);
      assert.ok(activation, `no activation time in "${text}"`);
      console.log(`    backend message: ${text}`);
      console.log(`    activate() took ${activation[1]} ms in the extension host`);
    },
  },
  {
    name: 'a command whose feature is not built yet says so honestly',
    async run({ wb }) {
      await wb.runCommand('Seq2Seq: Evaluate Model');
      const text = await wb.notification(/not available yet/);
      assert.match(text, /Evaluate Model/);
    },
  },
];
