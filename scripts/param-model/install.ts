/**
 * `npm run train:params` last step: installs the parameter-description model the extension
 * ships (`media/models/params`) from a run's checkpoint (default: `best/`, chosen on validation
 * loss), with float16 weights, its tokenizer, the confidence threshold chosen on validation
 * projects with `bench:params -- --split valid --model <dir>` and a reader's samples of the
 * model's inserted lines (`--threshold p --sample 40`; written as `meta.minConfidence`) and a card
 * (`--card`: the benchmark's report). Atomic: a failed install leaves the previous model whole.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { loadModel, saveModel } from '../../src/modelFolder/checkpoint';
import { TOKENIZER_FILE } from '../../src/modelFolder/format';
import { BEST_DIR } from '../../src/training/trainer';
import { MEDIA_PARAM_MODEL_DIR, REPO_ROOT } from '../paths';

async function main(): Promise<void> {
  const opts = new Command()
    .option('--from <dir>', 'checkpoint to install', path.join(REPO_ROOT, '.cache', 'param-model', 'run', BEST_DIR))
    .option('--target <dir>', 'model folder to replace', MEDIA_PARAM_MODEL_DIR)
    .requiredOption('--threshold <p>', 'confidence below which answers are not used (chosen on validation projects)')
    .requiredOption('--card <file>', 'MODEL.md to ship beside the weights (the benchmark report)')
    .parse()
    .opts<{ from: string; target: string; threshold: string; card: string }>();
  const minConfidence = Number(opts.threshold);
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new Error('--threshold must be a probability in [0, 1].');
  await selectBackend({ setting: 'cpu' });
  const { model, meta } = await loadModel(opts.from);
  try {
    await saveModel(
      model,
      opts.target,
      { ...meta, minConfidence },
      {
        float16: true,
        extraFiles: {
          [TOKENIZER_FILE]: fs.readFileSync(path.join(opts.from, meta.tokenizer ?? TOKENIZER_FILE)),
          'MODEL.md': fs.readFileSync(opts.card),
        },
      },
    );
  } finally {
    model.dispose();
  }
  process.stderr.write(
    `installed ${opts.from} into ${opts.target} (float16 weights, minConfidence ${minConfidence})\n`,
  );
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`install failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
