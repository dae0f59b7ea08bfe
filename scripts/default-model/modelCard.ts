/**
 * The default model's card (`MODEL.md`) and `quality.json`, written into the model folder by
 * `npm run train:v1` from what the run actually did: the sources and their sizes, the
 * split, the architecture and hyperparameters, the training log (steps, time, backend) and the
 * test scores against both baselines.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { CorpusRecord } from '../../src/data/dataset';
import { TOKENIZER_FILE, WEIGHTS_FILE, readConfigFile } from '../../src/data/modelFolder';
import { countByLanguage } from '../../src/data/corpus';
import { NEIGHBOUR_MAX_TOKENS } from '../../src/data/retrieval';
import { GENERATED_SYSTEM, type DecodeSettings } from '../../src/training/predictions';
import { languagesNotWon, qualityTable, type BootstrapRow, type QualityRow } from '../../src/training/quality';
import {
  decodingKey,
  keptDecodingKey,
  type CheckpointChoice,
  type DecodingChoice,
  type LengthRewardOption,
} from '../../src/training/modelSelection';
import type { Recipe } from './recipe';
import type { CorpusSource, MinedCorpus } from './sources';

export interface CardInputs {
  readonly recipe: Recipe;
  readonly sources: readonly CorpusSource[];
  readonly mined: MinedCorpus;
  readonly splits: Readonly<Record<'train' | 'valid' | 'test', readonly CorpusRecord[]>>;
  /** The trained model folder (the run's best/ or last/). */
  readonly modelDir: string;
  readonly runDir: string;
  readonly selection: CheckpointChoice;
  readonly tuned: DecodingChoice;
  /** Test outputs that are a reused summary. */
  readonly reused: number;
  readonly bootstrap: readonly BootstrapRow[];
  readonly rows: readonly QualityRow[];
  readonly decoding: DecodeSettings;
  readonly decodeSeconds: number;
  readonly backend: string;
}

interface TrainingLog {
  steps: number;
  seconds: number;
  reason: string;
  epochs: number;
  best?: { step: number; loss: number; bleu: number; sentenceBleu: number };
  tokensPerSecond?: number;
}

