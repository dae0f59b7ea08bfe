/**
 * Project-scoped retrieval (src/retrieval/projectMemory.ts) and the training job's use of it: a
 * neighbour comes from the same project's other files, never from another project, and a job
 * given a corpus already split by project trains on those splits as they are.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import { loadModel } from '../../src/modelFolder/checkpoint';
import { ProjectMemories } from '../../src/retrieval/projectMemory';
import type { CorpusRecord } from '../../src/mining/dataset';
import { parseCorpusLine } from '../../src/mining/dataset';
import { prepareTrainJob, sourcePrefixes } from '../../src/training/job';

const KIND = { graded: true, neighbourTokens: 24 };

function rec(project: string | undefined, file: string, code: string, summary: string): CorpusRecord {
  return {
    ...(project !== undefined ? { project } : {}),
    lang: 'python',
    path: file,
    name: code.match(/def (\w+)/)?.[1] ?? '',
    line: 1,
    code,
    doc: summary,
    summary,
    params: [],
    throws: [],
  };
}

describe('project-scoped retrieval', () => {
  const alpha = [
    rec('alpha', 'a/io.py', 'def read_config(path):\n    return load(path)', 'Read the alpha configuration.'),
    rec('alpha', 'a/net.py', 'def read_config_file(path):\n    return load(path)', 'Alpha reads its config file.'),
    rec('alpha', 'a/net.py', 'def send_packet(sock, data):\n    sock.send(data)', 'Send one packet.'),
  ];
  const beta = [
    // The same code as alpha's read_config, in another project: never alpha's neighbour.
    rec('beta', 'b/io.py', 'def read_config(path):\n    return load(path)', 'Beta configuration reader.'),
  ];

  it("finds the neighbour in the record's own project, from another file", () => {
    const m = new ProjectMemories([...alpha, ...beta], KIND);
    const n = m.lookup(alpha[1]!);
    assert.ok(n);
    assert.strictEqual(n.summary, 'Read the alpha configuration.');
    assert.strictEqual(n.path, 'a/io.py');
    assert.match(m.prefix(alpha[1]!) ?? '', /Read the alpha configuration\.$/);
  });

  it('never crosses projects, and a one-file project has no neighbour', () => {
    const m = new ProjectMemories([...alpha, ...beta], KIND);
    // alpha's read_config is in a/io.py; its only other-file candidates are alpha's net.py.
    assert.strictEqual(m.lookup(alpha[0]!)?.path, 'a/net.py');
    assert.strictEqual(m.lookup(beta[0]!), undefined);
    assert.strictEqual(m.prefix(beta[0]!), undefined);
    assert.deepStrictEqual([...m.projects].sort(), [
      ['alpha', 3],
      ['beta', 1],
    ]);
  });

  it('treats records without a project as one project', () => {
    const m = new ProjectMemories(
      alpha.map(({ project: _p, ...r }) => r),
      KIND,
    );
    assert.strictEqual(m.lookup({ path: 'a/io.py', code: alpha[0]!.code })?.path, 'a/net.py');
  });

  it("gives validation records neighbours from the validation projects only, the training split's from training", () => {
    const valid = [
      rec('gamma', 'g/x.py', 'def read_config(path):\n    return parse(path)', 'Gamma parses settings.'),
      rec('gamma', 'g/y.py', 'def read_config_text(path):\n    return parse(path)', 'Gamma reads text settings.'),
    ];
    const { prefix, validPrefix, memory } = sourcePrefixes({ train: [...alpha, ...beta], valid }, 'project', KIND);
    assert.strictEqual(memory, undefined, 'a project-scoped model carries no memory of its own');
    assert.match(validPrefix!(valid[0]!) ?? '', /Gamma reads text settings\.$/);
    assert.match(prefix!(alpha[1]!) ?? '', /alpha configuration/);
    const corpus = sourcePrefixes({ train: [...alpha, ...beta], valid }, 'corpus', KIND);
    assert.ok(corpus.memory, 'corpus scope keeps the training split as memory');
    assert.match(corpus.validPrefix!(valid[0]!) ?? '', /alpha|Beta/);
  });

  it('drops the neighbour of a seeded share of the training pairs (neighbourDropout), never of validation pairs', () => {
    const train = Array.from({ length: 200 }, (_, i) =>
      rec('alpha', `a/f${i % 5}.py`, `def read_part_${i}(path):\n    return load(path, ${i})`, `Read part ${i}.`),
    );
    const valid = train.slice(0, 40).map((r) => ({ ...r, project: 'gamma' }));
    const all = sourcePrefixes({ train, valid }, 'project', KIND);
    assert.ok(
      train.every((r) => all.prefix!(r) !== undefined),
      'without dropout every pair has its neighbour',
    );
    const some = sourcePrefixes({ train, valid }, 'project', KIND, { neighbourDropout: 0.3, seed: 4 });
    const dropped = train.filter((r) => some.prefix!(r) === undefined);
    assert.ok(dropped.length > 35 && dropped.length < 85, `dropped ${dropped.length} of 200, expected about 60`);
    // The kept pairs keep the same neighbour; the choice is the same on every call (a hash, not a draw).
    for (const r of train) if (some.prefix!(r) !== undefined) assert.strictEqual(some.prefix!(r), all.prefix!(r));
    assert.deepStrictEqual(
      train.filter((r) => some.prefix!(r) === undefined),
      dropped,
    );
    const other = sourcePrefixes({ train, valid }, 'project', KIND, { neighbourDropout: 0.3, seed: 5 });
    assert.notDeepStrictEqual(
      train.filter((r) => other.prefix!(r) === undefined),
      dropped,
      'another seed drops other pairs',
    );
    assert.ok(
      valid.every((r) => some.validPrefix!(r) !== undefined),
      'validation pairs keep their neighbours',
    );
    assert.throws(() => sourcePrefixes({ train, valid }, 'project', KIND, { neighbourDropout: 1 }), /neighbourDropout/);
  });

  it('keeps the project field of a corpus line, and rejects a bad one', () => {
    const line = JSON.stringify({ project: 'alpha', lang: 'python', path: 'a.py', code: 'x', summary: 'y' });
    assert.strictEqual(parseCorpusLine(line).project, 'alpha');
    assert.throws(
      () => parseCorpusLine(JSON.stringify({ project: 3, lang: 'python', path: 'a.py', code: 'x', summary: 'y' })),
      /"project" must be a string/,
    );
  });
});

describe('training job on a corpus split by project', function () {
  this.timeout(120000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  it('trains on the given splits as they are and records the project scope in the model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'project-job-'));
    const words = ['get', 'set', 'user', 'name', 'file', 'path'];
    const write = (file: string, project: string, n: number): string => {
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        const a = words[i % 6]!;
        const b = words[(i * 5 + 2) % 6]!;
        lines.push(
          JSON.stringify(rec(project, `${project}/f${i % 4}.py`, `def ${a}_${b}(x):\n    return x`, `${a} ${b}`)),
        );
      }
      fs.writeFileSync(path.join(dir, file), `${lines.join('\n')}\n`);
      return path.join(dir, file);
    };
    const corpus = write('train.jsonl', 'alpha', 24);
    const validCorpus = write('valid.jsonl', 'beta', 8);
    const testCorpus = write('test.jsonl', 'gamma', 6);
    const out = path.join(dir, 'run');
    const job = await prepareTrainJob(
      {
        corpus,
        validCorpus,
        testCorpus,
        outDir: out,
        config: {
          model: { attention: 'bahdanau', embeddingDim: 8, hiddenDim: 8, dropout: 0, maxSrcLen: 40, maxTgtLen: 8 },
          vocabSize: 300,
          batchSize: 8,
          directions: ['code2doc'],
          retrieval: 'project',
          training: { maxSteps: 2, evalEvery: 2, evalLimit: 2, patience: 0, stopMetric: 'loss' },
        },
      },
      () => {},
    );
    assert.deepStrictEqual(
      [job.summary.trainPairs, job.summary.validPairs, job.summary.testPairs],
      [24, 8, 6],
      'the splits were re-split',
    );
    assert.ok(job.test.every((r) => r.project === 'gamma'));
    await job.trainer.run();
    job.trainer.model.dispose();
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'last', 'config.json'), 'utf8')) as {
      meta: { retrieval?: { scope?: string; neighbourTokens?: number } };
    };
    assert.strictEqual(saved.meta.retrieval?.scope, 'project');
    assert.strictEqual(saved.meta.retrieval?.neighbourTokens, 24);
    assert.ok(!fs.existsSync(path.join(out, 'last', 'memory.json')), 'a project-scoped model saved a memory');
    await assert.rejects(
      prepareTrainJob({ corpus, validCorpus, outDir: path.join(dir, 'other') }, () => {}),
      /give both the validation and the test split/,
    );

    // A new run continued from that model (its checkpoints set aside): the same weights, its
    // tokenizer and retrieval, at its step, with the position in the batches that step implies.
    const { model: exported } = await loadModel(path.join(out, 'last'));
    const continued = await prepareTrainJob(
      { corpus, validCorpus, testCorpus, outDir: path.join(dir, 'continued'), continueFrom: path.join(out, 'last') },
      () => {},
    );
    try {
      assert.strictEqual(continued.summary.origin, 'continued');
      assert.strictEqual(continued.trainer.step, 2);
      assert.strictEqual(continued.trainer.trainState.rewarmFrom, 2, 'the rate does not ramp up again from the step');
      assert.strictEqual(continued.trainer.trainState.batchInEpoch, 2 % continued.summary.trainBatches);
      const names = (m: { variables: readonly { name: string }[] }) =>
        m.variables.map((v) => v.name.replace(/^[^/]+\//, ''));
      assert.deepStrictEqual(names(continued.trainer.model), names(exported));
      continued.trainer.model.variables.forEach((v, i) =>
        assert.deepStrictEqual(v.dataSync(), exported.variables[i]!.dataSync(), v.name),
      );
    } finally {
      exported.dispose();
      continued.trainer.model.dispose();
    }
    await assert.rejects(
      prepareTrainJob(
        { corpus, validCorpus, testCorpus, outDir: path.join(dir, 'both'), continueFrom: out, initModel: out },
        () => {},
      ),
      /not both/,
    );
  });
});
