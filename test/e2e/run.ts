/**
 * End-to-end suite in real VS Code: installs the packaged .vsix into code-server, opens the
 * fixture workspace in headless Chromium and drives the product as a user would. Prints
 * screenshot paths and a closing "N passed, N failed" line; exits non-zero on any failure.
 * Every process it starts is stopped, also when a test fails or the run is interrupted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CodeServer, REPO_ROOT } from './codeServer';
import { Workbench } from './workbench';
import { e2eTests, type E2eContext } from './tests';
import { learningE2eTests } from './learningTests';
import { writeTinyModel } from './tinyModel';
import { describeTimeFactor, scaled } from '../timeScale';

const VSIX = path.join(REPO_ROOT, 'seq2seq-studio.vsix');
const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'e2e');

/**
 * Runs test/integration's mocha suite inside code-server's extension host, with the repository
 * as the development extension: the same suite @vscode/test-electron runs on desktop VS Code.
 */
async function runIntegrationSuite(server: CodeServer, workspace: string): Promise<void> {
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remote(REPO_ROOT)],
    ['extensionTestsPath', remote(path.join(REPO_ROOT, 'out', 'test', 'integration', 'suite', 'index'))],
  ];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const wb = await Workbench.open(server.url(workspace, payload), SCREENSHOTS, { onExit: (code) => resolveExit(code) });
  try {
    const limit = scaled(180_000);
    const timeout = new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`the integration suite did not finish in ${limit / 1000} s`)), limit),
    );
    const code = await Promise.race([exited, timeout]);
    const mochaLines = wb.console
      .map((l) => l.replace(/^%c \w+ color: #\w+\s*/, ''))
      .filter((l) => /passing|failing|pending|✔|✓|^\s*\d+\) /.test(l));
    console.log(mochaLines.map((l) => `    | ${l}`).join('\n'));
    if (code !== 0) throw new Error(`the suite exited with ${code}`);
  } finally {
    await wb.close();
  }
}

async function main(): Promise<number> {
  if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run \`npm run package\` first.`);
  const only = process.argv[2];
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'seq2seq-ws-'));
  fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  // Documented functions in every language, so that fine-tuning has a corpus to mine.
  fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'corpus'), path.join(workspace, 'corpus'), { recursive: true });
  const server = new CodeServer({
    vsix: VSIX,
    settings: {
      'seq2seq.model': 'tiny',
      'seq2seq.backend': 'wasm',
      // A run long enough to stop by hand, with frequent small steps and evaluations.
      'seq2seq.training.batchSize': 4,
      'seq2seq.training.maxSteps': 2000,
      'seq2seq.training.epochs': 1000,
      'seq2seq.training.patience': 0,
      'seq2seq.training.evalEvery': 10,
      'seq2seq.training.lrSchedule': 'constant',
    },
  });
  await writeTinyModel(
    path.join(server.userDataDir, 'User', 'globalStorage', 'seq2seq-studio.seq2seq-studio', 'models', 'tiny'),
    workspace,
  );
  let wb: Workbench | undefined;
  const stopAll = (): void => {
    server.cleanup();
    fs.rmSync(workspace, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  process.once('SIGTERM', () => {
    stopAll();
    process.exit(143);
  });

  let passed = 0;
  let failed = 0;
  try {
    const t0 = Date.now();
    console.log(`time limits: ${describeTimeFactor()}`);
    await server.start();
    wb = await Workbench.open(server.url(workspace), SCREENSHOTS);
    console.log(`code-server and workbench ready in ${Date.now() - t0} ms (port ${server.port})`);
    const ctx: E2eContext = { wb, server, workspace, screenshots: [] };
    for (const test of [...e2eTests, ...learningE2eTests]) {
      if (only && !new RegExp(only).test(test.name)) continue;
      const started = Date.now();
      try {
        await test.run(ctx);
        passed++;
        console.log(`  ✔ ${test.name} (${Date.now() - started} ms)`);
      } catch (e) {
        failed++;
        const shot = await wb.screenshot(`FAILED-${test.name.replace(/\W+/g, '-')}`).catch(() => 'none');
        console.log(
          `  ✖ ${test.name}\n    ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n    screenshot: ${shot}`,
        );
        // Leave the UI in a neutral state for the next test.
        await wb.page.keyboard.press('Escape').catch(() => undefined);
      }
    }
    if (!only || new RegExp(only).test('integration')) {
      await wb.close();
      wb = undefined;
      const started = Date.now();
      try {
        await runIntegrationSuite(server, workspace);
        passed++;
        console.log(`  ✔ integration suite in the extension host (${Date.now() - started} ms)`);
      } catch (e) {
        failed++;
        console.log(`  ✖ integration suite in the extension host\n    ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    console.log('\nScreenshots:');
    for (const s of ctx.screenshots) console.log(`  ${s}`);
    if (failed > 0) {
      if (wb) console.log('\nRecent browser console:\n' + wb.console.slice(-30).join('\n'));
      console.log('\nExtension host log:\n' + server.extensionHostLog().slice(-4000));
    }
  } finally {
    await wb?.close();
    stopAll();
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`E2E harness error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  },
);
