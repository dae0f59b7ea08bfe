/**
 * A tiny, untrained model with a tokenizer trained on the fixture workspace, written where the
 * extension keeps user models. Its outputs are arbitrary words from that vocabulary: the E2E
 * suite uses it to drive the real pipeline (worker, tree-sitter, decoding, insertion, undo),
 * not to judge quality.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { saveModel } from '../../src/modelFolder/checkpoint';
import { buildModel } from '../../src/core/model';
import { CodeTokenizer } from '../../src/tokenizer/tokenizer';
import { TOKENIZER_FILE } from '../../src/modelFolder/format';

export async function writeTinyModel(dir: string, sourcesDir: string): Promise<void> {
  await tf.setBackend('cpu');
  const texts = fs
    .readdirSync(sourcesDir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(sourcesDir, e.name), 'utf8'));
  const tokenizer = CodeTokenizer.train(texts, { vocabSize: 400, minFrequency: 1 });
  const model = buildModel(
    { arch: 'rnn', cell: 'gru', attention: 'luong-general', embeddingDim: 16, hiddenDim: 16, maxTgtLen: 12 },
    tokenizer.vocabSize,
    tokenizer.vocabSize,
    11,
  );
  try {
    await saveModel(
      model,
      dir,
      { tokenizer: TOKENIZER_FILE, training: { corpus: 'e2e fixture (untrained)' } },
      { extraFiles: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()) } },
    );
  } finally {
    model.dispose();
  }
}
