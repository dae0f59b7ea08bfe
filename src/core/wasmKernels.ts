/**
 * Training kernels for the TensorFlow.js WebAssembly backend.
 *
 * The stock wasm backend (tfjs 4.22) cannot train our models well out of the box:
 * - it has no `UnsortedSegmentSum`, the gradient of `gather`, so embeddings do not train;
 * - its `BatchMatMul` uses the fast XNNPACK path only for an untransposed product with batch 1;
 *   every backward product (transposeA/B) and every batched product (attention) falls to a
 *   scalar loop about 10-20x slower.
 *
 * `registerWasmKernels()` registers replacements for the 'wasm' backend:
 * - `Sum` over leading axes (bias gradients): one pass instead of transpose + reduce.
 * - `Identity`, `Slice`, `Unpack`, `SplitV`: the stock ones copy the whole input on every call
 *   (`readSync`) and `Identity` copies where it could share; these read through heap views.
 * - `UnsortedSegmentSum`: one pass over the input in JavaScript, reading and writing the wasm
 *   heap in place (no copies). A one-hot matMul costs `ids * segments * dim` flops instead and
 *   measured ~100x slower at embedding sizes (see bench/engine/README.md).
 * - `BatchMatMul`: transposes are materialised with the (cheap) wasm `Transpose` kernel, a
 *   batch broadcast against a single matrix is folded into rows (one call), and real batches
 *   run one XNNPACK call each on zero-copy views of the operands (a view is a tensor id
 *   registered at an offset inside the operand's heap buffer). Transposes of an operand seen
 *   twice (a weight used at every time step of a backward pass) are cached while that operand's
 *   data lives, which also keeps XNNPACK's packed copy of it.
 *
 * The original `BatchMatMul` kernel still serves the plain case. Registration is idempotent and
 * works before or after the wasm backend is initialised (kernels are looked up per call; the
 * kernels set themselves up on first use).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** The parts of tfjs-backend-wasm's `BackendWasm` used here (it exports no stable type). */
interface WasmModule {
  cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}
interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: tf.DataType;
}
interface WasmBackend {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): WasmTensorData | undefined; has(dataId: object): boolean };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type WasmMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

const MARK = Symbol.for('seq2seq.wasmKernels');
let originalBatchMatMul: tf.KernelFunc | undefined;
const originalKernels = new Map<string, tf.KernelFunc>();
const matMulByBackend = new WeakMap<object, WasmMatMul>();

/** Counters for benchmarks and tests: how the replacement kernels were used. */
export interface WasmKernelStats {
  /** Products handed to the original kernel unchanged (plain layout, batch 1). */
  plain: number;
  /** Products rewritten by this module. */
  rewritten: number;
  /** XNNPACK calls made for rewritten products. */
  xnnCalls: number;
  /** Transposes served from the cache. */
  transposeCacheHits: number;
  /** Transposes computed. */
  transposes: number;
  /** UnsortedSegmentSum calls. */
  segmentSums: number;
}

const stats: WasmKernelStats = {
  plain: 0,
  rewritten: 0,
  xnnCalls: 0,
  transposeCacheHits: 0,
  transposes: 0,
  segmentSums: 0,
};

export function wasmKernelStats(): Readonly<WasmKernelStats> {
  return { ...stats };
}

function asWasm(backend: unknown): WasmBackend {
  return backend as WasmBackend;
}

function wasmMatMul(backend: WasmBackend): WasmMatMul {
  let fn = matMulByBackend.get(backend);
  if (!fn) {
    fn = backend.wasm.cwrap('BatchMatMul', null, [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ]) as WasmMatMul;
    matMulByBackend.set(backend, fn);
  }
  return fn;
}

