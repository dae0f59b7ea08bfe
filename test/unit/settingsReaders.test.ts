/**
 * The readers of src/host/settings.ts, on the `vscode` stand-in: unset, each gives package.json's
 * default (SETTING_DEFAULTS, which settingsDefaults.test.ts holds to package.json); a hand-edited
 * value outside a dropdown's choices gives the default; the corpus globs add VS Code's enabled
 * `files.exclude` entries; a fine-tune's config takes only the training settings the user set;
 * the learning prompt's "Always" and "Never" are written to the workspace's settings.
 */
import * as assert from 'assert';
import * as os from 'os';
import { fake, installFakeVscode, Uri } from './helpers/fakeVscode';
import { SETTING_DEFAULTS as D } from '../../src/host/settingDefaults';
import { resolveThreads } from '../../src/training/threads';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
const settings = require('../../src/host/settings') as typeof import('../../src/host/settings');
/* eslint-enable @typescript-eslint/consistent-type-imports */

const scope = { uri: Uri.file('/ws/a.py'), languageId: 'python' } as unknown as Parameters<
  typeof settings.docCommentSettings
>[0];
const threads = resolveThreads(D['seq2seq.training.threads'], os.availableParallelism());

describe('settings readers', () => {
  beforeEach(() => fake.reset());
  after(() => fake.reset());

  it('unset: every reader gives the declared defaults', () => {
    assert.deepStrictEqual(settings.engineSettings(), {
      backend: D['seq2seq.backend'],
      tensorflowPath: D['seq2seq.tensorflowPath'],
      model: D['seq2seq.model'],
    });
    assert.deepStrictEqual(settings.docCommentSettings(scope), {
      format: D['seq2seq.docComment.format'],
      sections: D['seq2seq.docComment.sections'],
      parameterDescriptions: D['seq2seq.docComment.parameterDescriptions'],
      markBorrowed: D['seq2seq.docComment.markBorrowed'],
      pythonInitArguments: D['seq2seq.docComment.pythonInitArguments'],
      checkConsistency: D['seq2seq.docComment.checkConsistency'],
      staleSummaryHint: D['seq2seq.docComment.staleSummaryHint'],
    });
    assert.deepStrictEqual(settings.codeLensSettings(scope), {
      enabled: D['seq2seq.codeLens.enabled'],
      functions: D['seq2seq.codeLens.functions'],
    });
    assert.deepStrictEqual(settings.corpusSettings(), {
      include: D['seq2seq.corpus.include'],
      exclude: D['seq2seq.corpus.exclude'],
      maxFileBytes: D['seq2seq.corpus.maxFileSizeKb'] * 1024,
    });
    assert.deepStrictEqual(settings.learningSettings(), {
      mode: D['seq2seq.learning.mode'],
      threads: D['seq2seq.learning.threads'],
      idleSeconds: D['seq2seq.learning.idleSeconds'],
      minutes: D['seq2seq.learning.minutes'],
      afterCorrections: D['seq2seq.learning.afterCorrections'],
      rememberCorrections: D['seq2seq.learning.rememberCorrections'],
    });
    assert.strictEqual(settings.fineTuneSeed(), D['seq2seq.training.seed']);
  });

  it('a choice the dropdown does not offer gives the default; one it offers is kept', () => {
    const read = (): unknown[] => [
      settings.engineSettings().backend,
      settings.docCommentSettings(scope).parameterDescriptions,
      settings.docCommentSettings(scope).pythonInitArguments,
      settings.codeLensSettings(scope).functions,
      settings.learningSettings().mode,
    ];
    const keys = [
      'seq2seq.backend',
      'seq2seq.docComment.parameterDescriptions',
      'seq2seq.docComment.pythonInitArguments',
      'seq2seq.codeLens.functions',
      'seq2seq.learning.mode',
    ] as const;
    for (const key of keys) fake.settings.set(key, 'something else');
    assert.deepStrictEqual(
      read(),
      keys.map((k) => D[k]),
    );
    ['wasm', 'none', 'initDocstring', 'all', 'off'].forEach((v, i) => fake.settings.set(keys[i]!, v));
    assert.deepStrictEqual(read(), ['wasm', 'none', 'initDocstring', 'all', 'off']);
  });

  it("the corpus: the user's globs, the enabled files.exclude entries, and the size in bytes", () => {
    fake.settings.set('seq2seq.corpus.include', ['**/*.py']);
    fake.settings.set('seq2seq.corpus.exclude', ['**/gen/**']);
    fake.settings.set('seq2seq.corpus.maxFileSizeKb', 64);
    fake.settings.set('files.exclude', { '**/.git': true, '**/tmp': false, 'out/**': true });
    assert.deepStrictEqual(settings.corpusSettings(), {
      include: ['**/*.py'],
      exclude: ['**/gen/**', '**/.git', 'out/**'],
      maxFileBytes: 64 * 1024,
    });
  });

  it('a fine-tune with nothing set: the fine-tuning defaults, only threads and the budget written', () => {
    assert.deepStrictEqual(settings.trainingSettings(null), {
      config: { batchSize: 16, seed: 42, training: { threads } },
      summary: {
        optimizer: 'adam',
        learningRate: 1e-4,
        schedule: 'noam',
        budget: 'until it stops improving',
        batchSize: 16,
        threads,
      },
    });
    const { config, summary } = settings.trainingSettings(5);
    assert.deepStrictEqual(config.training, { timeBudgetMs: 300_000, threads });
    assert.strictEqual(summary.budget, '5 min');
  });

  it('a fine-tune takes the training settings set at any level, even to their default value', () => {
    fake.levels.push(
      { level: 'user', key: 'seq2seq.training.patience', value: 4 },
      { level: 'workspace', key: 'seq2seq.training.learningRate', value: 3e-4 },
      { level: 'workspace', key: 'seq2seq.training.rehearsalShare', value: 0.5 },
      { level: 'user', key: 'seq2seq.training.epochs', value: 7 },
      { level: 'user', key: 'seq2seq.training.seed', value: 9 },
    );
    const { config, summary } = settings.trainingSettings(null);
    assert.deepStrictEqual(config, {
      batchSize: 16,
      seed: 9,
      rehearsalShare: 0.5,
      // The learning rate alone keeps the default optimizer.
      training: { optimizer: { name: 'adam', learningRate: 3e-4 }, maxEpochs: 7, patience: 4, threads },
    });
    assert.strictEqual(summary.learningRate, 3e-4);
    assert.strictEqual(settings.fineTuneSeed(), 9);
  });

  it('a fine-tune schedule: cosine runs to maxSteps or 2000 steps; a name that is not a schedule gets noam', () => {
    fake.settings.set('seq2seq.training.lrSchedule', 'cosine');
    assert.deepStrictEqual(settings.trainingSettings(null).config.training?.schedule, {
      kind: 'cosine',
      warmupSteps: 30,
      totalSteps: 2000,
    });
    fake.settings.set('seq2seq.training.maxSteps', 500);
    const training = settings.trainingSettings(null).config.training;
    assert.deepStrictEqual(training?.schedule, { kind: 'cosine', warmupSteps: 30, totalSteps: 500 });
    assert.strictEqual(training?.maxSteps, 500);
    fake.settings.set('seq2seq.training.lrSchedule', 'linear');
    fake.settings.set('seq2seq.training.warmupSteps', 10);
    const { config, summary } = settings.trainingSettings(null);
    assert.deepStrictEqual(config.training?.schedule, { kind: 'noam', warmupSteps: 10 });
    assert.strictEqual(summary.schedule, 'noam');
  });

  it('loads no TensorFlow.js: the extension reads settings at activation', () => {
    const seen = new Set<NodeJS.Module>();
    const visit = (m: NodeJS.Module): void => {
      if (seen.has(m)) return;
      seen.add(m);
      m.children.forEach(visit);
    };
    visit(require.cache[require.resolve('../../src/host/settings')]!);
    assert.ok(seen.size > 5, `${seen.size} modules`);
    const tf = [...seen].filter((m) => m.id.includes('@tensorflow')).map((m) => m.id);
    assert.deepStrictEqual(tf, []);
  });

  it("the learning prompt's answer is written to the workspace's settings, replacing the last", async () => {
    await settings.setLearningMode('on');
    assert.strictEqual(settings.learningSettings().mode, 'on');
    await settings.setLearningMode('off');
    assert.strictEqual(settings.learningSettings().mode, 'off');
    assert.deepStrictEqual(fake.levels, [{ level: 'workspace', key: 'seq2seq.learning.mode', value: 'off' }]);
  });
});
