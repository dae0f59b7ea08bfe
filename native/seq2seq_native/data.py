"""Training data: the examples file, padded batches and their split between data-parallel ranks.

- `read_examples` reads `examples.bin` version 1 (src/training/examplesCache.ts): little-endian
  int32 `[version, count]`, then per example `[srcLength, tgtLength, ...src, ...tgt]`. A file that
  decode() there would refuse (short, damaged, another version, trailing data) raises a
  ValueError naming the file and what is wrong.
- `batch_plan` / `make_batches` group examples as src/mining/dataset.ts makeBatches does: a seeded
  Fisher-Yates shuffle (mulberry32, the same generator as src/mining/random.ts, so the same seed
  gives the same batches as the TypeScript trainer), pools of `batchSize * 50` sorted by
  (source length, target length), cut into batches, the batch order shuffled.
- `collate` pads like dataset.ts collate: `tgtIn = [BOS, ...tgt]`, `tgtOut = [...tgt, EOS]`,
  rows right-padded with PAD (0) to the batch's longest.
- `shard_rows` / `shard_batch` give each rank its contiguous share of a global batch's rows, as
  src/training/gradients.ts splitBatch does (the first shares take the remainder; padding is
  kept), so N processes on a global batch of B rows compute what one process does on all B.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Iterable, NamedTuple, Optional, Sequence

import numpy as np

PAD_ID = 0
BOS_ID = 1
EOS_ID = 2
EXAMPLES_VERSION = 1
DEFAULT_POOL_BATCHES = 50


@dataclass(frozen=True)
class Examples:
    """Tokenized examples kept as one flat int32 array (a large corpus costs no Python objects)."""

    ids: np.ndarray  # int32, every src and tgt back to back
    src_start: np.ndarray  # int64 [n]; tgt i starts at src_start[i] + src_len[i]
    src_len: np.ndarray  # int64 [n]
    tgt_len: np.ndarray  # int64 [n]

    def __len__(self) -> int:
        return int(self.src_len.shape[0])

    def src(self, i: int) -> np.ndarray:
        s = int(self.src_start[i])
        return self.ids[s : s + int(self.src_len[i])]

    def tgt(self, i: int) -> np.ndarray:
        s = int(self.src_start[i] + self.src_len[i])
        return self.ids[s : s + int(self.tgt_len[i])]

    def max_src_id(self) -> int:
        return _max_over(self.ids, self.src_start, self.src_len)

    def max_tgt_id(self) -> int:
        return _max_over(self.ids, self.src_start + self.src_len, self.tgt_len)

    @staticmethod
    def from_pairs(pairs: Iterable[tuple[Sequence[int], Sequence[int]]]) -> "Examples":
        """Examples from `(src, tgt)` id lists."""
        flat: list[int] = []
        starts: list[int] = []
        slens: list[int] = []
        tlens: list[int] = []
        for src, tgt in pairs:
            starts.append(len(flat))
            slens.append(len(src))
            tlens.append(len(tgt))
            flat.extend(int(x) for x in src)
            flat.extend(int(x) for x in tgt)
        return Examples(
            np.asarray(flat, dtype=np.int32),
            np.asarray(starts, dtype=np.int64),
            np.asarray(slens, dtype=np.int64),
            np.asarray(tlens, dtype=np.int64),
        )


def _max_over(ids: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> int:
    """The largest id inside the given segments (-1 when they are all empty)."""
    if ids.size == 0 or lengths.sum() == 0:
        return -1
    mask = np.zeros(ids.shape[0] + 1, dtype=np.int64)
    np.add.at(mask, starts, 1)
    np.add.at(mask, starts + lengths, -1)
    inside = np.cumsum(mask[:-1]) > 0
    return int(ids[inside].max())


def decode_examples(data: bytes, where: str) -> Examples:
    """The examples in `data`; ValueError naming `where` when decode() in examplesCache.ts would refuse them."""
    if len(data) % 4 != 0 or len(data) < 8:
        raise ValueError(
            f"{where}: not an examples file: {len(data)} bytes is not a header and whole int32 records "
            "(short or damaged)"
        )
    ints = np.frombuffer(data, dtype="<i4")
    if int(ints[0]) != EXAMPLES_VERSION:
        raise ValueError(f"{where}: examples file version {int(ints[0])}, expected {EXAMPLES_VERSION}")
    count = int(ints[1])
    n = ints.shape[0]
    starts = np.empty(max(count, 0), dtype=np.int64)
    slens = np.empty(max(count, 0), dtype=np.int64)
    tlens = np.empty(max(count, 0), dtype=np.int64)
    k = 2
    for i in range(count):
        if k + 2 > n:
            raise ValueError(f"{where}: examples file is cut short: {count} examples announced, {i} found")
        s = int(ints[k])
        t = int(ints[k + 1])
        k += 2
        if s < 0 or t < 0 or k + s + t > n:
            raise ValueError(f"{where}: examples file is damaged at example {i} (lengths {s}, {t})")
        starts[i] = k
        slens[i] = s
        tlens[i] = t
        k += s + t
    if k != n:
        raise ValueError(f"{where}: examples file has {4 * (n - k)} bytes after its {count} examples (damaged)")
    return Examples(ints.astype(np.int32), starts, slens, tlens)


def read_examples(path: str) -> Examples:
    """Reads an examples file (version 1); ValueError naming the file when it is missing or unusable."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ValueError(f"{path}: no such examples file") from None
    except IsADirectoryError:
        raise ValueError(f"{path}: is a folder, not an examples file") from None
    return decode_examples(data, path)


