/**
 * A gradient worker: one replica of the model on its own TensorFlow.js backend in a worker thread
 * (tfjs-backend-wasm runs one thread under Node, so cores are used by several such workers). It
 * loads the trainer's weights from shared memory when their version changes, computes the
 * gradients of the share of the batch it is sent, and writes them to its shared gradient buffer.
 * It never updates weights itself: the trainer applies one update and publishes the result.
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../core/backend';
import { buildModel } from '../core/model';
import { prepareTrainingBackend } from './backendSetup';
import { loadFlat, weightsChecksum, writeFlat } from './flatWeights';
import { batchGradients } from './gradients';
import { REPLICA_INIT, type ReplicaReply, type ReplicaRequest } from './replicaProtocol';
import { validate } from '../files/schema';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('gradientWorker.ts must run in a worker thread');
  const init = validate(workerData, REPLICA_INIT, "a gradient worker's start data");
  const reply = (m: ReplicaReply): void => port.postMessage(m);
  const choice = await selectBackend({ setting: init.backend });
  if (choice.name !== init.backend)
    throw new Error(`the trainer runs on ${init.backend} but this worker could only start ${choice.name}`);
  prepareTrainingBackend();
  const model = buildModel(init.config, init.config.srcVocabSize, init.config.tgtVocabSize, init.seed);
  const weights = new Float32Array(init.weights);
  const gradients = new Float32Array(init.gradients);
  let version = -1;
  port.on('message', (m: ReplicaRequest) => {
    try {
      if (m.version !== version) {
        loadFlat(weights, model.variables as tf.Variable[]);
        version = m.version;
      }
      if (m.type === 'checksum') {
        reply({ type: 'checksum', checksum: weightsChecksum(model.variables) });
        return;
      }
      const { grads, ...stats } = batchGradients(model, m.batch, init.labelSmoothing);
      try {
        writeFlat(grads, gradients);
      } finally {
        tf.dispose(grads);
      }
      reply({ type: 'gradients', ...stats });
    } catch (e) {
      reply({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
  reply({ type: 'ready' });
}

main().catch((e: unknown) => {
  // Reaches the trainer as the worker's 'error' event.
  throw e instanceof Error ? e : new Error(String(e));
});
