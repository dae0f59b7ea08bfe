/**
 * How big a model config is before anything is allocated: its parameter count (the formula
 * follows the weights that rnnModel.ts, transformer.ts and cnn.ts create) and the memory that holding
 * and training it takes. `checkModelSize` refuses a config that cannot fit, with a
 * {@link ConfigurationError}, so that a hostile or mistyped config.json (a million layers, a
 * huge vocabulary) fails at once with a message instead of exhausting the WebAssembly heap,
 * which aborts the engine.
 */
import { ConfigurationError, type ModelConfig } from './config';

/**
 * Most parameters a model may have. Training holds about four float32 copies (weights,
 * gradients, two Adam moments) plus activations, and the WebAssembly backend's heap is at most
 * 4 GiB, so 100 million parameters (1.6 GB for those four copies) leaves room for the rest.
 */
export const MAX_PARAMETERS = 100_000_000;

/** One recurrent layer: input and state matrices, two biases (GRU) or one (LSTM). */
function recurrent(gates: number, inDim: number, hidden: number): number {
  return gates * hidden * (inDim + hidden) + (gates === 3 ? 2 : 1) * gates * hidden;
}

/** The number of trainable values a model with this (validated) config has. */
export function estimateParameters(c: ModelConfig): number {
  if (c.arch === 'cnn') {
    const E = c.embeddingDim;
    const C = c.hiddenDim;
    const conv = c.kernelWidth * C * 2 * C + 2 * C;
    const linear = (i: number, o: number) => i * o + o;
    const encoder = (c.srcVocabSize + c.maxSrcLen) * E + linear(E, C) + c.encoderLayers * conv + linear(C, E);
    const decoderLayer = conv + linear(C, E) + linear(E, C);
    const decoder =
      (c.tgtVocabSize + c.maxTgtLen + 1) * E + linear(E, C) + c.decoderLayers * decoderLayer + linear(C, E);
    const output = (c.tieEmbeddings ? 0 : E * c.tgtVocabSize) + c.tgtVocabSize;
    return encoder + decoder + output + (c.copy ? 2 * E + 1 : 0);
  }
  if (c.arch === 'transformer') {
    const d = c.dModel;
    const norm = 2 * d;
    const selfAtt = 4 * d * d + 4 * d;
    const ff = 2 * d * c.ffDim + c.ffDim + d;
    const cross = 4 * d * d + 4 * d;
    const encoder = c.encoderLayers * (selfAtt + ff + 2 * norm) + norm;
    const decoder = c.decoderLayers * (selfAtt + cross + ff + 3 * norm) + norm;
    const output = (c.tieEmbeddings ? 0 : d * c.tgtVocabSize) + c.tgtVocabSize;
    const copy = c.copy ? 2 * d + 1 : 0;
    return (c.srcVocabSize + c.tgtVocabSize) * d + encoder + decoder + output + copy;
  }
  const g = c.cell === 'lstm' ? 4 : 3;
  const E = c.embeddingDim;
  const H = c.hiddenDim;
  const dirs = c.bidirectional ? 2 : 1;
  const M = H * dirs;
  let n = c.srcVocabSize * E + c.tgtVocabSize * E;
  for (let l = 0; l < c.encoderLayers; l++) n += dirs * recurrent(g, l === 0 ? E : M, H);
  n += c.decoderLayers * (M * H + H) * (c.cell === 'lstm' ? 2 : 1);
  for (let l = 0; l < c.decoderLayers; l++)
    n += recurrent(g, l === 0 ? E + (c.attention === 'bahdanau' ? M : 0) : H, H);
  if (c.attention === 'luong-general') n += M * H;
  if (c.attention === 'bahdanau') n += M * H + H * H + H;
  n += (H + M) * H + H;
  n += (c.tieEmbeddings ? 0 : H * c.tgtVocabSize) + c.tgtVocabSize;
  if (c.copy) n += H + E + 1;
  return n;
}

/** Throws a {@link ConfigurationError} when the config's model would be too big to build. */
export function checkModelSize(config: ModelConfig): void {
  const parameters = estimateParameters(config);
  if (parameters > MAX_PARAMETERS) {
    throw new ConfigurationError(
      'size',
      `the model would have about ${(parameters / 1e6).toFixed(0)} million parameters, more than the ` +
        `${MAX_PARAMETERS / 1e6} million this engine can hold; reduce the layers, widths or vocabulary sizes.`,
    );
  }
}
