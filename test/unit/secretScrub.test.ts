/**
 * No secret at rest: every secret shape of secretShapes.ts comes out scrubbed of the workspace
 * index file the extension's worker writes and of the corpus `mine` writes (code, summaries,
 * parameter descriptions), and ordinary code is left alone (the false-positive rate on the
 * project's own sources is measured and bounded).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FunctionIndex, INDEX_FORMAT } from '../../src/retrieval/functionIndex';
import { buildCorpus } from '../../src/mining/corpus';
import { SCRUBBED, scrubSecrets } from '../../src/retrieval/secrets';
import { WorkspaceIndexes } from '../../src/worker/indexes';
import { registerDataCommands } from '../../src/cli/dataCommands';
import { runCli } from './cliHarness';
import { NOT_SECRETS, SECRET_SHAPES, secretModule } from './secretShapes';

const ALL_SECRETS = SECRET_SHAPES.flatMap((s) => s.secrets);

function leaks(text: string): string[] {
  return SECRET_SHAPES.filter((s) => s.secrets.some((k) => text.includes(k))).map((s) => s.name);
}

/** Every .ts file under `dir`. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('secret scrubbing', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scrubs every shape in code and in prose', () => {
    for (const shape of SECRET_SHAPES) {
      const code = scrubSecrets(shape.code);
      assert.deepStrictEqual(leaks(code), [], `${shape.name}: ${code}`);
      assert.ok(code.includes(SCRUBBED), shape.name);
      if (shape.prose) {
        const prose = scrubSecrets(`# ${shape.prose}.`);
        assert.deepStrictEqual(leaks(prose), [], `${shape.name} in prose: ${prose}`);
      }
    }
  });

  it('leaves ordinary code, digests, UUIDs, base64 test data and lockfile hashes alone', () => {
    for (const line of NOT_SECRETS) assert.strictEqual(scrubSecrets(line), line);
    // A JavaScript key split over + and a private key in a JSON string (escaped newlines) go too.
    const js = `const key = "AKIA" + "Z7QW5ERT2YUI4OPA";\nconst pem = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n";`;
    const out = scrubSecrets(js);
    assert.ok(!out.includes('Z7QW5ERT2YUI4OPA') && !out.includes('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'), out);
    assert.strictEqual(scrubSecrets(out), out, 'scrubbing twice changes nothing');
  });

  it('writes no secret into the workspace index file (code, summaries, parameter texts)', async () => {
    const root = path.join(dir, 'project');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'service.py'), secretModule());
    const storageFile = path.join(dir, 'storage', 'workspace-index', 'index.json');
    const indexes = new WorkspaceIndexes();
    try {
      await indexes.build(
        { root, storageFile },
        () => undefined,
        () => false,
      );
    } finally {
      indexes.parsers().dispose();
    }
    const saved = fs.readFileSync(storageFile, 'utf8');
    assert.deepStrictEqual(leaks(saved), []);
    // Not vacuous: every function is there, with its summary and parameter texts, scrubbed.
    const index = FunctionIndex.fromJSON(JSON.parse(saved));
    assert.strictEqual(index.size, 2 * SECRET_SHAPES.length);
    const documented = index.functions().filter((f) => f.summary);
    assert.ok(documented.length >= SECRET_SHAPES.length - 2, `${documented.length} summaries kept`);
    const scrubbedSummaries = documented.filter((f) => f.summary!.includes(SCRUBBED)).length;
    const scrubbedParams = documented.filter((f) => f.params?.some((p) => p.description.includes(SCRUBBED))).length;
    assert.ok(scrubbedSummaries >= SECRET_SHAPES.filter((s) => s.prose).length - 2, `${scrubbedSummaries} summaries`);
    assert.ok(scrubbedParams >= SECRET_SHAPES.filter((s) => s.prose).length - 2, `${scrubbedParams} parameters`);
    assert.strictEqual(
      index.functions().filter((f) => f.code.includes(SCRUBBED)).length,
      2 * SECRET_SHAPES.length,
      'every function body had its secret scrubbed',
    );
    // An index written before scrubbing (version 2) is not loaded: it is rebuilt and overwritten.
    const old = path.join(dir, 'old.json');
    fs.writeFileSync(old, JSON.stringify({ ...JSON.parse(saved), format: INDEX_FORMAT, version: 2 }));
    assert.strictEqual(FunctionIndex.load(old, root), undefined);
  });

  it('writes no secret into the mined corpus (code, doc, summary, parameters)', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'service.py'), secretModule());
    const out = path.join(dir, 'corpus.jsonl');
    await runCli(registerDataCommands, ['mine', src, '--out', out]);
    const written = fs.readFileSync(out, 'utf8');
    assert.deepStrictEqual(leaks(written), []);
    const pairs = written
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { summary: string; params: { description: string }[]; code: string });
    assert.ok(pairs.length >= SECRET_SHAPES.length - 2, `${pairs.length} pairs written`);
    assert.ok(
      pairs.filter((p) => p.summary.includes(SCRUBBED)).length >= SECRET_SHAPES.filter((s) => s.prose).length - 2,
    );
    assert.ok(pairs.filter((p) => p.params.some((q) => q.description.includes(SCRUBBED))).length > 0);
    // The extension's corpus (workspace documents, no walker) goes through the same miner.
    const report = await buildCorpus([{ path: 'service.py', content: secretModule() }]);
    assert.deepStrictEqual(leaks(JSON.stringify(report.pairs)), []);
    assert.ok(
      ALL_SECRETS.every((k) => secretModule().includes(k)),
      'the fixture holds every secret',
    );
  });

  it('changes almost none of the project’s own source files (false positives)', () => {
    const files = sourceFiles(path.join(__dirname, '..', '..', '..', 'src'));
    assert.ok(files.length > 100, `${files.length} source files`);
    const changed: string[] = [];
    let lines = 0;
    let changedLines = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const scrubbed = scrubSecrets(text);
      const a = text.split('\n');
      lines += a.length;
      if (scrubbed === text) continue;
      const b = scrubbed.split('\n');
      const diff = a.filter((l, i) => l !== b[i]);
      changedLines += diff.length;
      changed.push(`${path.relative(process.cwd(), f)}: ${diff.map((l) => l.trim()).join(' | ')}`);
    }
    const rate = changed.length / files.length;
    console.log(
      `      false positives: ${changed.length} of ${files.length} files (${(100 * rate).toFixed(2)}%), ` +
        `${changedLines} of ${lines} lines${changed.length ? `:\n        ${changed.join('\n        ')}` : ''}`,
    );
    assert.ok(rate <= 0.01, `${changed.length} files changed`);
  });
});