function shapeBytes(shape: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ---------------------------------------------------------------------------------------------
// Transposes, with a cache for operands transposed more than once.

interface CachedTranspose {
  info: tf.TensorInfo;
  bytes: number;
}

/** Per backend: source dataId -> (shape key -> transposed copy). */
const transposeCache = new WeakMap<object, Map<object, Map<string, CachedTranspose>>>();
/** Source dataIds (and shape keys) transposed once already: the second sighting is cached. */
const seenOnce = new WeakMap<object, Set<string>>();
let cachedBytes = 0;
let callsSinceSweep = 0;
const CACHE_LIMIT_BYTES = 256 * 1024 * 1024;
const SWEEP_EVERY = 200;

function cacheFor(backend: WasmBackend): Map<object, Map<string, CachedTranspose>> {
  let c = transposeCache.get(backend);
  if (!c) {
    c = new Map();
    transposeCache.set(backend, c);
  }
  return c;
}

/** Frees cached transposes whose source data is gone (or all of them with `all`). */
function sweep(backend: WasmBackend, all: boolean): void {
  const cache = cacheFor(backend);
  for (const [src, byShape] of cache) {
    if (!all && backend.dataIdMap.has(src)) continue;
    for (const entry of byShape.values()) {
      backend.disposeData(entry.info.dataId, true);
      cachedBytes -= entry.bytes;
    }
    cache.delete(src);
  }
}

/** Frees every cached transpose on the active wasm backend (tests, memory pressure). */
export function clearWasmKernelCaches(): void {
  if (tf.getBackend() !== 'wasm') return;
  sweep(asWasm(tf.backend()), true);
}

function rawTranspose(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  const kernel = tf.getKernel('Transpose', 'wasm');
  if (!kernel) throw new Error('wasm Transpose kernel missing');
  stats.transposes++;
  return kernel.kernelFunc({
    inputs: { x },
    backend: backend as unknown as tf.KernelBackend,
    attrs: { perm },
  }) as tf.TensorInfo;
}

/**
 * `x` with its last two axes swapped, and whether the caller owns (must free) the result.
 */
function transposeLast2(backend: WasmBackend, x: tf.TensorInfo): { info: tf.TensorInfo; owned: boolean } {
  const key = x.shape.join(',');
  const cache = cacheFor(backend);
  const hit = cache.get(x.dataId)?.get(key);
  if (hit) {
    stats.transposeCacheHits++;
    return { info: hit.info, owned: false };
  }
  const info = rawTranspose(backend, x);
  let seen = seenOnce.get(x.dataId);
  if (!seen) {
    seen = new Set();
    seenOnce.set(x.dataId, seen);
  }
  if (!seen.has(key)) {
    seen.add(key);
    return { info, owned: true };
  }
  const bytes = sizeOf(x.shape) * 4;
  if (cachedBytes + bytes > CACHE_LIMIT_BYTES) sweep(backend, false);
  if (cachedBytes + bytes > CACHE_LIMIT_BYTES) return { info, owned: true };
  let byShape = cache.get(x.dataId);
  if (!byShape) {
    byShape = new Map();
    cache.set(x.dataId, byShape);
  }
  byShape.set(key, { info, bytes });
  cachedBytes += bytes;
  return { info, owned: false };
}

// ---------------------------------------------------------------------------------------------
// BatchMatMul

/** Registers a view of `length` floats at `offset` floats into `data`'s buffer; returns its id. */
function registerView(backend: WasmBackend, data: WasmTensorData, offset: number, length: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, length, data.memoryOffset + offset * 4);
  return id;
}

