/**
 * Records what the user does with generated doc comments (src/learning/corrections.ts): each
 * insertion is remembered in memory with its document; each save of that document reads the file
 * as mining does (tree-sitter, loaded on the first such save) and stores every insertion's verdict
 * in the workspace's own storage (`context.storageUri`), nowhere else. Nothing is recorded in an
 * untrusted workspace, without a workspace folder, or while `seq2seq.learning.mode` is `off`.
 * An insertion is judged again on every later save of its file in this session, so a comment
 * edited after an (auto)save ends up with the verdict of its last save.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AnalyzedFunction } from '../docComments/analyze';
import type { CorpusLanguage } from '../parsing/languages';
import type { Miner } from '../mining/mine';
import { snippetPlainText } from '../docComments/snippet';
import {
  CorrectionStore,
  generatedParts,
  judgeSave,
  rememberedComments,
  signatureOf,
  verdictCounts,
  type Correction,
  type Insertion,
} from '../learning/corrections';
import type { RememberedComment } from '../inference/translation';
import { learningSettings } from './settings';

export class CorrectionRecorder implements vscode.Disposable {
  /** Insertions by document URI, judged on each save of that document. */
  private readonly pending = new Map<string, Insertion[]>();
  private miner: Promise<Miner> | undefined;
  private readonly changed = new vscode.EventEmitter<readonly Correction[]>();
  /** Fires with the corrections each save stored. */
  readonly onDidRecord = this.changed.event;
  private readonly subs: vscode.Disposable[];
  readonly store: CorrectionStore | undefined;

  constructor(
    storage: vscode.Uri | undefined,
    private readonly log: { info(m: string): void; warn(m: string): void },
    /** Where the tree-sitter grammars are (the extension's dist/); default: found beside the parser. */
    private readonly wasmDir?: string,
  ) {
    this.store = storage ? new CorrectionStore(storage.fsPath) : undefined;
    this.subs = [
      vscode.workspace.onDidSaveTextDocument((doc) => void this.judge(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.pending.delete(doc.uri.toString())),
    ];
  }

  /** {@link remembered}'s list, until the next save or forget. */
  private rememberedCache: RememberedComment[] | undefined;

  /**
   * The kept and corrected summaries code → comment remembers in its decoder
   * (`seq2seq.learning.rememberCorrections`); none while recording is off here.
   */
  remembered(): readonly RememberedComment[] {
    if (!this.enabled || !this.store || !learningSettings().rememberCorrections) return [];
    return (this.rememberedCache ??= rememberedComments(this.store.list()));
  }

  /** Whether verdicts may be recorded here and now. */
  get enabled(): boolean {
    return this.store !== undefined && vscode.workspace.isTrusted && learningSettings().mode !== 'off';
  }

  /** Remembers a generated comment just inserted for `fn` (`snippet`: the inserted snippet text). */
  recordInsertion(doc: vscode.TextDocument, lang: CorpusLanguage, fn: AnalyzedFunction, snippet: string): void {
    if (!this.enabled || doc.uri.scheme !== 'file') return;
    const parts = generatedParts(snippetPlainText(snippet));
    if (parts.length === 0) return;
    const key = doc.uri.toString();
    const insertion: Insertion = {
      id: `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`,
      uri: key,
      path: doc.uri.fsPath.split(path.sep).join('/'),
      lang,
      name: fn.shape.name,
      signature: signatureOf(fn.code, fn.shape.name),
      line: fn.startLine + 1,
      insertedAt: new Date().toISOString(),
      parts,
    };
    this.pending.set(key, [...(this.pending.get(key) ?? []), insertion]);
  }

  /** Judges the document's insertions against its saved text and stores the verdicts. */
  async judge(doc: vscode.TextDocument): Promise<readonly Correction[]> {
    const key = doc.uri.toString();
    const insertions = this.pending.get(key);
    if (!insertions?.length || !this.enabled || !this.store) return [];
    try {
      const { Miner } = await import('../mining/mine');
      this.miner ??= Promise.resolve(new Miner(this.wasmDir ? { wasmDir: this.wasmDir } : {}));
      const text = doc.getText();
      const saved = await (await this.miner).mine({ path: insertions[0]!.path, content: text }, insertions[0]!.lang);
      const judged: Correction[] = [];
      const kept: Insertion[] = [];
      for (const insertion of insertions) {
        const c = judgeSave(insertion, saved, text.replace(/\r\n?/g, '\n'));
        if (c) {
          judged.push(c);
          kept.push({ ...insertion, line: c.line });
        }
      }
      this.pending.set(key, kept);
      this.store.put(judged);
      this.rememberedCache = undefined;
      const n = verdictCounts(judged);
      this.log.info(
        `corrections: ${path.basename(doc.fileName)} saved: ${n.kept} kept, ${n.edited} edited, ${n.deleted} deleted`,
      );
      if (judged.length) this.changed.fire(judged);
      return judged;
    } catch (e) {
      this.log.warn(`corrections: could not judge ${doc.fileName} (${e instanceof Error ? e.message : String(e)})`);
      return [];
    }
  }

  /** Forgets every stored verdict, its last view, and every insertion not yet saved. */
  forget(): void {
    this.pending.clear();
    this.rememberedCache = undefined;
    this.store?.clear();
    if (this.store) fs.rmSync(path.join(this.store.dir, 'corrections.md'), { force: true });
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.changed.dispose();
    void this.miner?.then((m) => m.dispose());
  }
}

