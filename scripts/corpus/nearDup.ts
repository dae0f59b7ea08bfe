/**
 * Near-duplicate code across projects: MinHash signatures of each function's normalised-token
 * shingles, indexed with locality-sensitive hashing (bands of rows), so a function that is a
 * lightly edited copy of one already kept (a helper vendored into several packages, a renamed
 * variable, a changed literal) is found without comparing every pair.
 *
 * Hand-written rather than a library: the npm MinHash packages are small, unmaintained and hash
 * strings with slow generic code; this is ~100 lines over FNV token hashes and `Math.imul`.
 */
import { hashString } from '../../src/mining/random';

export interface NearDupOptions {
  /** Hash functions per signature (bands × rows). */
  readonly bands?: number;
  readonly rows?: number;
  /** Tokens per shingle. */
  readonly shingle?: number;
  /** Estimated Jaccard similarity from which two functions count as near-duplicates. */
  readonly threshold?: number;
  /** At most this many earlier members of one bucket are compared (keeps huge buckets cheap). */
  readonly maxCandidates?: number;
}

const DEFAULTS = { bands: 12, rows: 5, shingle: 5, threshold: 0.8, maxCandidates: 16 };

/**
 * Normalised tokens: identifiers and words lower-cased, every string literal `S`, every number
 * `0`, punctuation as itself; comments are already gone from mined code.
 */
export function normalisedTokens(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(
    /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|\d[\w.]*|[\p{L}_$][\p{L}\p{N}_$]*|\S/gu,
  )) {
    const t = m[0];
    const c = t[0]!;
    out.push(c === '"' || c === "'" || c === '`' ? 'S' : c >= '0' && c <= '9' ? '0' : t.toLowerCase());
  }
  return out;
}

/** The 32-bit hashes of the code's k-token shingles (one shingle when the code is shorter). */
export function shingleHashes(code: string, k = DEFAULTS.shingle): Uint32Array {
  const toks = normalisedTokens(code).map((t) => hashString(t));
  const n = Math.max(1, toks.length - k + 1);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < Math.min(i + k, toks.length); j++) h = Math.imul(h ^ toks[j]!, 0x01000193) >>> 0;
    out[i] = h;
  }
  return out;
}

/** MinHash signature: for each of `size` seeded hash functions, the least hash over the shingles. */
export function minHash(shingles: Uint32Array, size: number): Uint32Array {
  const sig = new Uint32Array(size).fill(0xffffffff);
  for (let i = 0; i < size; i++) {
    const a = (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0;
    const b = Math.imul(i + 7, 0x85ebca6b) >>> 0;
    let min = 0xffffffff;
    for (let j = 0; j < shingles.length; j++) {
      let h = (Math.imul(shingles[j]!, a) + b) >>> 0;
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d) >>> 0;
      h ^= h >>> 12;
      if (h < min) min = h;
    }
    sig[i] = min;
  }
  return sig;
}

/** A signature as base64 (for the mined JSONL) and back. */
export function signatureToBase64(sig: Uint32Array): string {
  return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString('base64');
}

export function signatureFromBase64(text: string): Uint32Array {
  const buf = Buffer.from(text, 'base64');
  const out = new Uint32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

/** Share of equal positions of two signatures: an estimate of their sets' Jaccard similarity. */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * An index of kept functions. `check` says whether a function is a near-duplicate of a kept one
 * from another project; `add` keeps it. Projects are small integers (any label works).
 */
export class NearDupIndex {
  private readonly o: typeof DEFAULTS;
  private readonly buckets: Map<number, number | number[]>[];
  private readonly sigs: Uint32Array[] = [];
  private readonly projects: number[] = [];

  constructor(options: NearDupOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
    this.buckets = Array.from({ length: this.o.bands }, () => new Map());
  }

  signature(code: string): Uint32Array {
    return minHash(shingleHashes(code, this.o.shingle), this.o.bands * this.o.rows);
  }

  private bandKey(sig: Uint32Array, band: number): number {
    let h = 0x811c9dc5 ^ band;
    for (let r = band * this.o.rows; r < (band + 1) * this.o.rows; r++) h = Math.imul(h ^ sig[r]!, 0x01000193) >>> 0;
    return h;
  }

  /** The kept function (its index in add order) this one nearly copies from another project, if any. */
  check(sig: Uint32Array, project: number): number | undefined {
    for (let band = 0; band < this.o.bands; band++) {
      const hit = this.buckets[band]!.get(this.bandKey(sig, band));
      if (hit === undefined) continue;
      const members = typeof hit === 'number' ? [hit] : hit;
      for (const m of members.slice(0, this.o.maxCandidates)) {
        if (this.projects[m] !== project && similarity(sig, this.sigs[m]!) >= this.o.threshold) return m;
      }
    }
    return undefined;
  }

  add(sig: Uint32Array, project: number): number {
    const id = this.sigs.length;
    this.sigs.push(sig);
    this.projects.push(project);
    for (let band = 0; band < this.o.bands; band++) {
      const map = this.buckets[band]!;
      const key = this.bandKey(sig, band);
      const hit = map.get(key);
      if (hit === undefined) map.set(key, id);
      else if (typeof hit === 'number') map.set(key, [hit, id]);
      else if (hit.length < this.o.maxCandidates) hit.push(id);
    }
    return id;
  }
}