/** The last finished run in metrics.jsonl (a resumed run continues the same log). */
export function readTrainingLog(runDir: string): TrainingLog | undefined {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return undefined;
  let out: TrainingLog | undefined;
  let best: TrainingLog['best'];
  const rates: number[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as Record<string, unknown>;
    if (e.type === 'step' && typeof e.tokensPerSecond === 'number') rates.push(e.tokensPerSecond);
    if (e.type === 'evaluation' && e.improved === true)
      best = {
        step: Number(e.step),
        loss: Number(e.loss),
        bleu: Number(e.bleu),
        sentenceBleu: Number(e.sentenceBleu),
      };
    if (e.type === 'finished')
      out = {
        steps: Number(e.step),
        seconds: Number(e.elapsedMs) / 1000,
        reason: String(e.reason),
        epochs: Number(e.epoch),
      };
  }
  if (!out) return undefined;
  rates.sort((a, b) => a - b);
  return {
    ...out,
    ...(best ? { best } : {}),
    ...(rates.length ? { tokensPerSecond: rates[Math.floor(rates.length / 2)]! } : {}),
  };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function languageTable(splits: CardInputs['splits']): string {
  const counts = {
    train: countByLanguage(splits.train),
    valid: countByLanguage(splits.valid),
    test: countByLanguage(splits.test),
  };
  const languages = [...new Set(Object.values(counts).flatMap((c) => Object.keys(c)))].sort();
  const lines = ['| language | train | valid | test |', '| --- | ---: | ---: | ---: |'];
  for (const l of languages)
    lines.push(
      `| ${l} | ${counts.train[l as never] ?? 0} | ${counts.valid[l as never] ?? 0} | ${counts.test[l as never] ?? 0} |`,
    );
  lines.push(`| all | ${splits.train.length} | ${splits.valid.length} | ${splits.test.length} |`);
  return lines.join('\n');
}

/** The tuned decoding in words. */
function tunedText(t: DecodingChoice): string {
  return keptDecodingKey(t).replace(/^reward/, 'length reward');
}

/** Selection scores: one row per length reward, one column per reuse overlap. */
function triedTable(t: DecodingChoice): string {
  const label = (o: LengthRewardOption): string =>
    `${o.reward}${o.limit !== undefined ? ` up to ${o.limit} tokens` : ''}`;
  const rewards = [...new Set(t.tried.map((x) => label(x.option)))];
  const reuses = [...new Set(t.tried.map((x) => x.reuse))];
  const head = `| length reward | ${reuses.map((u) => (u === null ? 'no reuse' : `reuse from ${u}`)).join(' | ')} |`;
  const rows = rewards.map(
    (r) =>
      `| ${r} | ${reuses
        .map((u) => {
          const x = t.tried.find((y) => label(y.option) === r && y.reuse === u);
          const kept = x && decodingKey(x.option, x.reuse) === keptDecodingKey(t);
          return x ? (kept ? `**${x.score.toFixed(2)}**` : x.score.toFixed(2)) : '';
        })
        .join(' | ')} |`,
  );
  return [head, `| --- |${reuses.map(() => ' ---: |').join('')}`, ...rows].join('\n');
}

/** What reuse adds: where the model's own output alone would not beat the baselines. */
function generatedNote(rows: readonly QualityRow[], reused: number): string {
  if (reused === 0) return '';
  const alone = languagesNotWon(
    rows.filter((r) => r.system !== 'model'),
    GENERATED_SYSTEM,
  ).filter((l) => l !== 'all');
  return alone.length === 0
    ? '\n- Its own output alone (model, generated only) beats both baselines too; reuse adds to it.'
    : `\n- Its own output alone (model, generated only) does **not** beat both baselines in: ${alone.join(', ')}. Reusing the summaries of near-copies (where retrieval is at its best) for ${reused} of the pairs and writing its own comment for the others is what beats them: where the model writes, it does better than retrieval would.`;
}

/** Where the model loses, the reason the rows show: short outputs (brevity penalty) or retrieval's verbatim templates. */
function whyNotWon(rows: readonly QualityRow[], notWon: readonly string[], minutes: number): string {
  const model = (language: string) => rows.find((r) => r.language === language && r.system === 'model');
  const bm25 = (language: string) => rows.find((r) => r.language === language && r.system === 'bm25');
  const parts: string[] = [];
  for (const language of notWon.filter((l) => l !== 'all')) {
    const m = model(language);
    const b = bm25(language);
    if (!m || !b) continue;
    const brevity = m.lengthRatio < 1 ? Math.exp(1 - 1 / m.lengthRatio) : 1;
    const wins =
      m.sentenceBleu > b.sentenceBleu ? 'beats BM25 on smoothed BLEU-4 but not on corpus BLEU-4' : 'loses to BM25';
    parts.push(
      `In ${language} it ${wins}; its comments are ${m.lengthRatio.toFixed(2)}× the reference length (BM25's ${b.lengthRatio.toFixed(2)}×), so corpus BLEU's brevity penalty multiplies its score by ${brevity.toFixed(2)}.`,
    );
  }
  return `${parts.join(' ')} Retrieval returns whole human-written summaries, often templates repeated across files, verbatim; this model, trained for ${minutes} minutes on one core, writes shorter ones.`;
}

export function writeModelCard(inputs: CardInputs): void {
  const { recipe, sources, mined, splits, modelDir, rows, decoding } = inputs;
  const config = readConfigFile(modelDir);
  const weightsBytes = fs.statSync(path.join(modelDir, WEIGHTS_FILE)).size;
  const tokenizerBytes = fs.statSync(path.join(modelDir, TOKENIZER_FILE)).size;
  const log = readTrainingLog(inputs.runDir);
  const notWon = languagesNotWon(rows, 'model', [GENERATED_SYSTEM]);
  const m = config.config;
  const architecture =
    (m.arch === 'transformer'
      ? `Transformer, ${String(m.encoderLayers)}+${String(m.decoderLayers)} layers, d_model ${String(m.dModel)}, ${String(m.heads)} heads`
      : m.arch === 'cnn'
        ? `Convolutional encoder-decoder (Gehring et al. 2017), ${String(m.encoderLayers)}+${String(m.decoderLayers)} layers, ` +
          `kernel width ${String(m.kernelWidth)}, ${String(m.hiddenDim)} channels, embedding ${String(m.embeddingDim)}`
        : `${String(m.cell).toUpperCase()} encoder-decoder: bidirectional ${String(m.encoderLayers)}-layer encoder, ` +
          `${String(m.decoderLayers)}-layer decoder, ${String(m.attention)} attention, embedding ${String(m.embeddingDim)}, hidden ${String(m.hiddenDim)}`) +
    (m.copy
      ? "; pointer-generator output (See et al. 2017): at every step a learned gate mixes generating a token from the vocabulary with copying one from the source through the attention weights, so identifiers and the neighbour's summary can be reproduced word for word"
      : '');
  const parameters = Math.round(weightsBytes / 4);
  const card = `# Seq2Seq Studio default model

Generated by \`npm run train:v1\` on ${new Date().toISOString().slice(0, 10)}; every figure below comes from that run.

One model translates both ways: the source starts with a direction token (\`<code2doc>\` or
\`<doc2code>\`). One model rather than two halves the extension's size and lets both directions
share one vocabulary and one encoder of identifiers; the recipe spends most of its budget on
code→comment (${Math.round(100 * (recipe.doc2codeShare ?? 1))}% of the training pairs also give a comment→code example), the direction the benchmark measures.

${
  recipe.retrieval
    ? `Retrieval-augmented: for code→comment the source starts with the summary of the most similar training function (BM25 over the code's identifier pieces; in training always from another file, as at test time), then the code. The summary is marked \`same: \`, \`similar: \` or \`unlike: \` by how much of the two functions' identifier pieces they share (Dice overlap at least 0.8, at least 0.5, below), since the model sees the neighbour's summary but not its code. The ${splits.train.length} training functions ship beside the weights as \`memory.json\`, and the model learns when to copy, edit or ignore the neighbour's summary${m.copy ? ' (its copy mechanism makes copying one decision per token)' : ''}.

`
    : ''
}## Data

Documented functions mined with tree-sitter (the extension's own miner: first sentence of the
doc comment as the target, trivial and duplicate pairs dropped), from sources that install
without internet:

| source | pairs |
| --- | ---: |
${sources.map((s) => `| ${s.label} | ${mined.perSource[s.name] ?? 0} |`).join('\n')}

${mined.files} files, ${mb(mined.bytes)}, mined in ${mined.seconds.toFixed(1)} s. Split by file (seed ${recipe.seed ?? 1}, 10% valid, 10% test), so no function of a test file was seen in training:

${languageTable(splits)}

## Model

- ${architecture}; ${parameters.toLocaleString('en')} parameters (${mb(weightsBytes)} of float32 weights).
- Code-aware BPE tokenizer, ${String(m.srcVocabSize)} tokens shared by code and comments (${mb(tokenizerBytes)}).
- Source truncated to ${String(m.maxSrcLen)} tokens${recipe.retrieval ? ` (at most ${recipe.neighbourTokens ?? NEIGHBOUR_MAX_TOKENS} of them the neighbour's summary)` : ''}, target to ${String(m.maxTgtLen)}.

## Training

| setting | value |
| --- | --- |
| optimizer | ${JSON.stringify(recipe.training?.optimizer)} |
| schedule | ${JSON.stringify(recipe.training?.schedule)} |
| batch | ${recipe.batchSize ?? 32} |
| label smoothing | ${recipe.training?.labelSmoothing ?? 0.1} |
| dropout | ${String(m.dropout)} |
| gradient clipping | global norm ${recipe.training?.clipNorm ?? 1} |
| budget | ${recipe.training?.maxSteps ?? 'no'} steps or ${recipe.maxMinutes} min, whichever comes first |
| model kept | \`${path.basename(modelDir)}/\` of ${Object.entries(inputs.selection.scores)
    .map(([k, v]) => `${k}/ ${v.toFixed(2)}`)
    .join(
      ', ',
    )} (mean of both BLEUs, languages weighted equally, on ${recipe.selectionPairs ?? 600} validation pairs shared equally by the languages, decoded as below); \`best/\` is the best greedy validation ${recipe.training?.stopMetric ?? 'sentenceBleu'} of the evaluations every ${recipe.training?.evalEvery ?? 0} steps |
| decoding tuned | ${tunedText(inputs.tuned)}: the best of the settings below, on the same validation pairs. The length reward is added to a hypothesis's score for each token (up to the limit, when there is one), so comments come out longer. Reuse: when the most similar training function's code shares at least that share of identifier pieces (Dice overlap) with the input, its summary is the output, as the retrieval baseline would answer; below it, the model writes its own. Stored in \`config.json\` as \`meta.decoding\`, which the extension uses unless \`seq2seq.decoding.lengthReward\` is set or \`seq2seq.decoding.reuseSimilarSummaries\` is off |
| backend | ${inputs.backend} (TensorFlow.js), one thread, on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'} |
${
  log
    ? `| steps run | ${log.steps} (${log.epochs} epochs; ${
        // The recipe's time cap stops the trainer the way a user's Stop does.
        log.reason === 'cancelled' && log.seconds >= recipe.maxMinutes * 60 - 60
          ? `stopped by the ${recipe.maxMinutes}-minute cap`
          : log.reason
      }) |
| training time | ${(log.seconds / 60).toFixed(1)} min, median ${Math.round(log.tokensPerSecond ?? 0)} target tokens/s |
${log.best ? `| best checkpoint | step ${log.best.step}: validation loss ${log.best.loss.toFixed(3)}, smoothed BLEU-4 ${log.best.sentenceBleu.toFixed(2)} (greedy, first ${recipe.training?.evalLimit ?? 100} pairs) |\n` : ''}`
    : ''
}
### Decoding settings tried

The smallest margin of the model over the two baselines (BLEU points; over both languages, both BLEU variants and both baselines) on the ${recipe.selectionPairs ?? 600} validation pairs: the benchmark below asks the model to beat both baselines on both variants in every language, so decoding is tuned for the weakest of those comparisons.

${triedTable(inputs.tuned)}

## Test scores (code → comment)

${splits.test.length} held-out pairs, decoded as the extension does by default (beam ${decoding.beamSize}, length penalty ${decoding.lengthPenalty}, ${tunedText(inputs.tuned)}, no repeated trigrams, at most ${decoding.maxLength} tokens) in ${inputs.decodeSeconds.toFixed(0)} s.${
    inputs.reused > 0
      ? ` ${inputs.reused} of the ${splits.test.length} outputs are a similar training function's summary, reused.`
      : ''
  }

${qualityTable(rows)}

How sure: in paired bootstrap resampling (Koehn 2004; ${inputs.bootstrap[0]?.samples ?? 0} test sets of the same size drawn with replacement), the share of test sets on which the model scores above each baseline:

| language | baseline | corpus BLEU-4 | smoothed BLEU-4 |
| --- | --- | ---: | ---: |
${inputs.bootstrap.map((b) => `| ${b.language} | ${b.baseline} | ${(100 * b.bleu).toFixed(1)}% | ${(100 * b.sentenceBleu).toFixed(1)}% |`).join('\n')}

- **model**: this model, as the extension uses it${inputs.reused > 0 ? ' (with reuse)' : ''}.${
    inputs.reused > 0 ? " **model, generated only**: the beam search's own output for every pair, reuse off." : ''
  } **bm25**: the summary of the most similar training function, by Okapi BM25 (k1 1.2, b 0.75) over the code's lower-cased identifier pieces. **name**: the function's name split into words.
- **corpus BLEU-4**: BLEU over the whole test set, no smoothing, brevity penalty over the total lengths. **smoothed BLEU-4**: the mean of per-pair BLEU-4 with add-one smoothing of the n-gram precisions (Lin and Och 2004), as in code-summarisation papers. **exact match**: the share of outputs equal to the reference. All three compare lower-cased word and punctuation tokens (\`[\\w]+|[^\\s\\w]\`) against the first sentence of the real doc comment.
- ${
    notWon.length === 0
      ? 'The model beats both baselines on both BLEU variants in every language.'
      : `The model does **not** beat both baselines on both BLEU variants in: ${notWon.join(', ')}. ${whyNotWon(rows, notWon, recipe.maxMinutes)}`
  }${generatedNote(rows, inputs.reused)}

## Known limitations

- Trained on JavaScript and Python only. TypeScript, Java, Go and the other languages get the JavaScript-like behaviour of a model that never saw them; fine-tune on your workspace for them.
- The comments are short first-sentence summaries in the style of the sources (three.js, lodash, webpack, ESLint, the Python standard library). The model does not write @param/@returns tags.
- Comment→code output is weak: a few million parameters trained for ${recipe.maxMinutes} minutes cannot write correct code. It suggests a shape to start from.
- The model sees the first ${String(m.maxSrcLen)} tokens of a function; what a long function does further down is invisible to it.
- It repeats phrasing common in its sources and can be confidently wrong. Read what it writes.${
    inputs.tuned.reuseSimilarity !== null
      ? "\n- A reused summary is another function's comment, word for word: names in it are that function's. The status bar, the candidate list and the attention explorer say which file it came from; `seq2seq.decoding.reuseSimilarSummaries` turns reuse off."
      : ''
  }${
    m.copy
      ? "\n- It can copy the summary of a similar but different function (the retrieved neighbour) word for word. Show Attention for Selection marks the tokens it copied and shows the neighbour's words among the source tokens."
      : ''
  }
`;
  fs.writeFileSync(path.join(modelDir, 'MODEL.md'), card);
  fs.writeFileSync(
    path.join(modelDir, 'quality.json'),
    `${JSON.stringify({ decoding, bootstrap: inputs.bootstrap, tuned: { ...inputs.tuned, scores: undefined, tried: undefined }, reused: inputs.reused, rows, testPairs: splits.test.length, training: log ?? null }, null, 2)}\n`,
  );
}
