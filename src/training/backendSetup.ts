/**
 * Training needs the project's extra wasm kernels (fast BatchMatMul, UnsortedSegmentSum for
 * embedding gradients) when the wasm backend is active; this makes sure they are registered.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../core/wasmKernels';

export function prepareTrainingBackend(): void {
  if (tf.getBackend() === 'wasm') registerWasmKernels();
}
