/** Commands about the engine itself: which backend runs and why. */
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import type { EngineHost } from '../host/engineHost';

export function showEngineStatus(ctx: Seq2SeqContext, engine: EngineHost) {
  return async (): Promise<string | undefined> => {
    try {
      const ready = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Seq2Seq: starting TensorFlow.js…' },
        () => engine.ensureBackend(),
      );
      const text = `Seq2Seq engine: ${ready.reason} Extension activated in ${ctx.activationMs.toFixed(1)} ms.`;
      ctx.log.info(text);
      void vscode.window.showInformationMessage(text);
      return text;
    } catch (e) {
      const text = `Seq2Seq could not start the engine: ${e instanceof Error ? e.message : String(e)}. Set "seq2seq.backend" to "cpu" and try again.`;
      ctx.log.error(text);
      void vscode.window.showErrorMessage(text);
      return undefined;
    }
  };
}
