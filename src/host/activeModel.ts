/**
 * The active model: remembered per workspace, falling back to the `seq2seq.model` setting, then
 * the bundled default.
 */
import type { Seq2SeqContext } from './context';
import { DEFAULT_MODEL_ID, type ModelEntry, type ModelStore } from './modelStore';
import { engineSettings } from './settings';

const ACTIVE_KEY = 'seq2seq.activeModel';

export class ActiveModel {
  constructor(
    private readonly ctx: Seq2SeqContext,
    readonly store: ModelStore,
  ) {}

  /** The model to use now; undefined when none is available at all. */
  current(): ModelEntry | undefined {
    const wanted =
      this.ctx.extension.workspaceState.get<string>(ACTIVE_KEY) || engineSettings().model || DEFAULT_MODEL_ID;
    return this.store.get(wanted) ?? this.store.get(DEFAULT_MODEL_ID) ?? this.store.list()[0];
  }

  async set(id: string): Promise<void> {
    await this.ctx.extension.workspaceState.update(ACTIVE_KEY, id);
    const model = this.current();
    this.ctx.statusBar.update({ model: model ? describe(model) : 'none' });
  }
}

export function describe(model: ModelEntry): string {
  return model.bundled ? 'default' : model.id;
}
