import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { selectBackend, tensorflowPathProblem } from '../../src/core/backend';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { scope?: string }> }[] };
  capabilities?: {
    untrustedWorkspaces?: { supported?: unknown; description?: string };
    virtualWorkspaces?: { supported?: unknown; description?: string };
  };
};

describe('seq2seq.tensorflowPath and workspace trust', () => {
  let workspace: string;
  const flag = '__seq2seqWorkspaceCodeRan';
  beforeEach(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-tfpath-'));
    // A repository that ships "tfjs-node": loading it runs the repository's code.
    const fake = path.join(workspace, 'tools', 'node_modules', '@tensorflow', 'tfjs-node');
    fs.mkdirSync(fake, { recursive: true });
    fs.writeFileSync(path.join(fake, 'index.js'), `globalThis.${flag} = true;\n`);
    fs.writeFileSync(path.join(fake, 'package.json'), '{"name":"@tensorflow/tfjs-node","main":"index.js"}');
  });
  afterEach(() => {
    delete (globalThis as Record<string, unknown>)[flag];
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('is a machine setting, so a workspace .vscode/settings.json cannot set it', () => {
    const declared = manifest.contributes.configuration.find((g) => g.properties['seq2seq.tensorflowPath']);
    assert.strictEqual(declared?.properties['seq2seq.tensorflowPath']?.scope, 'machine');
  });

  it('declares limited support for untrusted workspaces and none for virtual ones, with reasons', () => {
    assert.strictEqual(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.match(manifest.capabilities?.untrustedWorkspaces?.description ?? '', /fine-tuning/i);
    assert.strictEqual(manifest.capabilities?.virtualWorkspaces?.supported, false);
    assert.match(manifest.capabilities?.virtualWorkspaces?.description ?? '', /disk/);
  });

  it('never loads tfjs-node from a folder inside a workspace folder, and says why', async () => {
    const choice = await selectBackend({
      setting: 'tensorflow',
      tensorflowPath: path.join(workspace, 'tools'),
      workspaceFolders: [workspace],
      loaders: { wasm: async () => undefined, cpu: async () => undefined },
      activate: async (name) => name !== 'tensorflow',
    });
    assert.strictEqual((globalThis as Record<string, unknown>)[flag], undefined, 'the workspace code ran');
    assert.notStrictEqual(choice.name, 'tensorflow');
    assert.match(choice.attempts[0]?.error ?? '', /inside the workspace folder/);
  });

  it('sees through a symbolic link that leads into the workspace', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-tflink-'));
    try {
      const link = path.join(outside, 'tf');
      fs.symlinkSync(path.join(workspace, 'tools'), link);
      assert.match(tensorflowPathProblem(link, [workspace]) ?? '', /never loads code from a workspace/);
      assert.strictEqual(tensorflowPathProblem(outside, [workspace]), undefined);
      assert.strictEqual(tensorflowPathProblem('', [workspace]), undefined);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
