/**
 * The extension host's handle on the engine. Nothing heavy loads at activation: TensorFlow.js
 * and the backend are imported on first use (a separate webpack chunk), and the outcome is
 * shown in the status bar and the log.
 */
import type { BackendChoice } from '../core/backend';
import type { Seq2SeqContext } from '../context';
import { engineSettings } from './settings';

export class EngineHost {
  private backend: Promise<BackendChoice> | undefined;

  constructor(private readonly ctx: Seq2SeqContext) {}

  /** Starts (once) the backend chosen by `seq2seq.backend`. */
  ensureBackend(): Promise<BackendChoice> {
    if (!this.backend) {
      this.backend = this.startBackend();
      // A failed start is not cached: the user may fix the setting and try again.
      this.backend.catch(() => (this.backend = undefined));
    }
    return this.backend;
  }

  /** Forgets the running backend so the next use applies a changed setting. */
  reset(): void {
    this.backend = undefined;
  }

  private async startBackend(): Promise<BackendChoice> {
    const { selectBackend, backendLabel } = await import('../core/backend');
    const settings = engineSettings();
    const choice = await selectBackend({
      setting: settings.backend,
      ...(settings.tensorflowPath ? { tensorflowPath: settings.tensorflowPath } : {}),
      log: (line) => this.ctx.log.info(line),
    });
    this.ctx.statusBar.update({ backend: backendLabel(choice.name), backendReason: choice.reason });
    return choice;
  }
}
