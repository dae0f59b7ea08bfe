/**
 * Runs the integration suite in desktop VS Code through @vscode/test-electron, which downloads
 * VS Code first. That needs internet access to the VS Code update service: on machines without
 * it (ours and CI's) use the end-to-end suite in code-server instead (npm run test:e2e).
 */
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const extensionDevelopmentPath = path.resolve(__dirname, '../../..');
  const extensionTestsPath = path.resolve(__dirname, './suite/index');
  const workspace = path.resolve(extensionDevelopmentPath, 'test/fixtures/workspace');
  await runTests({
    extensionDevelopmentPath,
    extensionTestsPath,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e: unknown) => {
  console.error(`Integration tests could not run: ${e instanceof Error ? e.message : String(e)}`);
  console.error('They need to download VS Code; offline, run `npm run test:e2e` (code-server) instead.');
  process.exit(1);
});
