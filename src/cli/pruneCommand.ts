/**
 * `seq2seq prune`: magnitude pruning of a model folder (src/training/prune.ts), optionally
 * followed by a short fine-tune that keeps the pruned weights at zero (gradually pruned during it
 * with `--gradual`). The result is a normal model folder (tokenizer, memory and decoding settings
 * of the source, float16 when the source was) whose meta records the pruning.
 */
import * as path from 'path';
import type { Command } from 'commander';

import { selectBackend } from '../core/backend';
import { loadModel, saveModel } from '../modelFolder/checkpoint';
import type { Seq2SeqModel } from '../core/model';
import { readGuardedJsonSync } from '../files/guardedRead';
import { MANIFEST_FILE, readConfigFile, type ModelMetaInput, type PruningMeta } from '../modelFolder/format';
import { prepareTrainingBackend } from '../training/backendSetup';
import { LAST_DIR } from '../training/trainer';
import { prepareTrainJob, resolveModelDir } from '../training/job';
import { sideFiles } from '../training/nativeEngine';
import { checkSparsity, gradualSparsity, MagnitudePruner } from '../training/prune';
import { readTrainConfig } from '../training/trainConfigFile';
import { backendOption, optional, positiveNumberOption } from './options';

interface PruneOptions {
  model: string;
  sparsity: string;
  out: string;
  gradual: boolean;
  fineTune?: string;
  corpus?: string;
  valid?: string;
  test?: string;
  config?: string;
  backend: string;
}

/** Share of the fine-tune over which gradual pruning reaches its target (the rest recovers). */
const GRADUAL_SHARE = 0.75;

export function registerPruneCommand(program: Command): void {
  program
    .command('prune')
    .description(
      'magnitude-prune a model (per weight matrix), optionally fine-tune with the zeros kept; writes a model folder',
    )
    .requiredOption('--model <dir>', 'model folder (or a run folder: its best/)')
    .requiredOption('--sparsity <s>', 'share of each weight matrix and embedding set to zero, from 0 to below 1')
    .requiredOption('--out <dir>', 'the pruned model folder')
    .option(
      '--gradual',
      'raise the sparsity step by step during --fine-tune (cubic schedule) instead of at once',
      false,
    )
    .option('--fine-tune <minutes>', 'fine-tune this long on --corpus afterwards, pruned weights kept at zero')
    .option('--corpus <file>', 'JSONL corpus for --fine-tune')
    .option('--valid <file>', 'validation split for --fine-tune (with --test)')
    .option('--test <file>', 'test split for --fine-tune (with --valid)')
    .option('--config <file>', 'training config for --fine-tune (as for train)')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action((opts: PruneOptions) => pruneCommand(opts));
}

async function pruneCommand(opts: PruneOptions): Promise<void> {
  const sparsity = positiveNumberOption('--sparsity', opts.sparsity);
  checkSparsity(sparsity, '--sparsity');
  const minutes = optional(opts.fineTune, (v) => positiveNumberOption('--fine-tune', v));
  if (minutes !== undefined && !opts.corpus) throw new Error('--fine-tune needs --corpus (the pairs to fine-tune on).');
  if (opts.gradual && minutes === undefined)
    throw new Error('--gradual prunes during a fine-tune; add --fine-tune <minutes>.');
  const source = resolveModelDir(opts.model);
  const out = path.resolve(opts.out);
  if (out === path.resolve(source)) throw new Error('--out is the model itself; write the pruned model elsewhere.');
  const config = opts.config ? readTrainConfig(opts.config) : {};
  const choice = await selectBackend({ setting: backendOption(opts.backend) });
  process.stderr.write(`${choice.reason}\n`);
  prepareTrainingBackend();
  const float16 = isFloat16(source);
  if (minutes === undefined) {
    const { model } = await loadModel(source);
    try {
      const pruner = new MagnitudePruner(model);
      pruner.prune(sparsity);
      const pruning = {
        target: sparsity,
        sparsity: pruner.sparsity(),
        scope: 'per-tensor',
        gradual: false,
        fineTuneMinutes: 0,
      } as const;
      pruner.dispose();
      await savePruned(model, source, source, out, pruning, float16);
    } finally {
      model.dispose();
    }
    return;
  }
  // Fine-tune in a run folder beside the output (best/, last/, metrics.jsonl), then take last/:
  // its weights carry the full sparsity, where best/ may hold an earlier, less sparse step.
  const runDir = `${out}.run`;
  const budgetMs = minutes * 60_000;
  const job = await prepareTrainJob(
    {
      corpus: opts.corpus!,
      ...(opts.valid !== undefined ? { validCorpus: opts.valid } : {}),
      ...(opts.test !== undefined ? { testCorpus: opts.test } : {}),
      outDir: runDir,
      initModel: source,
      config: { ...config, training: { ...config.training, timeBudgetMs: budgetMs } },
    },
    (e) => {
      if (e.type === 'evaluation')
        process.stderr.write(`eval @${e.step}: loss ${e.loss.toFixed(3)} BLEU ${e.bleu.toFixed(2)}\n`);
    },
  );
  const { trainer } = job;
  const pruner = new MagnitudePruner(trainer.model);
  const started = Date.now();
  if (opts.gradual) {
    trainer.afterUpdate = () =>
      pruner.prune(gradualSparsity(sparsity, (Date.now() - started) / (GRADUAL_SHARE * budgetMs)));
  } else {
    pruner.prune(sparsity);
    trainer.afterUpdate = () => pruner.apply();
  }
  try {
    const finished = await trainer.run();
    process.stderr.write(`fine-tuned ${finished.step} steps (${finished.reason})\n`);
  } finally {
    pruner.dispose();
    trainer.dispose();
    trainer.model.dispose();
  }
  const last = path.join(runDir, LAST_DIR);
  const { model } = await loadModel(last);
  try {
    const final = new MagnitudePruner(model);
    final.prune(sparsity);
    const pruning = {
      target: sparsity,
      sparsity: final.sparsity(),
      scope: 'per-tensor',
      gradual: opts.gradual,
      fineTuneMinutes: minutes,
    } as const;
    final.dispose();
    await savePruned(model, last, source, out, pruning, float16);
  } finally {
    model.dispose();
  }
}

/**
 * A model folder at `out` with `model`'s weights, the meta of the folder `like` and the side files
 * (tokenizer, memory, rehearsal sample) of the source model.
 */
async function savePruned(
  model: Seq2SeqModel,
  like: string,
  source: string,
  out: string,
  pruning: PruningMeta,
  float16: boolean,
): Promise<void> {
  const { formatVersion: _f, createdAt: _c, metrics: _m, ...meta } = readConfigFile(like).meta;
  const saved: ModelMetaInput = { ...meta, pruning };
  await saveModel(model, out, saved, { extraFiles: sideFiles(source), float16 });
  process.stdout.write(
    `pruned ${(100 * pruning.sparsity).toFixed(1)}% of the weight matrices (target ${pruning.target}, per tensor)${pruning.fineTuneMinutes > 0 ? `, fine-tuned ${pruning.fineTuneMinutes} min${pruning.gradual ? ' while pruning gradually' : ''}` : ''}; wrote ${out}\n`,
  );
}

/** True when the folder's weights are stored as float16 (as the bundled model ships). */
function isFloat16(dir: string): boolean {
  const manifest = readGuardedJsonSync(path.join(dir, MANIFEST_FILE), { maxBytes: 1024 * 1024 });
  return JSON.stringify(manifest).includes('"float16"');
}
