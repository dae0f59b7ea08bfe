/**
 * The model's shape, as one typed record with commented defaults, and its validation.
 *
 * `resolveModelConfig` merges a partial config over the defaults and rejects impossible
 * combinations with a {@link ConfigurationError} that names the offending field, so a bad
 * setting fails before any weight is allocated. The resolved record is what `config.json` in a
 * model folder holds, so every field is plain JSON.
 */

export type Architecture = 'rnn' | 'transformer' | 'cnn';
export type CellType = 'gru' | 'lstm';
export type AttentionType = 'none' | 'bahdanau' | 'luong-dot' | 'luong-general';

export const ARCHITECTURES: readonly Architecture[] = ['rnn', 'transformer', 'cnn'];
export const CELL_TYPES: readonly CellType[] = ['gru', 'lstm'];
export const ATTENTION_TYPES: readonly AttentionType[] = ['none', 'bahdanau', 'luong-dot', 'luong-general'];

/**
 * How a model's weights start (`init`; layers.ts applies it). Biases start at 0 (an LSTM's
 * forget-gate bias at 1) and layer-norm gains at 1 under every scheme; the schemes differ in the
 * matrices:
 * - `glorot-uniform` (the default, and what every model before this option used): each weight
 *   matrix Glorot/Xavier uniform, U(±sqrt(6 / (fanIn + fanOut))); rnn embeddings U(±0.1),
 *   Transformer embeddings N(0, dModel^-0.5).
 * - `orthogonal` (rnn only): as glorot-uniform, but each gate's `[H, H]` block of a recurrent
 *   state matrix is a random orthogonal matrix (Saxe et al. 2014), so repeated steps neither
 *   shrink nor grow the state at the start.
 * - `uniform-0.1`: every matrix and embedding U(±0.1), as in the early NMT papers (Luong et al.
 *   2015; Sutskever et al. 2014 used ±0.08).
 * - `scaled-normal`: every matrix and embedding N(0, 0.02²) (BERT, GPT-2), and the matrices that
 *   write into a Transformer's residual stream (attention and feed-forward outputs) with std
 *   0.02 / sqrt(2 * layers) as GPT-2 scales them, so the stream's variance does not grow with depth.
 */
export type InitScheme = 'glorot-uniform' | 'orthogonal' | 'uniform-0.1' | 'scaled-normal';
export const INIT_SCHEMES: readonly InitScheme[] = ['glorot-uniform', 'orthogonal', 'uniform-0.1', 'scaled-normal'];

export interface ModelConfig {
  /**
   * 'rnn': recurrent encoder-decoder (+ attention); 'transformer': pre-norm Transformer; 'cnn':
   * convolutional encoder-decoder (Gehring et al. 2017: gated convolutions, attention in every
   * decoder layer; cnn.ts).
   */
  arch: Architecture;
  /** Recurrent cell (rnn only). */
  cell: CellType;
  /**
   * How the rnn decoder looks at the source (rnn only): 'none' is the original fixed-size
   * context vector; 'bahdanau' is additive attention on the previous state, fed into the cell;
   * 'luong-dot' / 'luong-general' score the current state (dot product / bilinear).
   */
  attention: AttentionType;
  /** Token embedding width (rnn and cnn; the Transformer embeds at dModel). */
  embeddingDim: number;
  /** Recurrent state width per direction (rnn); convolution channels (cnn). */
  hiddenDim: number;
  /** Stacked layers in the encoder (every architecture). */
  encoderLayers: number;
  /** Stacked layers in the decoder (every architecture). */
  decoderLayers: number;
  /** Bidirectional rnn encoder; its final states reach the decoder through a learned bridge. */
  bidirectional: boolean;
  /** Dropout rate on embeddings, between layers and before the output layer (training only). */
  dropout: number;
  /** Transformer model width. */
  dModel: number;
  /** Transformer attention heads; must divide dModel. */
  heads: number;
  /** Transformer feed-forward inner width. */
  ffDim: number;
  /** Convolution kernel width in tokens (cnn only; the decoder's convolutions see this many tokens back). */
  kernelWidth: number;
  /** Share the target embedding with the output projection (Transformer, cnn; rnn needs embeddingDim == hiddenDim). */
  tieEmbeddings: boolean;
  /**
   * Pointer-generator output (See et al. 2017): each output token is a learned mix of
   * generating from the vocabulary and copying a source token through the attention weights
   * (the Transformer copies through its last decoder layer's cross-attention, averaged over
   * heads; the cnn through its last decoder layer's attention), so identifiers and a retrieved
   * neighbour's summary can be reproduced in one decision per token. Needs one vocabulary for
   * source and target, and an rnn needs an attention other than 'none'.
   */
  copy: boolean;
  /** How the weights start (see {@link InitScheme}); only a fresh model reads it. */
  init: InitScheme;
  /** Source vocabulary size (ids 0..srcVocabSize-1, specials first). */
  srcVocabSize: number;
  /** Target vocabulary size. */
  tgtVocabSize: number;
  /** Longest source the model accepts, in tokens (sizes the Transformer's and the cnn's position tables). */
  maxSrcLen: number;
  /** Longest target the model produces, in tokens. */
  maxTgtLen: number;
}

