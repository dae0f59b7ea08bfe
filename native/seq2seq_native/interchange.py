"""The interchange file: named float tensors in the safetensors layout, shared with the TypeScript side.

Layout (native/README.md): 8 bytes little-endian u64 `N`, `N` bytes of UTF-8 JSON header padded
with spaces to a multiple of 8, then the raw little-endian tensor bytes. The header's
`__metadata__` holds string values only: `format` ("seq2seq-studio/interchange"), `version` ("1"),
`config` (the resolved ModelConfig as JSON text) and optionally `step`. Tensors are written as F32
in the caller's order (offsets increase in that order); readers accept F32 and F16. Reading
validates everything it relies on and raises a ValueError that names the file and the problem;
writing goes through a temporary file in the same folder and `os.replace`, so a reader never sees
a half-written file. Written by hand with json + struct + numpy (no safetensors package needed).
"""
from __future__ import annotations

import json
import os
import struct
import uuid
from typing import Any

import numpy as np
import torch

FORMAT = "seq2seq-studio/interchange"
VERSION = "1"
# dtype name -> (numpy little-endian dtype, bytes per element)
_DTYPES: dict[str, tuple[str, int]] = {"F32": ("<f4", 4), "F16": ("<f2", 2)}
# The header is JSON; refuse absurd sizes before allocating (100 MiB is far above any real model).
_MAX_HEADER = 100 * 1024 * 1024


def _fail(path: str | os.PathLike[str], problem: str) -> ValueError:
    return ValueError(f"{os.fspath(path)}: not a valid interchange file: {problem}")


def _parse_header(path: str | os.PathLike[str], raw: bytes) -> dict[str, Any]:
    """The JSON header as a dict; raises ValueError on anything but a JSON object."""
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _fail(path, f"header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise _fail(path, "header is not a JSON object")
    return header


def _check_metadata(path: str | os.PathLike[str], header: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validates `__metadata__` and returns (config, metadata)."""
    metadata = header.get("__metadata__")
    if not isinstance(metadata, dict):
        raise _fail(path, "header has no __metadata__ object")
    for k, v in metadata.items():
        if not isinstance(v, str):
            raise _fail(path, f"metadata field {k!r} is not a string")
    if metadata.get("format") != FORMAT:
        raise _fail(path, f"metadata format is {metadata.get('format')!r}, expected {FORMAT!r}")
    if metadata.get("version") != VERSION:
        raise _fail(path, f"unsupported version {metadata.get('version')!r} (this reader knows {VERSION!r})")
    if "config" not in metadata:
        raise _fail(path, "metadata has no config")
    try:
        config = json.loads(metadata["config"])
    except json.JSONDecodeError as e:
        raise _fail(path, f"metadata config is not JSON ({e})") from None
    if not isinstance(config, dict):
        raise _fail(path, "metadata config is not a JSON object")
    return config, dict(metadata)


def _check_entry(path: str | os.PathLike[str], name: str, entry: Any, data_len: int) -> tuple[str, list[int], int, int]:
    """Validates one tensor entry; returns (dtype, shape, begin, end) with offsets into the data."""
    if not isinstance(entry, dict):
        raise _fail(path, f"tensor {name!r}: entry is not an object")
    dtype = entry.get("dtype")
    if dtype not in _DTYPES:
        raise _fail(path, f"tensor {name!r}: unsupported dtype {dtype!r} (expected F32 or F16)")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise _fail(path, f"tensor {name!r}: shape {shape!r} is not a list of non-negative integers")
    offsets = entry.get("data_offsets")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
    ):
        raise _fail(path, f"tensor {name!r}: data_offsets {offsets!r} is not a pair of integers")
    begin, end = offsets
    if not 0 <= begin <= end <= data_len:
        raise _fail(path, f"tensor {name!r}: data_offsets {offsets} out of range (data has {data_len} bytes)")
    want = int(np.prod(shape, dtype=np.int64)) * _DTYPES[dtype][1]
    if end - begin != want:
        raise _fail(path, f"tensor {name!r}: {end - begin} bytes for shape {shape} {dtype} (expected {want})")
    return dtype, shape, begin, end


def read_interchange(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict[str, str]]:
    """Reads an interchange file.

    Returns (config parsed from metadata "config", float32 tensors by name in file order, the raw
    metadata). Raises ValueError naming the file for a file that is too short, a header that is not
    JSON, offsets out of range or overlapping, an unsupported dtype, a wrong format or version.
    """
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise _fail(path, f"too short ({len(blob)} bytes; the 8-byte header length is missing)")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > _MAX_HEADER or 8 + n > len(blob):
        raise _fail(path, f"too short for its header (header length {n}, file {len(blob)} bytes)")
    header = _parse_header(path, blob[8 : 8 + n])
    config, metadata = _check_metadata(path, header)
    data = memoryview(blob)[8 + n :]
    entries = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        entries.append((name, *_check_entry(path, name, entry, len(data))))
    spans = sorted((begin, end, name) for name, _, _, begin, end in entries if end > begin)
    for (b0, e0, n0), (b1, _, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise _fail(path, f"tensors {n0!r} [{b0}, {e0}) and {n1!r} (from {b1}) overlap")
    tensors: dict[str, torch.Tensor] = {}
    for name, dtype, shape, begin, end in entries:
        arr = np.frombuffer(data[begin:end], dtype=_DTYPES[dtype][0]).astype(np.float32).reshape(shape)
        tensors[name] = torch.from_numpy(arr.copy())
    return config, tensors, metadata


def write_interchange(
    path: str | os.PathLike[str],
    config: dict[str, Any],
    named: list[tuple[str, torch.Tensor]],
    metadata: dict[str, str] | None = None,
) -> None:
    """Writes `named` tensors as F32 in the given order, atomically (temporary file + os.replace).

    `metadata` adds string fields (e.g. "step") to format, version and config, which it may not
    override.
    """
    meta: dict[str, str] = {}
    for k, v in (metadata or {}).items():
        if not isinstance(v, str):
            raise ValueError(f"metadata field {k!r} must be a string, got {type(v).__name__}")
        meta[k] = v
    meta.update({"format": FORMAT, "version": VERSION, "config": json.dumps(config)})
    header: dict[str, Any] = {"__metadata__": meta}
    chunks: list[bytes] = []
    offset = 0
    for name, tensor in named:
        if name in header:
            raise ValueError(f"tensor name {name!r} appears twice (or is reserved)")
        t = tensor.detach().to(device="cpu", dtype=torch.float32).contiguous()
        raw = t.numpy().astype("<f4", copy=False).tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    # Same folder, so os.replace is a rename; "x" mode keeps the umask's permissions.
    tmp = f"{os.fspath(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with open(tmp, "xb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for raw in chunks:
                f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