/** Index of the operand's batch for output batch `o` under broadcasting. */
function broadcastIndex(o: number, outBatch: readonly number[], opBatch: readonly number[]): number {
  // Right-align the operand's batch dims with the output's.
  let idx = 0;
  let stride = 1;
  let rest = o;
  const off = outBatch.length - opBatch.length;
  const coords = new Array<number>(outBatch.length);
  for (let d = outBatch.length - 1; d >= 0; d--) {
    coords[d] = rest % outBatch[d]!;
    rest = Math.floor(rest / outBatch[d]!);
  }
  for (let d = opBatch.length - 1; d >= 0; d--) {
    const c = opBatch[d] === 1 ? 0 : coords[d + off]!;
    idx += c * stride;
    stride *= opBatch[d]!;
  }
  return idx;
}

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const original = originalBatchMatMul!;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const aBatchSize = sizeOf(aBatch);
  const bBatchSize = sizeOf(bBatch);
  if (
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    (!transposeA && !transposeB && aBatchSize === 1 && bBatchSize === 1)
  ) {
    stats.plain++;
    return original(args) as tf.TensorInfo;
  }
  const backend = asWasm(args.backend);
  if (++callsSinceSweep >= SWEEP_EVERY) {
    callsSinceSweep = 0;
    sweep(backend, false);
  }
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transposeA ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const k = transposeA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const kb = transposeB ? b.shape[br - 1]! : b.shape[br - 2]!;
  const n = transposeB ? b.shape[br - 2]! : b.shape[br - 1]!;
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const outBatchSize = sizeOf(outBatch);
  stats.rewritten++;

  const ta = transposeA ? transposeLast2(backend, a) : { info: a, owned: false };
  const tb = transposeB ? transposeLast2(backend, b) : { info: b, owned: false };
  try {
    const aData = backend.dataIdMap.get(ta.info.dataId)!;
    const bData = backend.dataIdMap.get(tb.info.dataId)!;
    const out = backend.makeOutput([...outBatch, m, n], 'float32');
    const outData = backend.dataIdMap.get(out.dataId)!;
    if (m * n === 0) return out;
    if (k === 0) {
      backend.typedArrayFromHeap(out).fill(0);
      return out;
    }
    const mm = wasmMatMul(backend);
    const bShape = shapeBytes([1, k, n]);
    if (bBatchSize === 1) {
      // Every A batch meets the same B: fold the batches into rows, one call.
      stats.xnnCalls++;
      mm(aData.id, shapeBytes([1, aBatchSize * m, k]), 3, bData.id, bShape, 3, false, false, outData.id);
      return out;
    }
    const aShape = shapeBytes([1, m, k]);
    for (let o = 0; o < outBatchSize; o++) {
      const ai = aBatchSize === 1 ? 0 : broadcastIndex(o, outBatch, aBatch);
      const bi = broadcastIndex(o, outBatch, bBatch);
      const aId = aBatchSize === 1 ? aData.id : registerView(backend, aData, ai * m * k, m * k);
      const bId = registerView(backend, bData, bi * k * n, k * n);
      const outId = registerView(backend, outData, o * m * n, m * n);
      stats.xnnCalls++;
      mm(aId, aShape, 3, bId, bShape, 3, false, false, outId);
      // Disposing a view id also frees XNNPACK's operator cached on it; the memory stays.
      if (aId !== aData.id) backend.wasm.tfjs.disposeData(aId);
      backend.wasm.tfjs.disposeData(bId);
      backend.wasm.tfjs.disposeData(outId);
    }
    return out;
  } finally {
    if (ta.owned) backend.disposeData(ta.info.dataId);
    if (tb.owned) backend.disposeData(tb.info.dataId);
  }
}

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum

/**
 * `x` `[...idsShape, ...inner]`, `segmentIds` int32 `idsShape` -> `[numSegments, ...inner]`;
 * rows with an id outside `[0, numSegments)` are dropped (as in TensorFlow).
 */
function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as { numSegments: number };
  const backend = asWasm(args.backend);
  stats.segmentSums++;
  const rows = sizeOf(segmentIds.shape);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = sizeOf(innerShape);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  // Views taken after the allocation: a malloc may grow (and move) the heap.
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  dst.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = ids[r]!;
    if (s < 0 || s >= numSegments) continue;
    const so = r * inner;
    const d = s * inner;
    for (let j = 0; j < inner; j++) dst[d + j]! += src[so + j]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Identity, Slice, Unpack: the stock kernels copy more than they need to.

/**
 * Shares the input's data (refcounted, as the wasm `Reshape` already does) instead of copying
 * it. The engine clones every tensor it saves for the backward pass through this kernel, and
 * sharing also keeps a weight's data id stable, so its cached transpose is reused.
 */
