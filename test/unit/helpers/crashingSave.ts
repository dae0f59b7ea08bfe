/**
 * A child process for checkpoint.test.ts: saves a model (or a training checkpoint) over an
 * existing one and kills itself with SIGKILL at the named point of the save, as a power cut or
 * a killed extension host would. Usage: node crashingSave.js <model|train> <dir> <point> <seed>
 */
import * as tf from '@tensorflow/tfjs';
import type { SavePoint } from '../../../src/modelFolder/atomicFolder';
import { saveModel } from '../../../src/modelFolder/checkpoint';
import { buildModel } from '../../../src/core/model';
import { createOptimizer } from '../../../src/training/optimizers';
import { initialTrainState, saveTrainCheckpoint } from '../../../src/training/trainState';

export const TINY = { embeddingDim: 6, hiddenDim: 8, maxSrcLen: 8, maxTgtLen: 8 } as const;

async function main(): Promise<void> {
  const [kind, dir, point, seed] = process.argv.slice(2) as [string, string, SavePoint, string];
  await tf.setBackend('cpu');
  const model = buildModel(TINY, 12, 12, Number(seed));
  const hooks = {
    onPoint: (p: SavePoint) => {
      if (p === point) process.kill(process.pid, 'SIGKILL');
    },
  };
  if (kind === 'train') {
    const optimizer = createOptimizer({ name: 'adam', learningRate: 0.001 });
    await saveTrainCheckpoint(dir, model, optimizer, initialTrainState(Number(seed)), {}, {}, hooks);
  } else await saveModel(model, dir, { step: Number(seed) }, { hooks });
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