def encode_examples(examples: Examples) -> bytes:
    """The examples-file bytes of `examples` (the inverse of decode_examples)."""
    out: list[np.ndarray] = [np.asarray([EXAMPLES_VERSION, len(examples)], dtype="<i4")]
    for i in range(len(examples)):
        out.append(np.asarray([examples.src_len[i], examples.tgt_len[i]], dtype="<i4"))
        out.append(examples.src(i).astype("<i4"))
        out.append(examples.tgt(i).astype("<i4"))
    return b"".join(a.tobytes() for a in out)


def write_examples(path: str, examples: Examples) -> None:
    """Writes an examples file atomically (temporary file, then rename)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(encode_examples(examples))
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Seeded order (src/mining/random.ts)


def seeded_random(seed: int):
    """mulberry32, bit for bit as src/mining/random.ts seededRandom: floats in [0, 1)."""
    state = [seed & 0xFFFFFFFF]

    def imul(a: int, b: int) -> int:
        return (a * b) & 0xFFFFFFFF

    def next_value() -> float:
        a = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        state[0] = a
        t = imul(a ^ (a >> 15), a | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    return next_value


def shuffle_in_place(items: list, random) -> list:
    """Fisher-Yates, as src/mining/random.ts shuffleInPlace."""
    for i in range(len(items) - 1, 0, -1):
        j = int(random() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


# ---------------------------------------------------------------------------------------------
# Batches


class Batch(NamedTuple):
    """A padded batch (src/core/batch.ts): int64 arrays `src [b, S]`, `tgt_in`/`tgt_out [b, T]`."""

    src: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.src.shape[0])

    def target_tokens(self) -> int:
        """Target tokens that count in the loss (tgtOut ids other than PAD)."""
        return int((self.tgt_out != PAD_ID).sum())

    def rows_slice(self, start: int, end: int) -> "Batch":
        return Batch(self.src[start:end], self.tgt_in[start:end], self.tgt_out[start:end])


def collate(examples: Examples, indices: Sequence[int]) -> Batch:
    """Pads examples `indices` into one batch (the conventions of dataset.ts collate)."""
    if len(indices) == 0:
        raise ValueError("cannot collate an empty batch")
    idx = np.asarray(indices, dtype=np.int64)
    slen = examples.src_len[idx]
    tlen = examples.tgt_len[idx]
    S = int(slen.max())
    T = int(tlen.max()) + 1
    src = np.full((len(idx), S), PAD_ID, dtype=np.int64)
    tgt_in = np.full((len(idx), T), PAD_ID, dtype=np.int64)
    tgt_out = np.full((len(idx), T), PAD_ID, dtype=np.int64)
    for r, i in enumerate(idx):
        s = examples.src(int(i))
        t = examples.tgt(int(i))
        src[r, : s.shape[0]] = s
        tgt_in[r, 0] = BOS_ID
        tgt_in[r, 1 : 1 + t.shape[0]] = t
        tgt_out[r, : t.shape[0]] = t
        tgt_out[r, t.shape[0]] = EOS_ID
    return Batch(src, tgt_in, tgt_out)


def batch_plan(
    examples: Examples, batch_size: int, seed: int, pool_batches: int = DEFAULT_POOL_BATCHES
) -> list[np.ndarray]:
    """The example indices of each batch, in the order of dataset.ts makeBatches (same seed, same batches)."""
    if batch_size < 1:
        raise ValueError("batchSize must be at least 1")
    random = seeded_random(seed)
    order = shuffle_in_place(list(range(len(examples))), random)
    pool = batch_size * pool_batches
    out: list[np.ndarray] = []
    order_arr = np.asarray(order, dtype=np.int64)
    for i in range(0, len(order), pool):
        chunk = order_arr[i : i + pool]
        # Stable sort by (src length, tgt length), as Array.prototype.sort with that comparator.
        keyed = chunk[np.lexsort((examples.tgt_len[chunk], examples.src_len[chunk]))]
        for j in range(0, keyed.shape[0], batch_size):
            out.append(keyed[j : j + batch_size])
    return shuffle_in_place(out, random)


def make_batches(
    examples: Examples, batch_size: int, seed: int, pool_batches: int = DEFAULT_POOL_BATCHES
) -> list[Batch]:
    """Length-bucketed, seeded, padded batches covering every example once (dataset.ts makeBatches)."""
    return [collate(examples, b) for b in batch_plan(examples, batch_size, seed, pool_batches)]


# ---------------------------------------------------------------------------------------------
# Batch files (parity checks)


def _rectangular(name: str, rows: object, where: str) -> np.ndarray:
    if not isinstance(rows, list) or len(rows) == 0 or not all(isinstance(r, list) for r in rows):
        raise ValueError(f"{where}: \"{name}\" must be a non-empty list of id lists")
    width = len(rows[0])
    for r in rows:
        if len(r) != width:
            raise ValueError(f"{where}: \"{name}\" rows differ in length ({len(r)} vs {width}); pad them")
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in r):
            raise ValueError(f"{where}: \"{name}\" holds something other than non-negative integer ids")
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), width)


def batch_from_json(value: object, where: str = "batch") -> Batch:
    """A Batch from `{"src", "tgtIn", "tgtOut"}` (rectangular, right-padded with 0)."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object with src, tgtIn and tgtOut")
    missing = [k for k in ("src", "tgtIn", "tgtOut") if k not in value]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    src = _rectangular("src", value["src"], where)
    tgt_in = _rectangular("tgtIn", value["tgtIn"], where)
    tgt_out = _rectangular("tgtOut", value["tgtOut"], where)
    if not (src.shape[0] == tgt_in.shape[0] == tgt_out.shape[0]):
        raise ValueError(f"{where}: src, tgtIn and tgtOut have different row counts")
    if tgt_in.shape != tgt_out.shape:
        raise ValueError(f"{where}: tgtIn is {list(tgt_in.shape)} but tgtOut is {list(tgt_out.shape)}")
    return Batch(src, tgt_in, tgt_out)


def read_batch_file(path: str) -> Batch:
    """Reads a batch JSON file; ValueError naming the file when it is missing or malformed."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such batch file") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not JSON ({e})") from None
    return batch_from_json(value, path)


def batch_to_json(batch: Batch) -> dict:
    return {"src": batch.src.tolist(), "tgtIn": batch.tgt_in.tolist(), "tgtOut": batch.tgt_out.tolist()}


# ---------------------------------------------------------------------------------------------
# Data parallelism


def shard_rows(rows: int, rank: int, world: int) -> tuple[int, int]:
    """Rows `[start, end)` of rank `rank` out of `world` (gradients.ts splitBatch; empty past the shares)."""
    shares = max(1, min(world, rows))
    if rank >= shares:
        return rows, rows
    base, extra = divmod(rows, shares)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def shard_batch(batch: Batch, rank: int, world: int) -> Optional[Batch]:
    """This rank's rows of a global batch, or None when the batch has fewer rows than ranks and none are left."""
    start, end = shard_rows(batch.rows, rank, world)
    return batch.rows_slice(start, end) if end > start else None
