/**
 * `train --engine native` stops on SIGTERM and SIGHUP as on Ctrl-C: the CLI process passes each
 * of them on to the native engine (which saves last/ and exits) and waits for it, instead of dying
 * and leaving the engine running unseen. A stand-in engine (a Python package of the same name that
 * records the signal it gets) keeps this fast; the real engine's handling of the signals is tested
 * in native/tests/test_training.py.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scaled } from '../timeScale';

const NATIVE_ENGINE_JS = path.join(__dirname, '..', '..', 'src', 'training', 'nativeEngine.js');
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const STAND_IN = `
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[-1])
got = []
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, lambda n, f: got.append(signal.Signals(n).name))
(out / "ready").write_text("1")
start = time.time()
while not got and time.time() - start < 20:  # never outlives a failing test for long
    time.sleep(0.02)
(out / "signal").write_text(got[0] if got else "none")
`;

describe('native engine and stop signals', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-native-sig-'));
    fs.mkdirSync(path.join(dir, 'seq2seq_native'));
    fs.writeFileSync(path.join(dir, 'seq2seq_native', '__init__.py'), '');
    fs.writeFileSync(path.join(dir, 'seq2seq_native', '__main__.py'), STAND_IN);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`${signal} to the CLI process reaches the engine, and the CLI waits for it`, async () => {
      const script =
        `require(${JSON.stringify(NATIVE_ENGINE_JS)}).runNative(` +
        `{ python: ${JSON.stringify(PYTHON)}, packageRoot: ${JSON.stringify(dir)}, torchVersion: '-' }, ` +
        `['train', ${JSON.stringify(dir)}]).then((code) => process.stdout.write('engine exited ' + code + '\\n'));`;
      const cli = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + scaled(30_000);
      while (!fs.existsSync(path.join(dir, 'ready'))) {
        assert.ok(Date.now() < deadline && cli.exitCode === null, 'the stand-in engine did not start');
        await new Promise((r) => setTimeout(r, 20));
      }
      cli.kill(signal); // the CLI process only, as `kill <pid>` or a service manager sends it
      const code = await new Promise<number | null>((r) => cli.once('exit', r));
      assert.strictEqual(fs.readFileSync(path.join(dir, 'signal'), 'utf8'), signal);
      assert.strictEqual(code, 0);
      assert.match(out, /engine exited 0/);
    });
  }
});