function identity(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return originalKernels.get('Identity')!(args) as tf.TensorInfo;
  asWasm(args.backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * `x[begin : begin + size]` read through a heap view; the stock kernel first copies the whole
 * input with `readSync` on every call (an unstack over T steps copied the sequence T times).
 */
function sliceInfo(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const rank = x.shape.length;
  const out = backend.makeOutput(size, x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = tf.slice_util.computeFlatOffset(begin, strides);
    dst.set(src.subarray(off, off + dst.length));
    return out;
  }
  // Copy runs along the last axis; walk the outer coordinates like an odometer.
  const run = size[rank - 1]!;
  const outer = dst.length / Math.max(run, 1);
  const coord = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < outer; o++) {
    let off = begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) off += (begin[d]! + coord[d]!) * strides[d]!;
    dst.set(src.subarray(off, off + run), o * run);
    for (let d = rank - 2; d >= 0; d--) {
      if (++coord[d]! < size[d]!) break;
      coord[d] = 0;
    }
  }
  return out;
}

function slice(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  if (x.dtype === 'string') return originalKernels.get('Slice')!(args) as tf.TensorInfo;
  // [begin, size], each of the input's rank.
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as unknown as tf.Tensor, begin, size) as [
    number[],
    number[],
  ];
  return sliceInfo(asWasm(args.backend), x, b, s);
}

function splitV(args: KernelArgs): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return originalKernels.get('SplitV')!(args) as tf.TensorInfo[];
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
  const backend = asWasm(args.backend);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((n) => {
    const size = [...x.shape];
    size[ax] = n;
    const out = sliceInfo(backend, x, begin, size);
    begin[ax]! += n;
    return out;
  });
}

/**
 * Sum over leading axes (every bias gradient: `[rows, n] -> [n]`) as one pass over the rows;
 * the stock kernel transposes the input first. Other reductions go to the stock kernel.
 */
function sum(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (x.dtype !== 'float32' || !leading) return originalKernels.get('Sum')!(args) as tf.TensorInfo;
  const backend = asWasm(args.backend);
  const rest = x.shape.slice(axes.length);
  const outShape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
  const out = backend.makeOutput(outShape, 'float32');
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const inner = dst.length;
  const rows = inner === 0 ? 0 : src.length / inner;
  dst.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * inner;
    for (let j = 0; j < inner; j++) dst[j]! += src[o + j]!;
  }
  return out;
}

function unpack(args: KernelArgs): tf.TensorInfo[] {
  const { value } = args.inputs as { value: tf.TensorInfo };
  if (value.dtype === 'string') return originalKernels.get('Unpack')!(args) as tf.TensorInfo[];
  const rank = value.shape.length;
  let { axis } = args.attrs as { axis: number };
  if (axis < 0) axis += rank;
  const backend = asWasm(args.backend);
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array<number>(rank).fill(0);
  const size = [...value.shape];
  size[axis] = 1;
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]!; i++) {
    begin[axis] = i;
    const o = sliceInfo(backend, value, begin, size);
    outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
  }
  return outs;
}

// ---------------------------------------------------------------------------------------------

/**
 * Registers the kernels above for the 'wasm' backend. Idempotent; call it before or after
 * `tf.setBackend('wasm')`.
 */
export function registerWasmKernels(): void {
  const current = tf.getKernel('BatchMatMul', 'wasm') as (tf.KernelConfig & { [MARK]?: true }) | undefined;
  if (!current) throw new Error('The TensorFlow.js wasm backend is not loaded (no BatchMatMul kernel for wasm).');
  if (!current[MARK]) {
    originalBatchMatMul = current.kernelFunc;
    tf.unregisterKernel('BatchMatMul', 'wasm');
    // The original's setup (when the backend starts later) still has to run for the plain case.
    const config = { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul, [MARK]: true as const };
    tf.registerKernel(current.setupFunc ? { ...config, setupFunc: current.setupFunc } : config);
  }
  for (const [name, kernelFunc] of [
    ['Identity', identity],
    ['Slice', slice],
    ['Unpack', unpack],
    ['SplitV', splitV],
    ['Sum', sum],
  ] as const) {
    const k = tf.getKernel(name, 'wasm') as (tf.KernelConfig & { [MARK]?: true }) | undefined;
    if (!k || k[MARK]) continue;
    originalKernels.set(name, k.kernelFunc);
    tf.unregisterKernel(name, 'wasm');
    const config = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: kernelFunc as tf.KernelFunc,
      [MARK]: true as const,
    };
    tf.registerKernel(k.setupFunc ? { ...config, setupFunc: k.setupFunc } : config);
  }
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum });
  }
}
