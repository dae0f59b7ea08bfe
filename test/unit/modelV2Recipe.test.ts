/**
 * The second default model's recipe (scripts/model-v2/train.ts) on a tiny corpus split by
 * project: each arm trains a chunk, a second chunk needs --resume and continues at the next step,
 * --compare prints both arms at equal training time, and --default (npm run train:default) trains
 * the default arm chunk by chunk, then finishes and installs it.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { COMPARISON_HEADING, inheritedComparison } from '../../scripts/model-v2/finish';
import { writeProjectSplitCorpus } from './helpers/wordPairCorpus';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'model-v2', 'train.js');
const RECIPE = path.join(__dirname, '..', '..', '..', 'scripts', 'model-v2', 'recipe.json');

describe('train:v2 recipe', function () {
  this.timeout(300000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-v2-'));
  const corpus = path.join(dir, 'corpus');
  const recipe = path.join(dir, 'recipe.json');
  const work = path.join(dir, 'work');
  const run = (...args: string[]): { code: number; out: string; err: string } => {
    const r = spawnSync(process.execPath, [SCRIPT, '--corpus', corpus, '--work', work, '--recipe', recipe, ...args], {
      encoding: 'utf8',
      timeout: 240000,
    });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };

  before(() => {
    fs.mkdirSync(corpus);
    writeProjectSplitCorpus(corpus);
    // The committed recipe, shrunk: what is checked is the orchestration, not the sizes.
    const r = JSON.parse(fs.readFileSync(RECIPE, 'utf8')) as {
      vocabSize: number;
      batchSize: number;
      validPairsPerLanguage: number;
      training: Record<string, unknown>;
      arms: Record<string, { model: Record<string, unknown> }>;
      studies?: unknown[];
    };
    Object.assign(r, { vocabSize: 300, batchSize: 8, validPairsPerLanguage: 4 });
    // A study of one setting, here this recipe's own arms in this work folder: the card lists their evaluations.
    r.studies = [{ setting: 'Neighbour dropout', recipe: 'recipe.json', work, why: 'Kept 0.2 (a test).' }];
    Object.assign(r.training, { evalEvery: 5, evalLimit: 4 });
    for (const arm of Object.values(r.arms))
      Object.assign(arm.model, {
        embeddingDim: 16,
        hiddenDim: 16,
        dModel: 16,
        heads: 2,
        ffDim: 32,
        encoderLayers: 1,
        decoderLayers: 1,
        maxSrcLen: 40,
        maxTgtLen: 8,
      });
    fs.writeFileSync(recipe, JSON.stringify(r));
  });

  it('trains each arm in chunks that resume, and compares them', () => {
    for (const arm of ['gru', 'transformer']) {
      const ok = run('--arm', arm, '--max-steps', '10');
      assert.strictEqual(ok.code, 0, ok.err);
      assert.match(ok.err, /new run at step 0/);
    }
    const again = run('--arm', 'gru', '--max-steps', '14');
    assert.notStrictEqual(again.code, 0);
    assert.match(again.err, /pass --resume/);
    const resumed = run('--arm', 'gru', '--max-steps', '14', '--resume');
    assert.strictEqual(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /resumed run at step 10/);
    const chunks = JSON.parse(fs.readFileSync(path.join(work, 'gru', 'chunks.json'), 'utf8')) as {
      neighbourDropout?: number;
    }[];
    assert.deepStrictEqual(
      chunks.map((c) => c.neighbourDropout),
      [0.2, 0.2],
    );
    const config = JSON.parse(fs.readFileSync(path.join(work, 'gru', 'run', 'last', 'config.json'), 'utf8')) as {
      meta: { retrieval?: { scope?: string } };
    };
    assert.strictEqual(config.meta.retrieval?.scope, 'project');
    // The tokenized examples are kept for the next chunk.
    assert.ok(fs.existsSync(path.join(work, 'gru', 'run', 'examples.json')));
    const cmp = run('--compare');
    assert.strictEqual(cmp.code, 0, cmp.err);
    assert.match(cmp.out, /\| gru \| 0\.2 \| \d+ \|/);
    assert.match(cmp.out, /\| transformer \| 0\.2 \| \d+ \|/);
    // The arm that trained less has all its evaluations within the common budget; a built-in run
    // has BLEU and no loss without neighbours.
    assert.match(
      cmp.out,
      /\| (gru|transformer) \| 0\.2 \| [1-9]\d* \| \d+ \| \d+\.\d{3} \| — \| \d+\.\d{2} \| \d+\.\d{2} \|/,
    );
  });

  it('finishes an arm: checkpoint and decoding chosen on validation projects, a card, a float16 install', async () => {
    const target = path.join(dir, 'installed');
    // A few minutes of training on a tiny corpus do not beat the bundled model on validation
    // projects: --install alone leaves it in place, --install-anyway installs all the same.
    const refused = run('--finish', '--arm', 'gru', '--install', '--target', target);
    assert.strictEqual(refused.code, 0, refused.err);
    assert.match(refused.err, /the bundled model stays/);
    assert.match(refused.err, /not installed: the bundled model is better on validation projects/);
    assert.ok(!fs.existsSync(target));
    const done = run('--finish', '--arm', 'gru', '--install', '--install-anyway', '--target', target);
    assert.strictEqual(done.code, 0, done.err);
    assert.match(done.err, /choosing the checkpoint on \d+ validation functions/);
    const card = fs.readFileSync(path.join(work, 'gru', 'final', 'MODEL.md'), 'utf8');
    for (const heading of [
      '### Architectures at equal training time',
      '## Choices made on validation projects',
      '### Neighbour dropout (validation projects)',
      '## Ship decision (validation projects)',
      '## Test projects',
      '## 20 test functions per language, side by side',
    ])
      assert.ok(card.includes(heading), `the card has no "${heading}"`);
    assert.match(card, /\| gru \| 0\.2 \| \d+\.\d \| \d+ \| \d+\.\d{3} \| (\d+\.\d{3}|—) \|/);
    assert.ok(card.includes('Kept 0.2 (a test).'));
    // Beside it, the reader's blind sheet of the side-by-side functions (4 per language here) and its key.
    assert.match(done.err, /judge reader-sheet\.md before reading MODEL\.md's tables/);
    const final = (f: string) => fs.readFileSync(path.join(work, 'gru', 'final', f), 'utf8');
    const key = JSON.parse(final('reader-key.json')) as { systems: string[]; functions: { id: string }[] };
    assert.deepStrictEqual(key.systems, ['model', 'bundled v3', 'model, no workspace']);
    assert.strictEqual(key.functions.length, 8);
    for (const f of key.functions) assert.ok(final('reader-sheet.md').includes(`### ${f.id}: `), f.id);
    const quality = JSON.parse(fs.readFileSync(path.join(target, 'quality.json'), 'utf8')) as {
      rows: { system: string }[];
    };
    // The bundled model's name comes from its card's heading (the committed default: version 3).
    assert.deepStrictEqual([...new Set(quality.rows.map((r) => r.system))].sort(), [
      'bm25 in-project',
      'bundled v3',
      'model',
      'model, generated only',
      'model, no workspace',
      'name',
    ]);
    // Installed: float16 weights (half the trained folder's bytes), the tokenizer, a rehearsal
    // sample of whole projects, and the tuned decoding in its meta; no memory (project-scoped).
    const bytes = (d: string) => fs.statSync(path.join(d, 'weights.bin')).size;
    assert.strictEqual(bytes(target) * 2, bytes(path.join(work, 'gru', 'final')));
    for (const f of ['tokenizer.json', 'rehearsal.jsonl', 'MODEL.md'])
      assert.ok(fs.existsSync(path.join(target, f)), f);
    assert.ok(!fs.existsSync(path.join(target, 'memory.json')));
    const config = JSON.parse(fs.readFileSync(path.join(target, 'config.json'), 'utf8')) as {
      meta: { retrieval?: { scope?: string }; decoding?: { reuseSimilarity?: unknown } };
    };
    assert.strictEqual(config.meta.retrieval?.scope, 'project');
    assert.ok(config.meta.decoding && 'reuseSimilarity' in config.meta.decoding);
  });

  it('--continue-from starts a new run from an exported model at its step; the earlier minutes are its first chunk', () => {
    const installed = path.join(dir, 'installed');
    const step = (
      JSON.parse(fs.readFileSync(path.join(installed, 'config.json'), 'utf8')) as { meta: { step: number } }
    ).meta.step;
    assert.ok(step > 0);
    const w = path.join(dir, 'w-continued');
    const cont = (...args: string[]) => {
      const p = spawnSync(process.execPath, [SCRIPT, '--corpus', corpus, '--work', w, '--recipe', recipe, ...args], {
        encoding: 'utf8',
        timeout: 240000,
      });
      return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
    };
    const alone = cont('--arm', 'gru', '--continue-from', installed);
    assert.notStrictEqual(alone.code, 0);
    assert.match(alone.err, /--continue-from and --trained-minutes go together/);
    const ok = cont(
      '--arm',
      'gru',
      '--continue-from',
      installed,
      '--trained-minutes',
      '3',
      '--lost-minutes',
      '2',
      '--max-steps',
      String(step + 4),
    );
    assert.strictEqual(ok.code, 0, ok.err);
    assert.match(ok.err, new RegExp(`gru: continued run at step ${step}:`));
    assert.match(ok.err, /chunk of \d+ min \(5 used\)/);
    const chunks = JSON.parse(fs.readFileSync(path.join(w, 'gru', 'chunks.json'), 'utf8')) as {
      minutes: number;
      fromStep: number;
      continuedFrom?: string;
      lost?: boolean;
    }[];
    assert.strictEqual(chunks.length, 3);
    assert.strictEqual(chunks[0]!.minutes, 3);
    assert.ok(chunks[0]!.continuedFrom?.endsWith('installed'), JSON.stringify(chunks[0]));
    assert.deepStrictEqual([chunks[1]!.minutes, chunks[1]!.fromStep, chunks[1]!.lost], [2, step, true]);
    assert.strictEqual(chunks[2]!.fromStep, step);
    const last = JSON.parse(fs.readFileSync(path.join(w, 'gru', 'run', 'last', 'config.json'), 'utf8')) as {
      meta: { step: number; retrieval?: { scope?: string } };
    };
    assert.strictEqual(last.meta.step, step + 4);
    assert.strictEqual(last.meta.retrieval?.scope, 'project');
    // Its next chunk resumes as any run does; a second --continue-from is refused.
    const twice = cont('--arm', 'gru', '--continue-from', installed, '--trained-minutes', '3');
    assert.notStrictEqual(twice.code, 0);
    assert.match(twice.err, /starts a new run/);
    // The comparison: the one in the card of the model it continued from, else none.
    const cmp = cont('--compare');
    assert.strictEqual(cmp.code, 0, cmp.err);
    assert.match(cmp.out, /From the card of the model this run continued \(`[^`]*installed`\)/);
    assert.match(cmp.out, /\| gru \|[^\n]*\n\| transformer \|/);
    fs.renameSync(path.join(installed, 'MODEL.md'), path.join(installed, 'CARD.md'));
    const bare = cont('--compare');
    fs.renameSync(path.join(installed, 'CARD.md'), path.join(installed, 'MODEL.md'));
    assert.strictEqual(bare.code, 0, bare.err);
    assert.match(bare.out, /Not compared in this work folder/);
  });

  it('--default (npm run train:default) trains the default arm chunk by chunk, then finishes and installs', () => {
    // The shrunk recipe with a budget of two short chunks; a run is done within a minute of it.
    const r = JSON.parse(fs.readFileSync(recipe, 'utf8')) as Record<string, unknown>;
    const small = path.join(dir, 'recipe-default.json');
    fs.writeFileSync(small, JSON.stringify({ ...r, chunkMinutes: 0.05, totalMinutes: 1.08 }));
    const target = path.join(dir, 'installed-default');
    const again = (): { code: number; err: string } => {
      const p = spawnSync(
        process.execPath,
        [
          SCRIPT,
          ...['--corpus', corpus, '--work', path.join(dir, 'w-default'), '--recipe', small, '--default'],
          ...['--install-anyway', '--target', target],
        ],
        { encoding: 'utf8', timeout: 240000 },
      );
      return { code: p.status ?? -1, err: p.stderr };
    };
    const first = again();
    assert.strictEqual(first.code, 0, first.err);
    assert.match(first.err, /gru: new run at step 0/);
    assert.match(first.err, /run `npm run train:default` again/);
    assert.ok(!fs.existsSync(target));
    const second = again();
    assert.strictEqual(second.code, 0, second.err);
    assert.match(second.err, /gru: resumed run at step [1-9]/);
    assert.match(second.err, /training minutes are spent; finishing and installing/);
    assert.ok(fs.existsSync(path.join(target, 'MODEL.md')));
  });

  it("a continued run's card carries the architectures' comparison of the card it continued from", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seq2seq-cards-'));
    const card = (dir: string, comparison: string) => {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
      const text = ['# Card', '', COMPARISON_HEADING, '', comparison, '', '## Choices', '', 'kept last'].join('\n');
      fs.writeFileSync(path.join(root, dir, 'MODEL.md'), text);
    };
    const table = 'At 41 minutes each:\n\n| arm | loss |\n|---|---:|\n| gru | 5.6 |\n| transformer | 6.1 |';
    card('first', table);
    card('bare', 'Not compared in this work folder.');
    const chunk = (continuedFrom?: string) => ({
      started: '2026-12-02T00:00:00Z',
      minutes: 1,
      fromStep: 0,
      ...(continuedFrom ? { continuedFrom } : {}),
    });
    const inherited = inheritedComparison([chunk('first'), chunk()], root);
    assert.strictEqual(
      inherited,
      `From the card of the model this run continued (\`first\`), which trained both arms:\n\n${table}`,
    );
    // A card that had it from an earlier card passes it on unchanged.
    card('second', inherited!);
    assert.strictEqual(inheritedComparison([chunk('second')], root), inherited);
    for (const none of ['bare', 'missing'])
      assert.strictEqual(inheritedComparison([chunk(none)], root), undefined, none);
    assert.strictEqual(inheritedComparison([chunk()], root), undefined, 'a run that continued nothing');
  });

  it('says how to build the corpus when it is missing', () => {
    const r = spawnSync(
      process.execPath,
      [SCRIPT, '--corpus', path.join(dir, 'none'), '--work', path.join(dir, 'w2'), '--recipe', recipe],
      { encoding: 'utf8' },
    );
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /npm run corpus:build/);
  });
});
