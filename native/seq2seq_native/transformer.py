"""The pre-norm Transformer encoder-decoder, a twin of src/core/transformer.ts.

Sinusoidal positions (a table of max(maxSrcLen, maxTgtLen) + 1 rows), embeddings scaled by
sqrt(dModel) plus positions, then dropout; each layer normalises before its sublayers (layer norm
eps 1e-5, biased variance) and adds their dropped-out outputs back: fused self-attention `wqkv`
`[d, 3d]`, cross-attention (decoder; `wq` and fused `wkv` `[d, 2d]` on the encoder memory) and
a ReLU feed-forward. Final encoder and decoder norms; -1e9 added to scores at source padding
and, in the decoder, above the diagonal (causal). Output `out @ W_o + b_o` (or the target
embedding transposed when tied). With `copy`, `decoder/copy/w` `[2d, 1]` and `decoder/copy/b`
`[1]` are registered last and the output is model.py's `copy_mixture` with gate
`sigmoid([out_t; x_t] w + b)` (`out_t` the final-normed decoder output, `x_t` the decoder input
as embedded) and the last decoder layer's cross-attention averaged over heads as copy attention.
Keys are kept transposed (`[b, h, dk, S]`) as in TypeScript; decoding caches the cross keys and
values once per source and the self keys and values per step.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from .model import DecodingTensors, Seq2Seq, StepOutput, copy_mixture, dense, maybe_dropout

# Cached keys and values of one attention: kT `[b, h, dk, S]`, v `[b, h, S, dk]`.
KV = tuple[torch.Tensor, torch.Tensor]


def sinusoidal_positions(max_len: int, d: int) -> torch.Tensor:
    """`[max_len, d]`: sin at even columns, cos at odd ones (computed in double, stored float32)."""
    table = torch.zeros(max_len, d, dtype=torch.float64)
    for i in range(d // 2):
        rate = math.pow(10000, (2 * i) / d)
        angles = torch.arange(max_len, dtype=torch.float64) / rate
        table[:, 2 * i] = torch.sin(angles)
        table[:, 2 * i + 1] = torch.cos(angles)
    return table.to(torch.float32)


class TransformerSeq2Seq(Seq2Seq):
    """The transformer architecture; weights registered exactly as TransformerSeq2Seq's store does."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        c = self.config
        d, ff, heads = int(c["dModel"]), int(c["ffDim"]), int(c["heads"])
        if d % heads != 0 or d % 2 != 0:
            raise ValueError(f"dModel ({d}) must be even and divisible by heads ({heads})")
        self.d, self.heads, self.dk = d, heads, d // heads
        self.register_buffer(
            "positions", sinusoidal_positions(max(int(c["maxSrcLen"]), int(c["maxTgtLen"])) + 1, d), persistent=False
        )
        self._normal("encoder/embedding", [int(c["srcVocabSize"]), d], d**-0.5)
        self._normal("decoder/embedding", [int(c["tgtVocabSize"]), d], d**-0.5)
        for l in range(int(c["encoderLayers"])):
            self._block(f"encoder/l{l}", d, ff)
        for l in range(int(c["decoderLayers"])):
            n = f"decoder/l{l}"
            self._block(n, d, ff)
            self._norm(f"{n}/ln3", d)
            self._matrix(f"{n}/cross/wq", d, d)
            self._constant(f"{n}/cross/bq", [d], 0)
            self._matrix(f"{n}/cross/wkv", d, 2 * d)
            self._constant(f"{n}/cross/bkv", [2 * d], 0)
            self._matrix(f"{n}/cross/wo", d, d)
            self._constant(f"{n}/cross/bo", [d], 0)
        self._norm("encoder/ln", d)
        self._norm("decoder/ln", d)
        if not c["tieEmbeddings"]:
            self._matrix("decoder/output/w", d, int(c["tgtVocabSize"]))
        self._constant("decoder/output/b", [int(c["tgtVocabSize"])], 0)
        if c.get("copy"):
            self._matrix("decoder/copy/w", 2 * d, 1)
            self._constant("decoder/copy/b", [1], 0)

    def _norm(self, n: str, d: int) -> None:
        self._constant(f"{n}/g", [d], 1)
        self._constant(f"{n}/b", [d], 0)

    def _block(self, n: str, d: int, ff: int) -> None:
        self._norm(f"{n}/ln1", d)
        self._matrix(f"{n}/self/wqkv", d, 3 * d)
        self._constant(f"{n}/self/bqkv", [3 * d], 0)
        self._matrix(f"{n}/self/wo", d, d)
        self._constant(f"{n}/self/bo", [d], 0)
        self._norm(f"{n}/ln2", d)
        self._matrix(f"{n}/ff/w1", d, ff)
        self._constant(f"{n}/ff/b1", [ff], 0)
        self._matrix(f"{n}/ff/w2", ff, d)
        self._constant(f"{n}/ff/b2", [d], 0)

    # --- pieces ------------------------------------------------------------------------------------
    def _ln(self, x: torch.Tensor, n: str) -> torch.Tensor:
        return F.layer_norm(x, (self.d,), self.w(f"{n}/g"), self.w(f"{n}/b"), 1e-5)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """`[b, T, d]` -> `[b, h, T, dk]`."""
        b, T = x.shape[0], x.shape[1]
        return x.reshape(b, T, self.heads, self.dk).permute(0, 2, 1, 3)

    def _merge(self, x: torch.Tensor) -> torch.Tensor:
        """`[b, h, T, dk]` -> `[b, T, d]`."""
        return x.permute(0, 2, 1, 3).reshape(x.shape[0], x.shape[2], self.d)

    def _attend(
        self, q: torch.Tensor, kT: torch.Tensor, v: torch.Tensor, bias: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """q `[b,h,T,dk]`, kT `[b,h,dk,S]`, v `[b,h,S,dk]` -> out `[b,h,T,dk]`, weights `[b,h,T,S]`."""
        scores = (q * (1 / math.sqrt(self.dk))) @ kT
        if bias is not None:
            scores = scores + bias
        weights = torch.softmax(scores, -1)
        return weights @ v, weights

    def _embed(self, name: str, ids: torch.Tensor, offset: int, training: bool) -> torch.Tensor:
        """`ids` `[b, T]` -> `[b, T, d]` scaled embedding + positions `offset..offset+T-1`, dropout."""
        T = ids.shape[1]
        if offset + T > self.positions.shape[0]:
            raise ValueError(
                f"sequence of {offset + T} tokens exceeds the model's position table "
                f"({self.positions.shape[0]}; maxSrcLen/maxTgtLen)"
            )
        x = F.embedding(ids, self.w(name)) * math.sqrt(self.d) + self.positions[offset : offset + T]
        return maybe_dropout(x, float(self.config["dropout"]), training)

    def _feed_forward(self, n: str, x: torch.Tensor, training: bool) -> torch.Tensor:
        h = self._ln(x, f"{n}/ln2")
        inner = torch.relu(dense(h, self.w(f"{n}/ff/w1"), self.w(f"{n}/ff/b1")))
        y = dense(inner, self.w(f"{n}/ff/w2"), self.w(f"{n}/ff/b2"))
        return x + maybe_dropout(y, float(self.config["dropout"]), training)

    def _self_attention(
        self, n: str, x: torch.Tensor, bias: torch.Tensor | None, training: bool, past: KV | None = None
    ) -> tuple[torch.Tensor, KV]:
        """Self-attention sublayer; `past` holds the cached (kT, v) of earlier steps."""
        d = self.d
        qkv = dense(self._ln(x, f"{n}/ln1"), self.w(f"{n}/self/wqkv"), self.w(f"{n}/self/bqkv"))
        q, k, v0 = qkv.split(d, -1)  # (one backward op; slices would each add a zero-filled [b, T, 3d])
        kT = self._split_heads(k).transpose(2, 3)
        v = self._split_heads(v0)
        if past is not None:
            kT = torch.cat([past[0], kT], 3)
            v = torch.cat([past[1], v], 2)
        out, _ = self._attend(self._split_heads(q), kT, v, bias)
        y = dense(self._merge(out), self.w(f"{n}/self/wo"), self.w(f"{n}/self/bo"))
        return x + maybe_dropout(y, float(self.config["dropout"]), training), (kT, v)

    def _encode(self, src: torch.Tensor, src_mask: torch.Tensor, training: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """`src` `[b, S]` -> memory `[b, S, d]` (after the final norm), bias `[b, 1, 1, S]`."""
        b, S = src.shape
        bias = ((1 - src_mask) * -1e9).reshape(b, 1, 1, S)
        x = self._embed("encoder/embedding", src, 0, training)
        for l in range(int(self.config["encoderLayers"])):
            x, _ = self._self_attention(f"encoder/l{l}", x, bias, training)
            x = self._feed_forward(f"encoder/l{l}", x, training)
        return self._ln(x, "encoder/ln"), bias

    def _cross_keys(self, l: int, memory: torch.Tensor) -> KV:
        """Cross-attention keys/values of decoder layer `l`: kT `[b, h, dk, S]`, v `[b, h, S, dk]`."""
        kv = dense(memory, self.w(f"decoder/l{l}/cross/wkv"), self.w(f"decoder/l{l}/cross/bkv"))
        k, v = kv.split(self.d, -1)
        return self._split_heads(k).transpose(2, 3), self._split_heads(v)

    def _decode(
        self,
        tgt: torch.Tensor,
        offset: int,
        cross: list[KV],
        src_bias: torch.Tensor,
        training: bool,
        src: torch.Tensor | None,
        past: list[KV] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, list[KV]]:
        """Decoder over `tgt` `[b, T]` from position `offset` -> (logits, or copy log-probs,
        `[b, T, V]`; last layer's head-mean cross-attention `[b, T, S]`; copy part log-probs
        `[b, T, V]` (copy, outside training) or None; new self caches)."""
        T = tgt.shape[1]
        rate = float(self.config["dropout"])
        x_in = self._embed("decoder/embedding", tgt, offset, training)
        causal = None
        if past is None:
            causal = ((1 - torch.ones(T, T, device=tgt.device).tril()) * -1e9).reshape(1, 1, T, T)
        x = x_in
        caches: list[KV] = []
        weights: torch.Tensor | None = None  # the last layer's cross weights [b, h, T, S]
        for l in range(int(self.config["decoderLayers"])):
            n = f"decoder/l{l}"
            x, cache = self._self_attention(n, x, causal, training, None if past is None else past[l])
            caches.append(cache)
            h = self._ln(x, f"{n}/ln3")
            q = self._split_heads(dense(h, self.w(f"{n}/cross/wq"), self.w(f"{n}/cross/bq")))
            out, weights = self._attend(q, cross[l][0], cross[l][1], src_bias)
            y = dense(self._merge(out), self.w(f"{n}/cross/wo"), self.w(f"{n}/cross/bo"))
            x = x + maybe_dropout(y, rate, training)
            x = self._feed_forward(n, x, training)
        out = self._ln(x, "decoder/ln")
        wout = self.w("decoder/output/w") if self.has("decoder/output/w") else self.w("decoder/embedding").t()
        logits = dense(out, wout, self.w("decoder/output/b"))
        assert weights is not None  # decoderLayers >= 1
        attention = weights.mean(1)
        if not self.config.get("copy"):
            return logits, attention, None, caches
        if src is None:
            raise ValueError("a copying decoder needs the source ids")
        gate = torch.sigmoid(dense(torch.cat([out, x_in], 2), self.w("decoder/copy/w"), self.w("decoder/copy/b")))
        log_p, copy_log_p = copy_mixture(logits, gate, attention, src, not training)
        return log_p, attention, (None if training else copy_log_p), caches

    # --- the contract -------------------------------------------------------------------------------
    def logits(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor, training: bool = False
    ) -> torch.Tensor:
        memory, bias = self._encode(src, src_mask, training)
        cross = [self._cross_keys(l, memory) for l in range(int(self.config["decoderLayers"]))]
        return self._decode(tgt_in, 0, cross, bias, training, src)[0]

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> DecodingTensors:
        """Parts `[memory, srcBias, kT_0, v_0, ..., kT_L-1, v_L-1, (src when copying)]`."""
        memory, bias = self._encode(src, src_mask, False)
        cross = [t for l in range(int(self.config["decoderLayers"])) for t in self._cross_keys(l, memory)]
        return DecodingTensors([memory, bias, *cross, *([src] if self.config.get("copy") else [])], 0)

    def initial_state(self, source: DecodingTensors) -> DecodingTensors:
        """Self keys/values `[selfKT_0, selfV_0, ...]`, empty before the first step."""
        return DecodingTensors([], 0)

    def step(self, source: DecodingTensors, state: DecodingTensors, prev_tokens: torch.Tensor) -> StepOutput:
        n = prev_tokens.shape[0]
        L = int(self.config["decoderLayers"])
        if state.position >= self.positions.shape[0]:
            raise ValueError(f"cannot decode beyond {self.positions.shape[0]} positions (maxTgtLen)")
        cross = [(source.parts[2 + 2 * l], source.parts[3 + 2 * l]) for l in range(L)]
        src = source.parts[2 + 2 * L] if self.config.get("copy") else None
        past = [(state.parts[2 * l], state.parts[2 * l + 1]) for l in range(L)] if state.parts else None
        out, attention, copy_log_p, caches = self._decode(
            prev_tokens.reshape(n, 1), state.position, cross, source.parts[1], False, src, past
        )
        return StepOutput(
            log_probs=torch.log_softmax(out.reshape(n, -1), 1),
            attention=attention.reshape(n, -1),
            copy_log_probs=None if copy_log_p is None else copy_log_p.reshape(n, -1),
            state=DecodingTensors([t for kv in caches for t in kv], state.position + 1),
        )
