/**
 * A save killed at each point (a child process that SIGKILLs itself there, see
 * helpers/crashingSave.ts) leaves a folder that loading and resuming recover: the complete new
 * copy when the crash came after it was written, else the old one, and no leftovers.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import type { SavePoint } from '../../src/modelFolder/atomicFolder';
import { loadModel, saveModel } from '../../src/modelFolder/checkpoint';
import { WEIGHTS_FILE } from '../../src/modelFolder/format';
import { buildModel } from '../../src/core/model';
import { createOptimizer } from '../../src/training/optimizers';
import { isTrainCheckpoint, loadTrainCheckpoint } from '../../src/training/trainState';
import { TINY } from './helpers/crashingSave';

const CHILD = path.join(__dirname, 'helpers', 'crashingSave.js');

function crashSave(kind: 'model' | 'train', dir: string, point: SavePoint, seed: number): void {
  const r = spawnSync(process.execPath, [CHILD, kind, dir, point, String(seed)], { encoding: 'utf8' });
  assert.strictEqual(r.signal, 'SIGKILL', `the save was not killed at ${point}: ${r.stderr}`);
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`.${path.basename(dir)}.`));
}

describe('checkpoint crash recovery', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-crash-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  async function saveOld(dir: string): Promise<void> {
    const m = buildModel(TINY, 12, 12, 1);
    await saveModel(m, dir, { step: 1 });
    m.dispose();
  }

  const cases: [SavePoint, number][] = [
    ['files-partly-written', 1],
    ['files-written', 1],
    ['old-moved', 2],
    ['new-moved', 2],
  ];
  for (const [point, expected] of cases) {
    it(`a save killed at ${point} loads the ${expected === 1 ? 'old' : 'new'} model and leaves nothing behind`, async () => {
      const dir = path.join(root, `m-${point}`);
      await saveOld(dir);
      crashSave('model', dir, point, 2);
      const { model, meta } = await loadModel(dir);
      model.dispose();
      assert.strictEqual(meta.step, expected);
      assert.deepStrictEqual(leftovers(dir), []);
    });
  }

  it('a crash between the moves with an incomplete new copy falls back to the old copy', async () => {
    const dir = path.join(root, 'm-incomplete');
    await saveOld(dir);
    crashSave('model', dir, 'old-moved', 2);
    const tmp = leftovers(dir).find((n) => n.includes('.tmp-'))!;
    fs.truncateSync(path.join(root, tmp, WEIGHTS_FILE), 10);
    const { model, meta } = await loadModel(dir);
    model.dispose();
    assert.strictEqual(meta.step, 1);
    assert.deepStrictEqual(leftovers(dir), []);
  });

  it('a training checkpoint killed between the moves is still resumable, from the new state', async () => {
    const dir = path.join(root, 'last');
    crashSave('train', dir, 'done', 1);
    crashSave('train', dir, 'old-moved', 2);
    assert.ok(!fs.existsSync(dir), 'the crash left no last/ (the window under test)');
    assert.ok(isTrainCheckpoint(dir));
    const { model, state, optimizer } = await loadTrainCheckpoint(dir, () =>
      createOptimizer({ name: 'adam', learningRate: 0.001 }),
    );
    assert.strictEqual(state.step, 2);
    model.dispose();
    optimizer.dispose();
  });

  // A container restarted after the crash: its trainer is the same process id (1) again, or the
  // crashed save's id now names another live process. Neither can be in the middle of that save.
  for (const who of ['another live process', 'this process'] as const) {
    it(`a crashed save whose process id is ${who} now (started after the save) is still recovered`, async () => {
      const dir = path.join(root, `last-${who.replace(/ /g, '-')}`);
      crashSave('train', dir, 'done', 1);
      crashSave('train', dir, 'old-moved', 2);
      const live = spawn('sleep', ['60'], { stdio: 'ignore' });
      try {
        const pid = who === 'this process' ? process.pid : live.pid!;
        for (const name of leftovers(dir)) {
          // The same save an hour earlier, before the process that now has its id started.
          const renamed = name.replace(
            /-\d+-(\d+)-(\d+)$/,
            (_m, time: string, r: string) => `-${pid}-${Number(time) - 3_600_000}-${r}`,
          );
          fs.renameSync(path.join(root, name), path.join(root, renamed));
        }
        assert.ok(isTrainCheckpoint(dir), 'the complete temporary copy was not put back');
        const { model, state, optimizer } = await loadTrainCheckpoint(dir, () =>
          createOptimizer({ name: 'adam', learningRate: 0.001 }),
        );
        assert.strictEqual(state.step, 2);
        model.dispose();
        optimizer.dispose();
        assert.deepStrictEqual(leftovers(dir), []);
      } finally {
        live.kill('SIGKILL');
      }
    });
  }
});
