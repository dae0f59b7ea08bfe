/**
 * Evaluate Model: how well the active model documents this workspace. Mines the workspace's
 * documented functions (as fine-tuning does), takes the test split that fine-tuning holds out
 * (same seed and fractions, so a model fine-tuned here is scored on files it never trained on),
 * decodes each function's code in the worker with the editor's decoding settings, and opens a
 * Markdown report: corpus BLEU-4, smoothed BLEU-4 and exact match per language against the
 * function name split into words, then the best and worst comments with links to the code. The
 * report is saved beside the mined corpus in the extension's storage (`evaluations/<time>/`).
 */
import { requireTrust } from '../host/trust';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import type { CorpusRecord } from '../mining/dataset';
import { FINE_TUNE_JOB_DEFAULTS } from '../training/trainingDefaults';
import { decodingSettings, fineTuneSeed, requestDecoding } from '../host/settings';
import type { Translator } from '../inference/translation';
import type { EngineHost } from '../host/engineHost';
import type { ActiveModel } from '../host/activeModel';
import { mineWorkspace, perLanguageSummary } from './workspaceCorpus';

/** Most functions decoded (shared equally by the languages), so a large workspace takes minutes, not hours. */
export const MAX_EVAL_PAIRS = 200;
/** Fewer scored functions than this get a warning that the figures are rough. */
const ROUGH_BELOW = 30;
/** Examples listed at each end of the report. */
const EXAMPLES = 8;

export interface EvaluateServices {
  readonly engine: Translator & Pick<EngineHost, 'mine'>;
  readonly active: ActiveModel;
}

export interface ScoredPair {
  readonly record: CorpusRecord;
  readonly output: string;
  /** Smoothed sentence BLEU-4, 0-100. */
  readonly sentenceBleu: number;
  /** The output is a similar training function's summary, reused. */
  readonly reused?: boolean;
}

/** Which pairs to score: fine-tuning's test split when it has any, else every pair (and says so). */
export async function evaluationPairs(
  records: readonly CorpusRecord[],
  seed: number,
): Promise<{ pairs: CorpusRecord[]; heldOut: boolean }> {
  const { splitByFile } = await import('../mining/dedupSplit');
  const { perLanguageSample } = await import('../training/quality');
  const { validFraction, testFraction } = FINE_TUNE_JOB_DEFAULTS;
  const test = splitByFile(records, { seed, validFraction, testFraction }).test;
  const heldOut = test.length > 0;
  return { pairs: perLanguageSample(heldOut ? test : records, MAX_EVAL_PAIRS), heldOut };
}

