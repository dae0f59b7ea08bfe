/**
 * bench:learning's chart and table, and its `--tiny` simulation: documented far enough in file
 * order for a learning run the guard could let through (the install path, exercised by `--tiny`).
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  fileOrder,
  svgChart,
  table,
  TINY_SIMULATION,
  tinyProject,
  userCorrection,
  type Point,
} from '../../bench/learning/run';
import { learningSplits } from '../../src/learning/learningCorpus';
import { GUARD_MIN_FUNCTIONS } from '../../src/training/trainingDefaults';

const points = (shift: number): Point[] =>
  [0, 10, 20].map((corrections, i) => ({
    corrections,
    scored: 50,
    model: 20 + shift + 2 * i,
    base: 20 + shift,
    bm25: shift + i,
    overBase: i ? 0.9 : 0,
    ...(i ? { run: 'a run' } : {}),
  }));

describe('bench:learning chart and table', () => {
  const results = new Map([
    ['alpha', points(0)],
    ['beta <b>', points(5)],
  ]);

  it('draws one line per system and project, told apart by colour and dash, with no empty attribute', () => {
    const svg = svgChart(results);
    // ImageMagick's own SVG renderer stops at an empty attribute (stroke-dasharray="").
    assert.doesNotMatch(svg, /="\s*"/);
    assert.strictEqual((svg.match(/<path /g) ?? []).length, 6);
    assert.match(svg, /<path [^>]*stroke="#1f77b4" stroke-width="2"\/>/);
    assert.match(svg, /<path [^>]*stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 3"\/>/);
    for (const label of ['learning model', 'base model', 'in-project BM25', 'alpha', 'beta &lt;b&gt;'])
      assert.ok(svg.includes(`>${label}</text>`), label);
    // chrF is never below 0: the axis starts at 0 at the lowest.
    assert.ok(svg.includes('>0.0</text>'));
    assert.doesNotMatch(svg, />-\d/);
  });

  it('renders with ImageMagick where it is installed', function () {
    try {
      execFileSync('convert', ['-version'], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'learning-chart-'));
    try {
      fs.writeFileSync(path.join(dir, 'c.svg'), svgChart(results));
      execFileSync('convert', [path.join(dir, 'c.svg'), path.join(dir, 'c.png')], { stdio: 'pipe' });
      assert.ok(fs.statSync(path.join(dir, 'c.png')).size > 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tables the gain over the base and the bootstrap share after the first point', () => {
    const t = table('alpha', points(0));
    assert.match(t, /\| 0 \| 50 \| 20\.00 \(\+0\.0%\) \| 20\.00 \| 0\.00 \| {2}\| {2}\|/);
    assert.match(t, /\| 20 \| 50 \| 24\.00 \(\+20\.0%\) \| 20\.00 \| 2\.00 \| 90\.0% \| a run \|/);
    // No run installed yet: the current model is the base, nothing was resampled.
    const same = table('alpha', [{ ...points(0)[1]!, model: 20, overBase: 0 }]);
    assert.match(same, /\| 10 \| 50 \| 20\.00 \(\+0\.0%\) \| 20\.00 \| 1\.00 \| the base model \| a run \|/);
  });
});

describe('bench:learning --tiny', () => {
  it('reaches a learning run with GUARD_MIN_FUNCTIONS held-out functions, a validation file and corrections to train on', () => {
    const order = fileOrder(tinyProject());
    const { every, maxCorrections, window } = TINY_SIMULATION;
    assert.ok(maxCorrections + window <= order.length, 'the last point has no functions left to score');
    // A run after every `every` functions documented, as the simulation's loop runs them.
    const runs = [];
    for (let n = every; n <= maxCorrections; n += every) {
      const documented = order.slice(0, n);
      runs.push(
        // No run before the last can start, so none installed a model that learned files.
        learningSplits(
          documented,
          documented.map((r, i) => userCorrection(r, 'get user', i)),
          new Set(),
        ),
      );
    }
    const startable = runs.filter((s) => !s.tooFew);
    assert.ok(startable.length > 0, runs.map((s) => s.tooFew).join('; '));
    for (const s of startable) {
      assert.ok(s.test.length >= GUARD_MIN_FUNCTIONS && s.valid.length > 0, `${s.test.length} held out`);
      assert.ok(s.corrections > 0, 'no correction to train on');
    }
  });
});
