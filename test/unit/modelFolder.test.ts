/**
 * The model folder's format (src/modelFolder/format.ts): the bundled model, format version 1, reads
 * unchanged into the typed meta; the meta parser keeps what loading always kept; provenance paths
 * are relative inside the training folder; tuned decoding is recorded without touching the weights.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  CONFIG_FILE,
  MEMORY_FILE,
  MODEL_FORMAT_VERSION,
  ModelFolderError,
  TOKENIZER_FILE,
  memoryFileName,
  parseModelMeta,
  peekConfigFile,
  provenancePath,
  readConfigFile,
  retrievalScope,
  writeDecodingMeta,
  writeStaleSummaryMeta,
} from '../../src/modelFolder/format';

const BUNDLED = path.join(__dirname, '..', '..', '..', 'media', 'models', 'default');

describe('model folder format', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-folder-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads the bundled model (format version 1) into the typed meta, its retrieval scope matching its files', () => {
    const file = readConfigFile(BUNDLED);
    assert.strictEqual(file.formatVersion, MODEL_FORMAT_VERSION);
    assert.strictEqual(file.meta.tokenizer, TOKENIZER_FILE);
    // A model that ships a memory retrieves from it (and the workspace); a project-scoped one
    // ships none and reads its neighbours from the workspace only.
    const shipsMemory = fs.existsSync(path.join(BUNDLED, MEMORY_FILE));
    assert.strictEqual(memoryFileName(file.meta), shipsMemory ? MEMORY_FILE : undefined);
    assert.strictEqual(retrievalScope(file.meta), shipsMemory ? 'corpus' : 'project');
    assert.ok(file.meta.training && file.meta.training.trainPairs! > 0);
    const raw = JSON.parse(fs.readFileSync(path.join(BUNDLED, CONFIG_FILE), 'utf8')) as {
      meta: { decoding: unknown };
      weightsBytes: number;
    };
    assert.deepStrictEqual(file.meta.decoding, raw.meta.decoding);
    assert.strictEqual(file.weightsBytes, raw.weightsBytes);
  });

  it('refuses another format version, a missing file and bad JSON with what to do', () => {
    assert.throws(
      () => readConfigFile(tmp),
      (e: Error) => e instanceof ModelFolderError && /is missing/.test(e.message),
    );
    fs.writeFileSync(path.join(tmp, CONFIG_FILE), '{"formatVer');
    assert.throws(() => readConfigFile(tmp), /not valid JSON/);
    assert.strictEqual(peekConfigFile(tmp), undefined);
    fs.writeFileSync(path.join(tmp, CONFIG_FILE), JSON.stringify({ formatVersion: 2, meta: {} }));
    assert.throws(() => readConfigFile(tmp), /format version 2.*Update the extension/);
  });

  it('types project-scoped retrieval and leaves out decoding values no decoder would use', () => {
    const meta = parseModelMeta({
      createdAt: 'now',
      retrieval: { scope: 'project', graded: false, neighbourTokens: 24 },
      decoding: { lengthReward: -1, lengthRewardLimit: 8, reuseSimilarity: null },
      step: 'x',
    });
    assert.deepStrictEqual(meta, {
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: 'now',
      retrieval: { scope: 'project', graded: false, neighbourTokens: 24 },
      decoding: { lengthRewardLimit: 8, reuseSimilarity: null },
    });
    assert.strictEqual(retrievalScope(meta), 'project');
    assert.strictEqual(memoryFileName(meta), undefined);
    assert.throws(() => parseModelMeta({ tokenizer: 3 }), /not a file inside the model folder/);
  });

  it('records the corpus relative to the folder training ran from, else absolute', () => {
    assert.strictEqual(provenancePath(path.join(tmp, 'cache', 'corpus.jsonl'), tmp), 'cache/corpus.jsonl');
    const outside = path.resolve(tmp, '..', 'elsewhere.jsonl');
    assert.strictEqual(provenancePath(outside, tmp), outside);
  });

  it('writes tuned decoding into config.json and keeps every other field', () => {
    const before = { formatVersion: 1, config: { arch: 'rnn' }, meta: { createdAt: 't', step: 3 }, weightsBytes: 9 };
    fs.writeFileSync(path.join(tmp, CONFIG_FILE), JSON.stringify(before));
    writeDecodingMeta(tmp, { lengthReward: 0.5, reuseSimilarity: 0.8 });
    const after = JSON.parse(fs.readFileSync(path.join(tmp, CONFIG_FILE), 'utf8')) as unknown;
    assert.deepStrictEqual(after, {
      ...before,
      meta: { ...before.meta, decoding: { lengthReward: 0.5, reuseSimilarity: 0.8 } },
    });
    assert.deepStrictEqual(fs.readdirSync(tmp), [CONFIG_FILE]);
  });

  it('writes the stale-summary calibration, and reads one only when every number is usable', () => {
    const calibration = {
      pmi: { mean: -0.5, sd: 1.2 },
      overlap: { mean: 0.1, sd: 0.05 },
      threshold: -1.3,
      precision: 0.71,
      recall: 0.4,
    };
    fs.writeFileSync(path.join(tmp, CONFIG_FILE), JSON.stringify({ formatVersion: 1, meta: { step: 3 } }));
    writeStaleSummaryMeta(tmp, calibration);
    assert.deepStrictEqual(readConfigFile(tmp).meta.staleSummary, calibration);
    assert.strictEqual(readConfigFile(tmp).meta.step, 3);
    for (const broken of [
      { ...calibration, threshold: null },
      { ...calibration, pmi: { mean: 0, sd: 0 } },
      { ...calibration, overlap: undefined },
      'yes',
    ])
      assert.strictEqual(parseModelMeta({ staleSummary: broken }).staleSummary, undefined, JSON.stringify(broken));
  });
});
