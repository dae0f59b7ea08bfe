/** The extension inside a real extension host: activation, commands, engine start. */
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'seq2seq-studio.seq2seq-studio';

describe('Seq2Seq Studio in VS Code', () => {
  it('registers every contributed command once activated', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
    const contributed = (ext.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of contributed) assert.ok(registered.has(command), `${command} is not registered`);
  });

  it('starts a TensorFlow.js backend and reports which one', async () => {
    const text = await vscode.commands.executeCommand<string | undefined>('seq2seq.showEngineStatus');
    assert.match(text ?? '', /Using (WebAssembly|TensorFlow|JavaScript CPU)/);
  });
});
