import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { candidateOrder, selectBackend, type BackendName } from '../../src/core/backend';

const missingNode = async (): Promise<void> => {
  throw new Error("Cannot find module '@tensorflow/tfjs-node'");
};

describe('backend selection', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('orders candidates best first and keeps explicit settings first', () => {
    assert.deepStrictEqual(candidateOrder('auto'), ['tensorflow', 'wasm', 'cpu']);
    assert.deepStrictEqual(candidateOrder('tensorflow'), ['tensorflow', 'wasm', 'cpu']);
    assert.deepStrictEqual(candidateOrder('wasm'), ['wasm', 'cpu']);
    assert.deepStrictEqual(candidateOrder('cpu'), ['cpu']);
  });

  it('falls back to wasm when tfjs-node is missing, and says why', async () => {
    const choice = await selectBackend({ setting: 'auto', loaders: { tensorflow: missingNode } });
    assert.strictEqual(choice.name, 'wasm');
    assert.strictEqual(tf.getBackend(), 'wasm');
    assert.deepStrictEqual(
      choice.attempts.map((a) => [a.name, a.ok]),
      [
        ['tensorflow', false],
        ['wasm', true],
      ],
    );
    assert.match(choice.reason, /WebAssembly/);
    assert.match(choice.reason, /tfjs-node/);
  });

  it('the real loader reports tfjs-node as not installed on machines without it', async function () {
    let installed = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    if (installed) this.skip();
    const choice = await selectBackend({ setting: 'auto' });
    assert.notStrictEqual(choice.name, 'tensorflow');
    assert.match(choice.attempts[0]?.error ?? '', /tfjs-node is not installed/);
  });

  it('an explicit setting wins over auto', async () => {
    const choice = await selectBackend({ setting: 'cpu' });
    assert.strictEqual(choice.name, 'cpu');
    assert.strictEqual(tf.getBackend(), 'cpu');
    assert.match(choice.reason, /as set/);
  });

  it('uses tfjs-node when its loader succeeds', async () => {
    const activated: BackendName[] = [];
    const choice = await selectBackend({
      setting: 'auto',
      loaders: { tensorflow: async () => undefined },
      activate: async (name) => {
        activated.push(name);
        return true;
      },
    });
    assert.strictEqual(choice.name, 'tensorflow');
    assert.deepStrictEqual(activated, ['tensorflow']);
  });

  it('treats a silent fallback inside TensorFlow.js as a failure and moves on', async () => {
    const choice = await selectBackend({
      setting: 'wasm',
      activate: async (name) => name === 'cpu',
    });
    assert.strictEqual(choice.name, 'cpu');
    assert.match(choice.reason, /chosen backend \(wasm\) unavailable/);
  });

  it('throws with every reason when nothing can start', async () => {
    await assert.rejects(
      selectBackend({ setting: 'cpu', activate: async () => false }),
      /No TensorFlow.js backend could start: cpu/,
    );
  });
});
