import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scaled } from '../timeScale';
import { buildCorpus } from '../../src/mining/corpus';
import { editorInputProblem, isSecretPath, skipMessage } from '../../src/mining/filters';
import { ExampleMemory } from '../../src/retrieval/retrieval';
import { looksLikeSecret, scrubSecrets } from '../../src/retrieval/secrets';
import { readSourceFile, walkSourceFiles, type WalkSkips } from '../../src/mining/walk';

const KEY = 'AKIAIOSFODNN7EXAMPLE';
const TOKEN = 'ghp_1234567890abcdefghijklmnopqrstuvwxyzAB';

describe('bad input to document, the editor and the miner', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-input-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses /dev/zero linked as a .py file without reading it', async function () {
    if (!fs.existsSync('/dev/zero')) this.skip();
    const link = path.join(tmp, 'zero.py');
    fs.symlinkSync('/dev/zero', link);
    const started = Date.now();
    assert.deepStrictEqual(await readSourceFile(link, 'zero.py'), { reason: 'notAFile' });
    assert.ok(Date.now() - started < scaled(2000));
    assert.match(skipMessage(link, 'notAFile'), /zero\.py skipped: it is not a regular file/);
  });

  it('says why a binary, invalid UTF-8, large or minified file is skipped', async () => {
    const write = (name: string, data: string | Buffer): string => {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, data);
      return f;
    };
    const cases: [string, string | Buffer, string][] = [
      ['bin.py', Buffer.from([0x64, 0x65, 0x66, 0x00, 0x01, 0x02]), 'binary'],
      ['latin1.py', Buffer.from('def caf\xe9():\n    pass\n', 'latin1'), 'invalidUtf8'],
      ['big.js', `// x\n${'let a = 1;\n'.repeat(60_000)}`, 'tooLarge'],
      ['bundle.js', `var a=${'1+'.repeat(3000)}1;\n`, 'minified'],
      ['secrets.py', 'API_KEY = "x"\n', 'secret'],
    ];
    for (const [name, data, reason] of cases) {
      const read = await readSourceFile(write(name, data), name);
      assert.deepStrictEqual(read, { reason }, name);
      assert.match(skipMessage(name, reason as never), new RegExp(`^${name.replace('.', '\\.')} skipped: `));
    }
    const good = await readSourceFile(write('ok.py', 'def f():\n    return 1\n'), 'ok.py');
    assert.deepStrictEqual(good, { content: 'def f():\n    return 1\n' });
  });

  it('the miner counts binary and invalid UTF-8 files as skipped instead of mining replaced text', async () => {
    fs.writeFileSync(path.join(tmp, 'latin1.py'), Buffer.from('def caf\xe9():\n    """Caf\xe9."""\n', 'latin1'));
    fs.writeFileSync(path.join(tmp, 'bin.py'), Buffer.from([0x64, 0x00, 0x66]));
    const skips: WalkSkips = {};
    const files = [];
    for await (const f of walkSourceFiles([tmp], {}, skips)) files.push(f.path);
    assert.deepStrictEqual(files, []);
    assert.strictEqual(skips.invalidUtf8, 1);
    assert.strictEqual(skips.binary, 1);
  });

  it('the editor does not parse a minified or binary document, and says why', () => {
    assert.match(editorInputProblem('/w/app.js', `var a=${'1+'.repeat(3000)}1;`) ?? '', /app\.js skipped: .*minified/);
    assert.match(editorInputProblem('/w/x.py', 'a\0b') ?? '', /binary/);
    assert.strictEqual(editorInputProblem('/w/x.py', 'def f():\n    return 1\n'), undefined);
  });

  it('treats secrets.py, credentials.* and .env-like names as secret files', () => {
    for (const name of [
      'secrets.py',
      'secret.js',
      'app_secrets.py',
      'client_secret.json',
      'credentials.py',
      'credentials',
      '.env',
      '.env.local',
      'prod.env',
      '.envrc',
      'id_ed25519',
      'deploy_rsa',
      'private_key.txt',
      'server.key',
      'service-account-prod.json',
      '.git-credentials',
    ])
      assert.ok(isSecretPath(`src/${name}`), name);
    for (const name of ['secretary.py', 'parser.py', 'environment.ts', 'keyboard.rs', 'credit.py'])
      assert.ok(!isSecretPath(`src/${name}`), name);
  });

  it('scrubs key-like string literals from mined code and from the retrieval memory', async () => {
    assert.ok(looksLikeSecret(KEY) && looksLikeSecret(TOKEN) && looksLikeSecret('q8Zr2LmX0vTn5WcY7bPa3KdE9hJs'));
    assert.ok(!looksLikeSecret('Hello, world') && !looksLikeSecret('application/json') && !looksLikeSecret('abc123'));
    const code = `def connect():\n    """Open a connection to the store."""\n    return Client("${KEY}", token='${TOKEN}', name="store")\n`;
    assert.ok(!scrubSecrets(code).includes(KEY) && scrubSecrets(code).includes('"store"'));
    const report = await buildCorpus([{ path: 'db.py', content: code }], { minCodeTokens: 1 } as never);
    assert.ok(report.pairs.length > 0, 'the function was mined');
    for (const p of report.pairs) assert.ok(!p.code.includes(KEY) && !p.code.includes(TOKEN), p.code);
    const memory = JSON.stringify(
      ExampleMemory.build([{ path: 'db.py', code, summary: `Uses ${KEY} to connect.` } as never]).toJSON(),
    );
    for (const secret of [KEY, TOKEN, 'AKIAIOSFODNN', 'EXAMPLE', 'abcdefghijklmnopqrstuvwxyz'])
      assert.ok(!memory.toLowerCase().includes(secret.toLowerCase()), `memory.json holds ${secret}`);
  });
});