/** The stored corrections as a Markdown page (Show Learned Corrections). */
export function correctionsMarkdown(corrections: readonly Correction[], where: string): string {
  const n = verdictCounts(corrections);
  const lines = [
    '# Seq2Seq: learned corrections',
    '',
    `Stored only in this workspace's storage (${where}); nothing leaves this machine. ` +
      `Run "Seq2Seq: Forget Learned Corrections" to delete them, or set seq2seq.learning.mode to "off" to stop recording.`,
    '',
    `${corrections.length} comments: ${n.kept} parts kept, ${n.edited} edited, ${n.deleted} deleted.`,
    '',
  ];
  for (const c of [...corrections].sort((a, b) => b.decidedAt.localeCompare(a.decidedAt))) {
    lines.push(`## \`${c.name}\` — ${vscode.workspace.asRelativePath(vscode.Uri.parse(c.uri))}:${c.line}`, '');
    for (const p of c.parts)
      lines.push(`- **${p.part}** ${p.verdict}: “${p.inserted}”${p.verdict === 'edited' ? ` → “${p.now ?? ''}”` : ''}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function showCorrections(recorder: CorrectionRecorder) {
  return async (): Promise<void> => {
    if (!recorder.store) {
      void vscode.window.showInformationMessage('Seq2Seq: open a folder: corrections are kept per workspace.');
      return;
    }
    const all = recorder.store.list();
    if (all.length === 0) {
      void vscode.window.showInformationMessage(
        recorder.enabled
          ? 'Seq2Seq: no corrections yet. Insert a generated doc comment, keep or edit it, and save the file.'
          : 'Seq2Seq: no corrections; recording is off here (an untrusted workspace, or seq2seq.learning.mode is "off").',
      );
      return;
    }
    // A file beside the store, not an untitled document: it closes without a save prompt.
    const file = vscode.Uri.file(path.join(recorder.store.dir, 'corrections.md'));
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(correctionsMarkdown(all, recorder.store.file)));
    await vscode.window.showTextDocument(file, { preview: true });
  };
}

export function forgetCorrections(recorder: CorrectionRecorder) {
  return async (): Promise<void> => {
    const n = recorder.store?.list().length ?? 0;
    if (n === 0) {
      recorder.forget();
      void vscode.window.showInformationMessage('Seq2Seq: there are no learned corrections to forget.');
      return;
    }
    const yes = await vscode.window.showWarningMessage(
      `Seq2Seq: forget the ${n} corrections learned in this workspace? Models already trained on them are kept.`,
      { modal: true },
      'Forget',
    );
    if (yes !== 'Forget') return;
    recorder.forget();
    void vscode.window.showInformationMessage(`Seq2Seq: forgot ${n} corrections.`);
  };
}
