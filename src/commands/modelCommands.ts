/**
 * Select Model…, Import Model…, Export Model… and deleting a model. The active model is
 * remembered per workspace (falling back to the `seq2seq.model` setting, then the bundled
 * default). Imports are validated by loading the model before anything is replaced.
 */
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import { describe, type ActiveModel } from '../host/activeModel';
import { DEFAULT_MODEL_ID, type ModelEntry, type ModelValidator } from '../host/modelStore';

function detail(model: ModelEntry): string {
  const s = model.summary;
  const parts: string[] = [];
  if (s?.arch) parts.push(s.arch);
  for (const [k, v] of Object.entries(s?.metrics ?? {}).slice(0, 4))
    parts.push(`${k} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
  if (s?.corpus) parts.push(`trained on ${s.corpus}`);
  if (s?.createdAt) parts.push(s.createdAt.slice(0, 10));
  return parts.join(' · ');
}

export function selectModel(ctx: Seq2SeqContext, active: ActiveModel) {
  return async (): Promise<void> => {
    const models = active.store.list();
    if (models.length === 0) {
      void vscode.window.showWarningMessage(
        'Seq2Seq: no model is available. Import one with "Seq2Seq: Import Model…" or fine-tune on your workspace.',
      );
      return;
    }
    const current = active.current();
    const picked = await vscode.window.showQuickPick(
      models.map((m) => ({
        label: `${m.id === current?.id ? '$(check) ' : ''}${m.bundled ? 'Default (bundled)' : m.id}`,
        description: m.bundled ? 'ships with Seq2Seq Studio' : 'fine-tuned or imported',
        detail: detail(m),
        model: m,
        buttons: m.bundled ? [] : [{ iconPath: new vscode.ThemeIcon('trash'), tooltip: 'Delete this model' }],
      })),
      { title: 'Seq2Seq: select the model', matchOnDetail: true },
    );
    if (!picked) return;
    await active.set(picked.model.id);
    ctx.log.info(`model: ${picked.model.id} selected`);
  };
}

export function deleteModel(ctx: Seq2SeqContext, active: ActiveModel) {
  return async (id?: string): Promise<void> => {
    const candidates = active.store.list().filter((m) => !m.bundled);
    const target =
      id ??
      (await vscode.window.showQuickPick(
        candidates.map((m) => m.id),
        { title: 'Seq2Seq: delete a model' },
      ));
    if (!target) return;
    const answer = await vscode.window.showWarningMessage(
      `Delete the model "${target}"? This cannot be undone.`,
      { modal: true },
      'Delete',
    );
    if (answer !== 'Delete') return;
    active.store.delete(target);
    if (active.current()?.id !== target) await active.set(active.current()?.id ?? DEFAULT_MODEL_ID);
    ctx.log.info(`model: ${target} deleted`);
  };
}

export function importModel(ctx: Seq2SeqContext, active: ActiveModel, validate: ModelValidator) {
  return async (): Promise<void> => {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      title: 'Seq2Seq: import a model folder',
      openLabel: 'Import',
    });
    const folder = picked?.[0];
    if (!folder) return;
    try {
      const entry = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: checking the model…' },
        () => active.store.import(folder.fsPath, validate),
      );
      const use = await vscode.window.showInformationMessage(`Seq2Seq: imported "${entry.id}".`, 'Use it now');
      if (use) await active.set(entry.id);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      ctx.log.warn(`import failed: ${msg}`);
      void vscode.window.showErrorMessage(
        `Seq2Seq: that model cannot be imported: ${msg} The current model is unchanged.`,
      );
    }
  };
}

export function exportModel(ctx: Seq2SeqContext, active: ActiveModel) {
  return async (): Promise<void> => {
    const model = active.current();
    if (!model) {
      void vscode.window.showInformationMessage('Seq2Seq: there is no model to export yet.');
      return;
    }
    const target = await vscode.window.showSaveDialog({
      title: `Seq2Seq: export "${describe(model)}" to a new folder`,
      saveLabel: 'Export',
      defaultUri: vscode.Uri.file(`seq2seq-model-${describe(model)}`),
    });
    if (!target) return;
    try {
      active.store.export(model.id, target.fsPath);
      void vscode.window.showInformationMessage(`Seq2Seq: exported "${describe(model)}" to ${target.fsPath}.`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      ctx.log.warn(`export failed: ${msg}`);
      void vscode.window.showErrorMessage(`Seq2Seq: export failed: ${msg}`);
    }
  };
}