export const DEFAULT_MODEL_CONFIG: Readonly<ModelConfig> = Object.freeze({
  arch: 'rnn',
  cell: 'gru',
  attention: 'luong-general',
  embeddingDim: 128,
  hiddenDim: 256,
  encoderLayers: 1,
  decoderLayers: 1,
  bidirectional: true,
  dropout: 0.1,
  dModel: 256,
  heads: 4,
  ffDim: 1024,
  kernelWidth: 3,
  tieEmbeddings: false,
  copy: false,
  init: 'glorot-uniform',
  srcVocabSize: 4000,
  tgtVocabSize: 4000,
  maxSrcLen: 128,
  maxTgtLen: 64,
});

/** A config value that cannot work; `field` is the offending ModelConfig key. */
export class ConfigurationError extends Error {
  constructor(
    readonly field: keyof ModelConfig | string,
    message: string,
  ) {
    super(`Invalid model configuration: ${String(field)}: ${message}`);
    this.name = 'ConfigurationError';
  }
}

/**
 * Upper bounds of the size fields: far above any model this engine can train, low enough that
 * no single field asks for an impossible allocation (the total is checked in modelSize.ts).
 */
export const MAX_CONFIG_VALUES: Readonly<Partial<Record<keyof ModelConfig, number>>> = Object.freeze({
  srcVocabSize: 262_144,
  tgtVocabSize: 262_144,
  encoderLayers: 64,
  decoderLayers: 64,
  maxSrcLen: 8192,
  maxTgtLen: 4096,
  embeddingDim: 8192,
  hiddenDim: 8192,
  dModel: 8192,
  heads: 256,
  ffDim: 32_768,
  kernelWidth: 64,
});

function checkInt(config: ModelConfig, field: keyof ModelConfig, min: number): void {
  const v = config[field];
  const max = MAX_CONFIG_VALUES[field] ?? Number.MAX_SAFE_INTEGER;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigurationError(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
}

function checkOneOf<T extends string>(config: ModelConfig, field: keyof ModelConfig, allowed: readonly T[]): void {
  const v = config[field];
  if (!(allowed as readonly unknown[]).includes(v)) {
    throw new ConfigurationError(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
}

/**
 * Merges `partial` over the defaults (and the vocabulary sizes when given) and validates the
 * result. Unknown keys are rejected so that a typo does not silently fall back to a default.
 */
export function resolveModelConfig(
  partial: Partial<ModelConfig>,
  srcVocabSize?: number,
  tgtVocabSize?: number,
): ModelConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_MODEL_CONFIG)) throw new ConfigurationError(key, 'is not a model configuration field');
  }
  const config: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...partial };
  if (srcVocabSize !== undefined) config.srcVocabSize = srcVocabSize;
  if (tgtVocabSize !== undefined) config.tgtVocabSize = tgtVocabSize;
  validateModelConfig(config);
  return config;
}

