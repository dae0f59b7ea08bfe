import * as assert from 'assert';
import * as path from 'path';
import { ParseLimitError, WorkerLocator } from '../../src/host/parseClient';
import type { FunctionLocator } from '../../src/host/functionLocator';
import { scaled } from '../timeScale';

const SCRIPT = path.join(__dirname, '..', '..', 'src', 'worker', 'parseWorker.js');

/** `n` JavaScript functions nested in one another: slow to locate (the work grows with n²). */
function nested(n: number): string {
  return Array.from({ length: n }, (_, i) => `function f${i}(a) {\n`).join('') + '}\n'.repeat(n);
}

/** Runs `work` while a timer ticks every 10 ms; the longest gap between ticks. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  try {
    const result = await work();
    stallMs = Math.max(stallMs, performance.now() - last);
    return { result, stallMs };
  } finally {
    clearInterval(tick);
  }
}

describe('parse worker (tree-sitter off the extension host thread)', () => {
  let locator: WorkerLocator;
  beforeEach(() => (locator = new WorkerLocator({ script: SCRIPT })));
  afterEach(() => locator.dispose());

  it('finds the same functions as in process, with plain data (names, ranges, documented)', async () => {
    const src = '/** Doubles x. */\nfunction b(x) {\n  return 2 * x;\n}\nfunction a() {}\n';
    const fns = await locator.functions('javascript', src);
    assert.deepStrictEqual(
      fns.map((f) => [f.name, f.startLine, f.documented, src.slice(f.startOffset, f.endOffset) === f.code]),
      [
        ['b', 1, true, true],
        ['a', 4, false, true],
      ],
    );
  });

  it('keeps the host responsive while a slow file is parsed', async () => {
    const slow: FunctionLocator = new WorkerLocator({ script: SCRIPT, timeLimitMs: 60_000 });
    await slow.functions('javascript', 'function warm() {}\n');
    const { result, stallMs } = await longestStall(() => slow.functions('javascript', nested(900)));
    (slow as WorkerLocator).dispose();
    assert.strictEqual(result.length, 900);
    assert.ok(stallMs < scaled(500), `the host thread stalled ${stallMs.toFixed(0)} ms`);
  });

  it('abandons a parse past its time limit, replaces the worker and keeps working', async () => {
    const limited = new WorkerLocator({ script: SCRIPT, timeLimitMs: 1000 });
    try {
      await limited.functions('javascript', 'function warm() {}\n');
      const started = performance.now();
      await assert.rejects(limited.functions('javascript', nested(5000)), (e: Error) => {
        assert.ok(e instanceof ParseLimitError);
        assert.match(e.message, /took longer than 1 s and was stopped; select the function's code instead/);
        return true;
      });
      assert.ok(performance.now() - started < scaled(5000), 'the limit was not enforced');
      const fns = await limited.functions('python', 'def f():\n    return 1\n');
      assert.deepStrictEqual(
        fns.map((f) => f.name),
        ['f'],
      );
      assert.strictEqual(limited.started, 2);
    } finally {
      limited.dispose();
    }
  });

  it('refuses a text over the size limit without parsing it', async () => {
    const small = new WorkerLocator({ script: SCRIPT, maxChars: 100 });
    try {
      await assert.rejects(small.functions('javascript', 'x'.repeat(101)), /more than the 100 Seq2Seq parses/);
      assert.strictEqual(small.started, 0);
    } finally {
      small.dispose();
    }
  });
});