/** The report: settings, the per-language table, and the best and worst examples. */
export async function evaluationReport(input: {
  readonly model: string;
  readonly roots: readonly string[];
  readonly mined: { readonly files: number; readonly pairs: number; readonly perLanguage: Record<string, number> };
  readonly heldOut: boolean;
  readonly scored: readonly ScoredPair[];
  readonly decoding: { readonly beamSize: number; readonly lengthPenalty: number; readonly lengthReward: number };
  readonly seconds: number;
}): Promise<string> {
  const { scoreSystems, qualityTable } = await import('../training/quality');
  const { nameBaseline } = await import('../retrieval/retrieval');
  const records = input.scored.map((s) => s.record);
  const rows = scoreSystems(records, {
    model: input.scored.map((s) => s.output),
    name: records.map((r) => nameBaseline(r.name)),
  });
  const link = (r: CorpusRecord): string => {
    const file = path.isAbsolute(r.path) ? r.path : path.join(input.roots[0] ?? '', r.path);
    const label = input.roots.reduce((p, root) => (p.startsWith(root) ? path.relative(root, p) : p), file);
    return `[${label}:${r.line}](${vscode.Uri.file(file)
      .with({ fragment: `L${r.line}` })
      .toString()})`;
  };
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim() || '*(empty)*';
  const ranked = [...input.scored].sort((a, b) => b.sentenceBleu - a.sentenceBleu);
  const examples = (list: readonly ScoredPair[]): string =>
    [
      '| function | written by the author | written by the model | smoothed BLEU-4 |',
      '| --- | --- | --- | ---: |',
      ...list.map(
        (s) =>
          `| ${link(s.record)} \`${cell(s.record.name)}\` | ${cell(s.record.summary)} | ${cell(s.output)}${s.reused ? ' *(reused)*' : ''} | ${s.sentenceBleu.toFixed(1)} |`,
      ),
    ].join('\n');
  const n = input.scored.length;
  const reused = input.scored.filter((s) => s.reused).length;
  return `# Seq2Seq: evaluation of "${input.model}"

${input.mined.pairs} documented functions in ${input.mined.files} files (${perLanguageSummary(input.mined.perLanguage)}); ${
    input.heldOut
      ? `scored ${n} of the test split that fine-tuning holds out (split by file, seed \`seq2seq.training.seed\`), so a model fine-tuned on this workspace never trained on them.`
      : `the workspace is too small to hold out a test split, so all ${n} are scored; a model fine-tuned on this workspace has trained on them.`
  } Code → comment, beam ${input.decoding.beamSize}, length penalty ${input.decoding.lengthPenalty}, length reward ${input.decoding.lengthReward}, ${input.seconds.toFixed(1)} s.${
    reused > 0
      ? ` ${reused} of the ${n} outputs are the summary of a similar function the model was trained on, reused (\`seq2seq.decoding.reuseSimilarSummaries\`).`
      : ''
  }${n < ROUGH_BELOW ? ` With ${n} functions the scores are rough: a single comment moves them by points.` : ''}

${qualityTable(rows)}

- **model**: the active model. **name**: the function's name split into words, a baseline any useful model should beat.
- **corpus BLEU-4** over all pairs; **smoothed BLEU-4**: the mean of per-comment BLEU-4 with add-one smoothing; **exact match**: the share equal to the author's comment. Lower-cased word and punctuation tokens, against the first sentence of the author's doc comment.

${
  n <= 2 * EXAMPLES
    ? `## Every function, best first\n\n${examples(ranked)}`
    : `## Best\n\n${examples(ranked.slice(0, EXAMPLES))}\n\n## Worst\n\n${examples(ranked.slice(n - EXAMPLES).reverse())}`
}
`;
}

export function evaluateModel(ctx: Seq2SeqContext, services: EvaluateServices) {
  return async (): Promise<void> => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('Seq2Seq: open a folder to evaluate the model on its code.');
      return;
    }
    if (!requireTrust('Evaluating on the workspace')) return;
    const model = services.active.current();
    if (!model) {
      void vscode.window.showErrorMessage(
        'Seq2Seq: no model to evaluate: import one with "Seq2Seq: Import Model…" or fine-tune on your workspace.',
      );
      return;
    }
    const runId = new Date().toISOString().replace(/[:.]/g, '-');
    const corpus = path.join(ctx.extension.globalStorageUri.fsPath, 'evaluations', runId, 'corpus.jsonl');
    const mined = await mineWorkspace(services.engine, corpus);
    if (!mined) return;
    if (mined.pairs === 0) {
      void vscode.window.showWarningMessage(
        `Seq2Seq: no documented functions found in ${mined.files} files, so there is nothing to compare the model's comments with. Check the seq2seq.corpus.include/exclude settings.`,
      );
      return;
    }
    const { readCorpus } = await import('../mining/dataset');
    const { sentenceBleu } = await import('../training/bleu');
    const { pairs, heldOut } = await evaluationPairs(await readCorpus(mined.corpus), fineTuneSeed());
    // One comment per function, decoded as the settings say.
    const decoding = requestDecoding(decodingSettings(), 1);
    const started = Date.now();
    const scored = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: evaluating', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        const out: ScoredPair[] = [];
        try {
          let reward = 0;
          for (const record of pairs) {
            if (abort.signal.aborted) return undefined;
            const t = await services.engine.translate(
              { direction: 'code2doc', text: record.code, language: record.lang, decoding },
              abort.signal,
            );
            reward = t.lengthReward;
            const output = t.candidates[0]?.text ?? '';
            out.push({
              record,
              output,
              sentenceBleu: 100 * sentenceBleu(output, record.summary),
              ...(t.candidates[0]?.reusedFrom ? { reused: true } : {}),
            });
            progress.report({ message: `${out.length}/${pairs.length} functions`, increment: 100 / pairs.length });
          }
          return { out, reward };
        } catch (e) {
          if (abort.signal.aborted) return undefined;
          void vscode.window.showErrorMessage(`Seq2Seq: evaluation failed: ${(e as Error).message}`);
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    );
    if (!scored) return;
    const { out: scoredPairs, reward } = scored;
    const seconds = (Date.now() - started) / 1000;
    const report = await evaluationReport({
      model: model.bundled ? 'default' : model.id,
      roots: folders.map((f) => f.uri.fsPath),
      mined,
      heldOut,
      scored: scoredPairs,
      decoding: { ...decoding, lengthReward: reward },
      seconds,
    });
    ctx.log.info(`evaluate: ${scoredPairs.length} functions scored in ${seconds.toFixed(1)} s`);
    // A file, not an untitled document: it stays for comparison and closes without a save prompt.
    const file = vscode.Uri.file(path.join(path.dirname(corpus), 'report.md'));
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(report));
    await vscode.window.showTextDocument(file, { preview: false });
    void vscode.commands.executeCommand('markdown.showPreviewToSide', file);
  };
}
