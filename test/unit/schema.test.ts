/**
 * src/files/schema.ts and the training config file it checks: values come back typed, and a bad
 * field is reported with the file, the field's path and what was expected.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  array,
  boolean,
  either,
  nullable,
  number,
  object,
  oneOf,
  optional,
  readJsonFile,
  record,
  string,
  tagged,
  validate,
} from '../../src/files/schema';
import { readTrainConfig } from '../../src/training/trainConfigFile';
import { REPLICA_INIT } from '../../src/training/replicaProtocol';
import { WORKER_OPTIONS, workerOptionsOf, type WorkerOptions } from '../../src/worker/protocol';
import { DECODING_GRID_FIELDS } from '../../src/training/modelSelection';
import { REPO_ROOT } from '../../scripts/paths';

const shape = object({
  name: string,
  size: optional(number),
  on: optional(boolean),
  kind: oneOf('a', 'b'),
  steps: optional(array(either('a number or an object', number, object({ reward: number })))),
  limit: optional(nullable(number)),
  arms: optional(record(object({ depth: number }))),
  schedule: optional(
    tagged('kind', {
      constant: object({ kind: oneOf('constant') }),
      noam: object({ kind: oneOf('noam'), warmupSteps: number }),
    }),
  ),
});

describe('schema', () => {
  it('returns a valid value with its fields, absent optional ones left out', () => {
    const value = {
      name: 'x',
      kind: 'b',
      steps: [1, { reward: 2 }],
      limit: null,
      arms: { gru: { depth: 2 } },
      schedule: { kind: 'noam', warmupSteps: 5 },
    };
    const v = validate(JSON.parse(JSON.stringify(value)), shape, 'test');
    assert.deepStrictEqual(v, value);
    assert.ok(!('size' in v));
  });

  it('names the source, the path of the bad field and what was expected', () => {
    const bad = (value: unknown): string => {
      try {
        validate(value, shape, 'cfg.json');
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    assert.strictEqual(bad([]), 'cfg.json: the value must be an object, got an array');
    assert.strictEqual(bad({ kind: 'a' }), 'cfg.json: name must be a string, but it is missing');
    assert.strictEqual(bad({ name: 'x', kind: 'c' }), 'cfg.json: kind must be one of "a", "b", got "c"');
    assert.strictEqual(bad({ name: 'x', kind: 'a', size: 'big' }), 'cfg.json: size must be a number, got "big"');
    assert.strictEqual(bad({ name: 'x', kind: 'a', size: Infinity }), 'cfg.json: size must be a number, got null');
    assert.strictEqual(
      bad({ name: 'x', kind: 'a', steps: [1, { reward: 'x' }] }),
      'cfg.json: steps[1] must be a number or an object, got an object',
    );
    assert.strictEqual(
      bad({ name: 'x', kind: 'a', arms: { gru: {} } }),
      'cfg.json: arms.gru.depth must be a number, but it is missing',
    );
    assert.strictEqual(
      bad({ name: 'x', kind: 'a', schedule: { kind: 'cosine' } }),
      'cfg.json: schedule.kind must be one of "constant", "noam", got "cosine"',
    );
    assert.strictEqual(
      bad({ name: 'x', kind: 'a', nmae: 'y' }),
      'cfg.json: nmae must be one of the known fields (name, size, on, kind, steps, limit, arms, schedule), got an unknown key',
    );
  });

  it("keeps the value's own key order", () => {
    const v = validate({ kind: 'a', size: 2, name: 'x' }, shape, 'test');
    assert.deepStrictEqual(Object.keys(v), ['kind', 'size', 'name']);
  });

  it('reads a JSON file, and says which file cannot be parsed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-'));
    const file = path.join(dir, 'x.json');
    fs.writeFileSync(file, '{"name": "x", "kind": "a"}');
    assert.deepStrictEqual(readJsonFile(file, shape), { name: 'x', kind: 'a' });
    fs.writeFileSync(file, '{"name": ');
    assert.throws(
      () => readJsonFile(file, shape),
      (e: Error) => e.message.startsWith(`cannot read ${file}: `),
    );
    fs.rmSync(dir, { recursive: true });
  });
});

describe('training config file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-config-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (config: unknown): string => {
    const file = path.join(dir, 'cfg.json');
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
  };

  it('reads a valid config as written', () => {
    const config = {
      model: { arch: 'rnn', hiddenDim: 16 },
      training: {
        optimizer: { name: 'adam', learningRate: 0.01 },
        schedule: { kind: 'cosine', warmupSteps: 10, totalSteps: 100 },
        maxSteps: 50,
        stopMetric: 'loss',
      },
      vocabSize: 300,
      directions: ['code2doc'],
      retrieval: 'project',
    };
    assert.deepStrictEqual(readTrainConfig(write(config)), config);
    assert.deepStrictEqual(readTrainConfig(write({ retrieval: true })), { retrieval: true });
  });

  it('says which file and which field is wrong, instead of training with a default', () => {
    const file = write({ training: { maxSteps: 'abc' } });
    assert.throws(
      () => readTrainConfig(file),
      (e: Error) => e.message === `the config ${file}: training.maxSteps must be a number, got "abc"`,
    );
    assert.throws(
      () => readTrainConfig(write({ training: { optimizer: { name: 'adamw', learningRate: 0.1 } } })),
      /training\.optimizer\.name must be one of "adam", "adagrad", "rmsprop", "sgd", got "adamw"/,
    );
    assert.throws(
      () => readTrainConfig(write({ batchsize: 8 })),
      /cfg\.json: batchsize must be one of the known fields/,
    );
    assert.throws(() => readTrainConfig(write({ directions: ['code2doc', 'both'] })), /directions\[1\] must be one of/);
    assert.throws(
      () => readTrainConfig(write({ retrieval: 'yes' })),
      /retrieval must be true, false or "project", got "yes"/,
    );
  });

  it("reads the decoding grid of the recipes as written, and names a bad length reward's path", () => {
    const grid = object(DECODING_GRID_FIELDS);
    for (const version of ['model-v2', 'model-v3']) {
      const recipe = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts', version, 'recipe.json'), 'utf8')) as {
        lengthRewards: unknown;
        reuseSimilarities: unknown;
      };
      const written = { lengthRewards: recipe.lengthRewards, reuseSimilarities: recipe.reuseSimilarities };
      assert.strictEqual(JSON.stringify(readJsonFile(write(written), grid)), JSON.stringify(written), version);
    }
    const file = write({ lengthRewards: [0, { reward: 0.5, limt: 16 }] });
    assert.throws(
      () => readJsonFile(file, grid),
      (e: Error) => e.message === `${file}: lengthRewards[1] must be a number or { "reward", "limit" }, got an object`,
    );
  });

  it('says when the file is not JSON', () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{');
    assert.throws(
      () => readTrainConfig(file),
      (e: Error) => e.message.startsWith(`cannot read the config ${file}: `),
    );
  });
});

describe('worker start data', () => {
  it('the engine worker accepts its options and refuses anything else with the field named', () => {
    const flags = new SharedArrayBuffer(8);
    const ok = { backend: 'wasm', workspaceFolders: ['/ws'], cancelFlags: flags };
    assert.deepStrictEqual(validate(ok, WORKER_OPTIONS, 'start data'), ok);
    assert.throws(() => validate({ backend: 'gpu' }, WORKER_OPTIONS, 'start data'), /start data: backend must be/);
    assert.throws(
      () => validate({ backend: 'cpu', script: '/x.js' }, WORKER_OPTIONS, 'start data'),
      /start data: script .*unknown key/,
    );
    // The client sends only these fields, whatever else its own options carry.
    assert.deepStrictEqual(
      workerOptionsOf({ backend: 'cpu', wasmDir: '/w', script: '/x.js', stuckAfterMs: 5 } as WorkerOptions),
      { backend: 'cpu', wasmDir: '/w' },
    );
  });

  it('a gradient worker refuses start data without its shared buffers', () => {
    const init = {
      backend: 'wasm',
      config: {},
      seed: 1,
      labelSmoothing: 0.1,
      weights: new SharedArrayBuffer(4),
      gradients: new SharedArrayBuffer(4),
    };
    assert.strictEqual(validate(init, REPLICA_INIT, 'init').seed, 1);
    assert.throws(
      () => validate({ ...init, gradients: new ArrayBuffer(4) }, REPLICA_INIT, 'init'),
      /init: gradients must be a SharedArrayBuffer/,
    );
  });
});
