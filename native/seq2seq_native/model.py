"""The model contract shared by the recurrent, Transformer and convolutional twins of src/core, and the factory.

`Seq2Seq` owns its weights as one `nn.ParameterList` with a parallel list of src/core checkpoint
names (`encoder/l0/fw/wx`; ParameterDict forbids '/'), registered in the same order and with the
same shapes as the TypeScript WeightStore, so an interchange file maps onto it one to one. Dense
weights are `[in, out]` and used as `x @ w + b`. A model does what src/core/model.ts's contract
does: teacher-forced `logits` `[b, T, V]` (log-probabilities with `copy`) for training and
scoring, and step-wise decoding for search (`encode` once, `initial_state`, then `step` per
token); decoding tensors are bundles with the batch (beam) on axis 0 of every part, so search can
reorder or tile beams with `select_rows` without knowing the architecture. Fresh weights follow
the TypeScript initialisers' distributions (not their values: those come from a file).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .interchange import read_interchange, write_interchange

# Source ids below this are special tokens (PAD, BOS, EOS, UNK, CODE2DOC, DOC2CODE): never copied.
FIRST_WORD_ID = 6
# Added to the mixed probabilities before the log (decoder.ts COPY_FLOOR).
COPY_FLOOR = 1e-18


@dataclass
class DecodingTensors:
    """Decoding-time tensors, each with the batch on axis 0; `position` = output steps taken."""

    parts: list[torch.Tensor]
    position: int


@dataclass
class StepOutput:
    """One decoder step: `log_probs` `[n, V]`, `attention` `[n, S]` (None for 'none'),
    `copy_log_probs` `[n, V]` (copy models only), and the new state."""

    log_probs: torch.Tensor
    attention: torch.Tensor | None
    copy_log_probs: torch.Tensor | None
    state: DecodingTensors


def select_rows(t: DecodingTensors, rows: torch.Tensor) -> DecodingTensors:
    """Picks rows (beams) of every part: `rows` int64 `[m]` indexes axis 0."""
    return DecodingTensors([p.index_select(0, rows) for p in t.parts], t.position)


def dense(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """`x @ w (+ b)` over the last axis: `[..., in] -> [..., out]` (layers.ts dense); the bias is
    added by the product itself (addmm), not by a pass of its own."""
    x2 = x.reshape(-1, x.shape[-1])
    y = x2 @ w if b is None else torch.addmm(b, x2, w)
    return y.reshape(*x.shape[:-1], w.shape[1])


def maybe_dropout(x: torch.Tensor, rate: float, training: bool) -> torch.Tensor:
    """Inverted dropout (`x * keep / (1 - rate)`, keep ~ Bernoulli(1 - rate)), only while training
    with a rate above zero, from torch's own RNG. On the CPU the mask is drawn as `uniform >= rate`
    (F.dropout's bernoulli_ draws a double per element there: about twice as slow)."""
    if not (training and rate > 0):
        return x
    if x.device.type != "cpu" or rate >= 1:
        return F.dropout(x, rate, True)
    noise = torch.rand_like(x).ge_(rate).div_(1 - rate)  # in place: 1 where kept, then 1 / (1 - rate)
    return x * noise


def copy_mixture(
    logits: torch.Tensor, gate: torch.Tensor, attention: torch.Tensor, src: torch.Tensor, copy_log: bool = True
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The pointer-generator output (decoder.ts `output`/`copyParts`/`copyDistribution`).

    `logits` `[b, T, V]`, `gate` `[b, T, 1]` (share generated), `attention` `[b, T, S]`, `src`
    int64 `[b, S]` -> (`log p` `[b, T, V]`, `log` of the copy part `[b, T, V]`, or None when
    `copy_log` is False: training never reads it). Attention on special tokens is not copied but
    goes to the generator's share:

        p = (1 - copy_share) * softmax(logits) + (1 - gate) * copied,
        copied_v = sum of the word attention on source positions holding v,
        copy_share = (1 - gate) * sum of the word attention,

    and `log(p + COPY_FLOOR)` (`log(copy part + COPY_FLOOR)`).
    """
    b, T, V = logits.shape
    S = src.shape[1]
    words = (src >= FIRST_WORD_ID).to(attention.dtype).reshape(b, 1, S)
    word_attention = attention * words
    log_p = _CopyMixture.apply(logits, gate, word_attention, src)
    if not copy_log:
        return log_p, None
    index = src.reshape(b, 1, S).expand(b, T, S)
    copied = torch.zeros(b, T, V, dtype=attention.dtype, device=attention.device).scatter_add(2, index, word_attention)
    return log_p, torch.log((1 - gate) * copied + COPY_FLOOR)


class _CopyMixture(torch.autograd.Function):
    """`copy_mixture`'s `log p` from `logits` `[b, T, V]`, `gate` `[b, T, 1]`, the word attention
    `[b, T, S]` and `src` `[b, S]`, touching `[b, T, V]` as few times as the maths allows: the copy
    part is nonzero only at the S source ids of a row, so it is added there (each id's attention
    summed over the positions holding it) instead of as a dense `[b, T, V]` term, and the backward
    pass is written out (softmax's and the mixture's gradients share one dot product per row)."""

    @staticmethod
    def forward(ctx, logits: torch.Tensor, gate: torch.Tensor, wa: torch.Tensor, src: torch.Tensor):  # type: ignore[override]
        b, T, V = logits.shape
        S = src.shape[1]
        index = src.reshape(b, 1, S).expand(b, T, S)
        same = (src.unsqueeze(2) == src.unsqueeze(1)).to(wa.dtype)  # [b, S, S]: positions holding one id
        g1 = 1 - gate  # [b, T, 1] copied share of the copy attention
        copy_share = g1 * wa.sum(2, keepdim=True)
        sm = torch.softmax(logits, 2)
        gen = (1 - copy_share) * sm
        p = gen + COPY_FLOOR
        # At each source id: (generated + copy part) + floor, the copy part of an id once per position.
        copy_part = g1 * torch.bmm(wa, same)  # [b, T, S]
        p.scatter_(2, index, (gen.gather(2, index) + copy_part) + COPY_FLOOR)
        ctx.save_for_backward(sm, gen, p, g1, wa, index)
        return torch.log(p)

    @staticmethod
    def backward(ctx, d_log_p: torch.Tensor):  # type: ignore[override]
        sm, gen, p, g1, wa, index = ctx.saved_tensors
        b, T, V = sm.shape
        dp = d_log_p / p
        dp_src = dp.gather(2, index)  # [b, T, S]
        dot = torch.bmm(dp.view(b * T, 1, V), sm.view(b * T, V, 1)).view(b, T, 1)  # sum_v dp_v sm_v
        # d copy_share = -dot; d word attention_s = g1 (dp at its id - dot).
        d_wa = g1 * (dp_src - dot)
        d_g1 = (wa * (dp_src - dot)).sum(2, keepdim=True)
        d_logits = dp.sub_(dot).mul_(gen)  # (1 - copy_share) softmax' : gen * (dp - dot)
        return d_logits, -d_g1, d_wa, None


class Seq2Seq(nn.Module):
    """Base of both architectures: named weights in TypeScript order, loading, the contract."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(config)
        self.weights = nn.ParameterList()
        self.weight_names: list[str] = []
        self._index: dict[str, int] = {}

    # --- registration (the WeightStore's initialisers) -------------------------------------
    def _add(self, name: str, values: torch.Tensor) -> nn.Parameter:
        if name in self._index:
            raise ValueError(f"weight {name} registered twice")
        p = nn.Parameter(values.to(torch.float32))
        self._index[name] = len(self.weight_names)
        self.weight_names.append(name)
        self.weights.append(p)
        return p

    def _uniform(self, name: str, shape: list[int], limit: float) -> nn.Parameter:
        return self._add(name, (torch.rand(shape) * 2 - 1) * limit)

    def _matrix(self, name: str, fan_in: int, fan_out: int) -> nn.Parameter:
        """Glorot/Xavier uniform `[fan_in, fan_out]`."""
        return self._uniform(name, [fan_in, fan_out], math.sqrt(6 / (fan_in + fan_out)))

    def _normal(self, name: str, shape: list[int], std: float) -> nn.Parameter:
        return self._add(name, torch.randn(shape) * std)

    def _constant(self, name: str, shape: list[int], value: float) -> nn.Parameter:
        return self._add(name, torch.full(shape, float(value)))

    def w(self, name: str) -> torch.Tensor:
        """The weight registered as `name`."""
        return self.weights[self._index[name]]

    def has(self, name: str) -> bool:
        return name in self._index

    # --- weights in and out ------------------------------------------------------------------
    def named_weights(self) -> list[tuple[str, nn.Parameter]]:
        """(checkpoint name, parameter) in the TypeScript registration order."""
        return list(zip(self.weight_names, self.weights))

    def load_weights(self, tensors: dict[str, torch.Tensor]) -> None:
        """Copies `tensors` in; the names and shapes must be exactly this model's, else ValueError."""
        missing = [n for n in self.weight_names if n not in tensors]
        unexpected = sorted(n for n in tensors if n not in self._index)
        mismatched = [
            f"{n} {list(tensors[n].shape)} (expected {list(p.shape)})"
            for n, p in self.named_weights()
            if n in tensors and tuple(tensors[n].shape) != tuple(p.shape)
        ]
        if missing or unexpected or mismatched:
            problems = []
            if missing:
                problems.append("missing: " + ", ".join(missing))
            if unexpected:
                problems.append("unexpected: " + ", ".join(unexpected))
            if mismatched:
                problems.append("wrong shape: " + ", ".join(mismatched))
            raise ValueError("weights do not fit this model: " + "; ".join(problems))
        with torch.no_grad():
            for n, p in self.named_weights():
                p.copy_(tensors[n].to(dtype=p.dtype, device=p.device))

    # --- the contract (implemented by the architectures) --------------------------------------
    def logits(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor, training: bool = False
    ) -> torch.Tensor:
        """`src` int64 `[b, S]`, `src_mask` float `[b, S]`, `tgt_in` int64 `[b, T]` -> `[b, T, V]`
        scores (log-probabilities with copy); dropout only when `training`."""
        raise NotImplementedError

    def forward(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor, training: bool = False
    ) -> torch.Tensor:
        """Same as `logits`, so that DistributedDataParallel can wrap the model."""
        return self.logits(src, src_mask, tgt_in, training)

    def target_log_probs(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor, tgt_out: torch.Tensor
    ) -> torch.Tensor:
        """Teacher-forced log p of each `tgt_out` token `[b, T]` (no dropout)."""
        logp = torch.log_softmax(self.logits(src, src_mask, tgt_in, False), 2)
        return logp.gather(2, tgt_out.unsqueeze(2)).squeeze(2)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> DecodingTensors:
        """Runs the encoder once (no dropout) and caches what every step needs; `src` `[n, S]`."""
        raise NotImplementedError

    def initial_state(self, source: DecodingTensors) -> DecodingTensors:
        """Decoder state before the first output token."""
        raise NotImplementedError

    def step(self, source: DecodingTensors, state: DecodingTensors, prev_tokens: torch.Tensor) -> StepOutput:
        """One decoder step; `prev_tokens` int64 `[n]` (BOS first) -> next-token log-probs `[n, V]`."""
        raise NotImplementedError


def build_model(config: dict[str, Any]) -> Seq2Seq:
    """A freshly initialised model for a resolved ModelConfig (`arch` 'rnn', 'transformer' or 'cnn')."""
    arch = config.get("arch")
    if arch == "rnn":
        from .rnn import RecurrentSeq2Seq

        return RecurrentSeq2Seq(config)
    if arch == "transformer":
        from .transformer import TransformerSeq2Seq

        return TransformerSeq2Seq(config)
    if arch == "cnn":
        from .cnn import ConvSeq2Seq

        return ConvSeq2Seq(config)
    raise ValueError(f"config arch must be 'rnn', 'transformer' or 'cnn', got {arch!r}")


def load_model(path: str | os.PathLike[str]) -> Seq2Seq:
    """Builds the model an interchange file's config describes and loads its weights."""
    config, tensors, _ = read_interchange(path)
    model = build_model(config)
    try:
        model.load_weights(tensors)
    except ValueError as e:
        raise ValueError(f"{os.fspath(path)}: {e}") from None
    return model


def save_model(
    model: Seq2Seq,
    path: str | os.PathLike[str],
    step: int | None = None,
    metadata: dict[str, str] | None = None,
) -> None:
    """Writes the model's weights (TypeScript names and order) and config as an interchange file."""
    meta = dict(metadata or {})
    if step is not None:
        meta["step"] = str(int(step))
    write_interchange(path, model.config, [(n, p) for n, p in model.named_weights()], meta)