/** Throws a {@link ConfigurationError} naming the first impossible field or combination. */
export function validateModelConfig(config: ModelConfig): void {
  checkOneOf(config, 'arch', ARCHITECTURES);
  checkOneOf(config, 'cell', CELL_TYPES);
  checkOneOf(config, 'attention', ATTENTION_TYPES);
  checkOneOf(config, 'init', INIT_SCHEMES);
  if (config.init === 'orthogonal' && config.arch !== 'rnn')
    throw new ConfigurationError(
      'init',
      `orthogonal starts recurrent matrices, and arch ${config.arch} has none; use glorot-uniform, uniform-0.1 or scaled-normal`,
    );
  // Six special tokens come first in every vocabulary (see specialTokens.ts).
  checkInt(config, 'srcVocabSize', 7);
  checkInt(config, 'tgtVocabSize', 7);
  checkInt(config, 'encoderLayers', 1);
  checkInt(config, 'decoderLayers', 1);
  checkInt(config, 'maxSrcLen', 2);
  checkInt(config, 'maxTgtLen', 2);
  if (typeof config.bidirectional !== 'boolean') throw new ConfigurationError('bidirectional', 'must be true or false');
  if (typeof config.tieEmbeddings !== 'boolean') throw new ConfigurationError('tieEmbeddings', 'must be true or false');
  if (typeof config.copy !== 'boolean') throw new ConfigurationError('copy', 'must be true or false');
  if (config.copy && config.arch === 'rnn' && config.attention === 'none')
    throw new ConfigurationError('copy', 'copying reads the attention weights; choose an attention other than none');
  if (config.copy && config.srcVocabSize !== config.tgtVocabSize)
    throw new ConfigurationError(
      'copy',
      `copying needs one vocabulary for source and target, got ${config.srcVocabSize} and ${config.tgtVocabSize}`,
    );
  if (typeof config.dropout !== 'number' || !(config.dropout >= 0 && config.dropout < 1)) {
    throw new ConfigurationError('dropout', `must be in [0, 1), got ${JSON.stringify(config.dropout)}`);
  }
  if (config.arch === 'rnn') {
    checkInt(config, 'embeddingDim', 1);
    checkInt(config, 'hiddenDim', 1);
    if (config.attention === 'luong-dot' && config.bidirectional) {
      throw new ConfigurationError(
        'attention',
        'luong-dot compares decoder states (hiddenDim) with encoder outputs (2 * hiddenDim when ' +
          'bidirectional); use luong-general or bahdanau, or set bidirectional: false',
      );
    }
    if (config.tieEmbeddings && config.embeddingDim !== config.hiddenDim) {
      throw new ConfigurationError(
        'tieEmbeddings',
        `tying the rnn output layer to the target embedding needs embeddingDim (${config.embeddingDim}) == hiddenDim (${config.hiddenDim})`,
      );
    }
  } else if (config.arch === 'cnn') {
    checkInt(config, 'embeddingDim', 1);
    checkInt(config, 'hiddenDim', 1);
    // Width 1 would be no convolution at all (and leave the decoder no past to keep between steps).
    checkInt(config, 'kernelWidth', 2);
  } else {
    checkInt(config, 'dModel', 1);
    checkInt(config, 'heads', 1);
    checkInt(config, 'ffDim', 1);
    if (config.dModel % config.heads !== 0) {
      throw new ConfigurationError('heads', `must divide dModel (${config.dModel}), got ${config.heads}`);
    }
    if (config.dModel % 2 !== 0) {
      throw new ConfigurationError('dModel', `must be even for sinusoidal positions, got ${config.dModel}`);
    }
  }
}
