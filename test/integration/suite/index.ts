/** Mocha entry loaded by VS Code's extension host (extensionTestsPath). */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { scaled } from '../../timeScale';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: scaled(120_000) });
  for (const file of fs.readdirSync(__dirname)) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration tests failed`)) : resolve()));
  });
}
