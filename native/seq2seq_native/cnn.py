"""The convolutional encoder-decoder (Gehring et al. 2017), a twin of src/core/cnn.ts.

Token plus learned position embedding (`encoder/positions` `[maxSrcLen, E]`, `decoder/positions`
`[maxTgtLen + 1, E]`), dropout, a linear map E -> C (`in`); each layer: dropout, a width-k
convolution C -> 2C, a gated linear unit (first half * sigmoid(second half)), and the residual
`(x + layer(x)) * sqrt(0.5)`. The encoder's convolutions are centred (zero padding (k-1)//2 left,
k//2 right) with padding positions zeroed before each one; the decoder's are causal (k-1 zeros
on the left). Encoder output `z = out(x)` (keys) and `(z + e) * sqrt(0.5)` (values). In every
decoder layer, multi-step attention on the GLU output h: `d = (in_l(h) + g) * sqrt(0.5)`,
`a = softmax(d z^T)` (-1e9 at source padding), `c = a values * sqrt(m)` (m real source tokens),
`((out_l(c) + h) * sqrt(0.5) + x) * sqrt(0.5)`. Output `out(x)` -> E, dropout, then `@ W_o + b_o`
(or the target embedding transposed when tied). With `copy`, model.py's `copy_mixture` with gate
`sigmoid([y_t; g_t] w + b)` and the last decoder layer's attention.

A convolution weight `l{i}/conv/w` is stored as TypeScript stores it: the `[k, C, 2C]` filter
flattened to a dense `[k*C, 2C]` matrix (window position major); here it is reshaped and permuted
to torch's conv1d layout `[2C, C, k]`. Decoding keeps per layer the last k-1 inputs of the
convolution (`[n, k-1, C]`, zeros at the start), so a step costs one k-wide product per layer.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from .model import DecodingTensors, Seq2Seq, StepOutput, copy_mixture, dense, maybe_dropout

HALF = math.sqrt(0.5)


class ConvSeq2Seq(Seq2Seq):
    """The cnn architecture; weights registered exactly as ConvSeq2Seq's store does (cnn.ts)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        c = self.config
        E, C, k = int(c["embeddingDim"]), int(c["hiddenDim"]), int(c.get("kernelWidth", 3))
        if k < 2:
            raise ValueError(f"kernelWidth must be at least 2, got {k}")
        self.E, self.C, self.k = E, C, k
        src_v, tgt_v = int(c["srcVocabSize"]), int(c["tgtVocabSize"])
        self._normal("encoder/embedding", [src_v, E], 0.1)
        self._normal("encoder/positions", [int(c["maxSrcLen"]), E], 0.1)
        self._linear("encoder/in", E, C)
        for l in range(int(c["encoderLayers"])):
            self._linear(f"encoder/l{l}/conv", k * C, 2 * C)
        self._linear("encoder/out", C, E)
        self._normal("decoder/embedding", [tgt_v, E], 0.1)
        self._normal("decoder/positions", [int(c["maxTgtLen"]) + 1, E], 0.1)
        self._linear("decoder/in", E, C)
        for l in range(int(c["decoderLayers"])):
            n = f"decoder/l{l}"
            self._linear(f"{n}/conv", k * C, 2 * C)
            self._linear(f"{n}/attention/in", C, E)
            self._linear(f"{n}/attention/out", E, C)
        self._linear("decoder/out", C, E)
        if not c["tieEmbeddings"]:
            self._matrix("decoder/output/w", E, tgt_v)
        self._constant("decoder/output/b", [tgt_v], 0)
        if c.get("copy"):
            self._matrix("decoder/copy/w", 2 * E, 1)
            self._constant("decoder/copy/b", [1], 0)

    def _linear(self, n: str, fan_in: int, fan_out: int) -> None:
        self._matrix(f"{n}/w", fan_in, fan_out)
        self._constant(f"{n}/b", [fan_out], 0)

    # --- pieces ------------------------------------------------------------------------------------
    def _lin(self, x: torch.Tensor, n: str) -> torch.Tensor:
        return dense(x, self.w(f"{n}/w"), self.w(f"{n}/b"))

    def _drop(self, x: torch.Tensor, training: bool) -> torch.Tensor:
        return maybe_dropout(x, float(self.config["dropout"]), training)

    def _embed(self, table: str, positions: str, ids: torch.Tensor, offset: int, training: bool) -> torch.Tensor:
        """`ids` `[b, T]` -> token + position embedding `[b, T, E]` (positions offset..), dropout."""
        T = ids.shape[1]
        pos = self.w(positions)
        if offset + T > pos.shape[0]:
            raise ValueError(
                f"sequence of {offset + T} tokens exceeds the model's {pos.shape[0]} learned positions "
                "(maxSrcLen/maxTgtLen)"
            )
        return self._drop(F.embedding(ids, self.w(table)) + pos[offset : offset + T], training)

    def _gated_conv(self, n: str, padded: torch.Tensor) -> torch.Tensor:
        """Width-k convolution over `padded` `[b, T + k - 1, C]` (no more padding), then the GLU: `[b, T, C]`."""
        w = self.w(f"{n}/conv/w").reshape(self.k, self.C, 2 * self.C).permute(2, 1, 0)  # [2C, C, k]
        y = F.conv1d(padded.transpose(1, 2), w, self.w(f"{n}/conv/b")).transpose(1, 2)
        return F.glu(y, -1)

    def _encode(
        self, src: torch.Tensor, src_mask: torch.Tensor, training: bool
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`src` `[b, S]` -> keys transposed `[b, E, S]`, values `[b, S, E]`, scale `[b, 1, 1]`."""
        k = self.k
        e = self._embed("encoder/embedding", "encoder/positions", src, 0, training)
        x = self._lin(e, "encoder/in")
        mask = src_mask.unsqueeze(2)
        for l in range(int(self.config["encoderLayers"])):
            h = self._drop(x * mask, training)
            padded = F.pad(h, (0, 0, (k - 1) // 2, k // 2))
            x = (self._gated_conv(f"encoder/l{l}", padded) + x) * HALF
        z = self._lin(x, "encoder/out")
        scale = src_mask.sum(1).sqrt().reshape(-1, 1, 1)
        return z.transpose(1, 2), (z + e) * HALF, scale

    def _decode(
        self,
        tgt: torch.Tensor,
        offset: int,
        keys_t: torch.Tensor,
        values: torch.Tensor,
        src_mask: torch.Tensor,
        scale: torch.Tensor,
        past: list[torch.Tensor] | None,
        training: bool,
        src: torch.Tensor | None,
    ) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor | None, list[torch.Tensor]]:
        """Decoder over `tgt` `[b, T]` from position `offset` -> (logits, or copy log-probs, `[b, T, V]`;
        attention per layer `[b, T, S]`; copy part log-probs or None; each layer's last k-1 inputs)."""
        b, T = tgt.shape
        k, C = self.k, self.C
        g = self._embed("decoder/embedding", "decoder/positions", tgt, offset, training)
        x = self._lin(g, "decoder/in")
        bias = ((1 - src_mask) * -1e9).unsqueeze(1)  # [b, 1, S]
        weights: list[torch.Tensor] = []
        windows: list[torch.Tensor] = []
        for l in range(int(self.config["decoderLayers"])):
            n = f"decoder/l{l}"
            before = past[l] if past is not None else x.new_zeros(b, k - 1, C)
            padded = torch.cat([before, self._drop(x, training)], 1)
            windows.append(padded[:, T:])
            h = self._gated_conv(n, padded)
            d = (self._lin(h, f"{n}/attention/in") + g) * HALF
            a = torch.softmax(d @ keys_t + bias, -1)
            weights.append(a)
            c = (a @ values) * scale
            x = ((self._lin(c, f"{n}/attention/out") + h) * HALF + x) * HALF
        out = self._lin(x, "decoder/out")
        wout = self.w("decoder/output/w") if self.has("decoder/output/w") else self.w("decoder/embedding").t()
        logits = dense(self._drop(out, training), wout, self.w("decoder/output/b"))
        if not self.config.get("copy"):
            return logits, weights, None, windows
        if src is None:
            raise ValueError("a copying decoder needs the source ids")
        gate = torch.sigmoid(dense(torch.cat([out, g], 2), self.w("decoder/copy/w"), self.w("decoder/copy/b")))
        log_p, copy_log_p = copy_mixture(logits, gate, weights[-1], src, not training)
        return log_p, weights, (None if training else copy_log_p), windows

    # --- the contract -------------------------------------------------------------------------------
    def logits(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor, training: bool = False
    ) -> torch.Tensor:
        keys_t, values, scale = self._encode(src, src_mask, training)
        return self._decode(tgt_in, 0, keys_t, values, src_mask, scale, None, training, src)[0]

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> DecodingTensors:
        """Parts `[keysT [n, E, S], values [n, S, E], srcMask [n, S], scale [n, 1, 1], (src when copying)]`."""
        keys_t, values, scale = self._encode(src, src_mask, False)
        return DecodingTensors([keys_t, values, src_mask, scale, *([src] if self.config.get("copy") else [])], 0)

    def initial_state(self, source: DecodingTensors) -> DecodingTensors:
        """Each decoder layer's last k-1 convolution inputs, zeros before the first step."""
        n = source.parts[0].shape[0]
        ref = source.parts[0]
        layers = int(self.config["decoderLayers"])
        return DecodingTensors([ref.new_zeros(n, self.k - 1, self.C) for _ in range(layers)], 0)

    def step(self, source: DecodingTensors, state: DecodingTensors, prev_tokens: torch.Tensor) -> StepOutput:
        n = prev_tokens.shape[0]
        rows = self.w("decoder/positions").shape[0]
        if state.position >= rows:
            raise ValueError(f"cannot decode beyond {rows} positions (maxTgtLen)")
        keys_t, values, src_mask, scale = source.parts[:4]
        src = source.parts[4] if self.config.get("copy") else None
        out, weights, copy_log_p, windows = self._decode(
            prev_tokens.reshape(n, 1), state.position, keys_t, values, src_mask, scale, state.parts, False, src
        )
        return StepOutput(
            log_probs=torch.log_softmax(out.reshape(n, -1), 1),
            attention=weights[-1].reshape(n, -1),
            copy_log_probs=None if copy_log_p is None else copy_log_p.reshape(n, -1),
            state=DecodingTensors(windows, state.position + 1),
        )
