"""The parity-check commands `forward` and `decode` (native/README.md), which let the TypeScript
side compare this engine's numbers with its own on the same weights.

`forward --weights W --batch B.json --out O.json [--label-smoothing E]` writes the teacher-forced
logits `[b, T, V]` (flattened row-major, with `shape`) and the masked cross-entropy `loss` of a
batch file `{"src", "tgtIn", "tgtOut"}` (masks derived as id != PAD), without dropout.
`decode --weights W --sources S.json --out O.json --beam-size K --max-length N
[--length-penalty A]` writes `[[output ids], ...]` (EOS excluded) for `S.json` = `[[src ids],
...]`: greedy search for K = 1, beam search otherwise (n-best 1). Both run on one CPU thread by
default (`--threads`), so results do not depend on the machine's core count.
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Any

import torch

from .loss import masked_cross_entropy
from .model import load_model
from .search import DecodeOptions, beam_search, greedy_decode

PAD_ID = 0


def _write_json(path: str, value: Any) -> None:
    """Writes JSON atomically (temporary file in the same folder, then rename)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def _rectangular(name: str, rows: Any) -> torch.Tensor:
    """A JSON list of equal-length int lists as int64 `[b, L]`; ValueError otherwise."""
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise ValueError(f"batch {name} must be a non-empty list of lists")
    if len({len(r) for r in rows}) != 1:
        raise ValueError(f"batch {name} rows differ in length; pad them")
    return torch.tensor(rows, dtype=torch.long)


def forward_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="seq2seq_native forward", description="teacher-forced logits and loss")
    p.add_argument("--weights", required=True, help="interchange file (*.safetensors)")
    p.add_argument("--batch", required=True, help='JSON {"src": [[...]], "tgtIn": [[...]], "tgtOut": [[...]]}')
    p.add_argument("--out", required=True, help="JSON output: logits, shape, loss")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_model(args.weights)
    with open(args.batch, encoding="utf-8") as f:
        batch = json.load(f)
    src, tgt_in, tgt_out = (_rectangular(k, batch.get(k)) for k in ("src", "tgtIn", "tgtOut"))
    with torch.no_grad():
        logits = model.logits(src, (src != PAD_ID).float(), tgt_in, False)
        loss = masked_cross_entropy(logits, tgt_out, (tgt_out != PAD_ID).float(), args.label_smoothing)
    _write_json(args.out, {"shape": list(logits.shape), "logits": logits.reshape(-1).tolist(), "loss": float(loss)})
    return 0


def decode_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="seq2seq_native decode", description="greedy or beam search")
    p.add_argument("--weights", required=True, help="interchange file (*.safetensors)")
    p.add_argument("--sources", required=True, help="JSON [[src ids], ...]")
    p.add_argument("--out", required=True, help="JSON output: [[output ids], ...]")
    p.add_argument("--beam-size", type=int, required=True, help="1 = greedy")
    p.add_argument("--max-length", type=int, required=True)
    p.add_argument("--length-penalty", type=float, default=None, help="GNMT alpha (default: 0.6 beam, 0 greedy)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_model(args.weights)
    with open(args.sources, encoding="utf-8") as f:
        sources = json.load(f)
    if not isinstance(sources, list) or not all(isinstance(s, list) for s in sources):
        raise ValueError("sources must be a JSON list of id lists")
    outputs: list[list[int]] = []
    for src in sources:
        if args.beam_size == 1:
            alpha = 0.0 if args.length_penalty is None else args.length_penalty
            outputs.append(greedy_decode(model, src, args.max_length, 0, alpha).tokens)
        else:
            opts = DecodeOptions(beam_size=args.beam_size, max_length=args.max_length, n_best=1)
            if args.length_penalty is not None:
                opts.length_penalty = args.length_penalty
            hyps = beam_search(model, src, opts)
            outputs.append(hyps[0].tokens if hyps else [])
    _write_json(args.out, outputs)
    return 0
