"""The recurrent encoder-decoder, a twin of src/core's rnnModel.ts, encoder.ts, recurrent.ts,
gruSequence.ts, attention.ts and decoder.ts.

Encoder: embedding, GRU/LSTM layers (optionally bidirectional, directions concatenated), dropout
between layers; on right-padded rows the forward state is frozen after the last real token and
the backward state stays zero until the backward pass reaches it (masking is applied only when
the batch has padding, as in TypeScript). GRU gates are `[r | z | n]` in the 3H columns with the
candidate `n = tanh(x_n + r * (h Wh_n + bh_n))` and `h' = n + z * (h - n)`; LSTM gates are
`[i | f | o | g]` with no state bias. A bridge maps each encoder layer's final states to the
decoder's initial states, `tanh([h_fw; h_bw] W + b)`. Decoder: Luong/none attention runs the
recurrent stack over all steps then attends; Bahdanau runs stepwise with the context fed into the
first layer. Output: `combined = tanh([h; ctx] W_c + b_c)`, dropout, `logits = combined W_o + b_o`
(or the target embedding transposed when tied); with `copy`, the pointer-generator mixture of
model.py's `copy_mixture` with gate `sigmoid([combined; x_emb] w_g + b_g)`.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from .model import DecodingTensors, Seq2Seq, StepOutput, copy_mixture, dense, maybe_dropout

# A recurrent state: h `[b, H]` and, for LSTM, c `[b, H]` (None for GRU).
State = tuple[torch.Tensor, "torch.Tensor | None"]


def _keep(prev: torch.Tensor, nxt: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
    """The state after a step, kept where the mask `m` `[b, 1]` is 0."""
    return nxt if m is None else prev + m * (nxt - prev)


class RecurrentSeq2Seq(Seq2Seq):
    """The rnn architecture; weights registered exactly as RecurrentSeq2Seq's WeightStore does."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        c = self.config
        E, H, cell = int(c["embeddingDim"]), int(c["hiddenDim"]), c["cell"]
        if cell not in ("gru", "lstm"):
            raise ValueError(f"config cell must be 'gru' or 'lstm', got {cell!r}")
        if c["attention"] not in ("none", "bahdanau", "luong-dot", "luong-general"):
            raise ValueError(f"config attention {c['attention']!r} is not known")
        self.E, self.H, self.cell = E, H, cell
        self.lstm = cell == "lstm"
        self.memory_dim = 2 * H if c["bidirectional"] else H
        Hm, V = self.memory_dim, int(c["tgtVocabSize"])
        if c["attention"] == "luong-dot" and H != Hm:
            raise ValueError(f"luong-dot attention needs equal query ({H}) and memory ({Hm}) sizes")
        if c["tieEmbeddings"] and E != H:
            raise ValueError(f"tieEmbeddings needs embeddingDim ({E}) == hiddenDim ({H})")
        if c["copy"] and c["attention"] == "none":
            raise ValueError("copy reads the attention weights; choose an attention other than none")
        # Encoder (encoder.ts RecurrentEncoder).
        self._uniform("encoder/embedding", [int(c["srcVocabSize"]), E], 0.1)
        for l in range(int(c["encoderLayers"])):
            in_dim = E if l == 0 else Hm
            self._recurrent(f"encoder/l{l}/fw", in_dim)
            if c["bidirectional"]:
                self._recurrent(f"encoder/l{l}/bw", in_dim)
        # Bridge.
        for l in range(int(c["decoderLayers"])):
            self._matrix(f"bridge/l{l}/wh", Hm, H)
            self._constant(f"bridge/l{l}/bh", [H], 0)
            if self.lstm:
                self._matrix(f"bridge/l{l}/wc", Hm, H)
                self._constant(f"bridge/l{l}/bc", [H], 0)
        # Decoder (decoder.ts RecurrentDecoder).
        self._uniform("decoder/embedding", [V, E], 0.1)
        feeds_context = c["attention"] == "bahdanau"
        for l in range(int(c["decoderLayers"])):
            self._recurrent(f"decoder/l{l}", (E + (Hm if feeds_context else 0)) if l == 0 else H)
        if c["attention"] == "luong-general":
            self._matrix("attention/w", Hm, H)
        elif c["attention"] == "bahdanau":
            self._matrix("attention/wk", Hm, H)
            self._matrix("attention/wq", H, H)
            self._matrix("attention/v", H, 1)
        self._matrix("decoder/combine/w", H + Hm, H)
        self._constant("decoder/combine/b", [H], 0)
        if not c["tieEmbeddings"]:
            self._matrix("decoder/output/w", H, V)
        self._constant("decoder/output/b", [V], 0)
        if c["copy"]:
            self._matrix("decoder/copy/w", H + E, 1)
            self._constant("decoder/copy/b", [1], 0)

    def _recurrent(self, name: str, in_dim: int) -> None:
        """recurrent.ts createRecurrentParams: wx, wh, then bx (and bh for GRU)."""
        H = self.H
        g = 4 if self.lstm else 3
        self._matrix(f"{name}/wx", in_dim, g * H)
        self._matrix(f"{name}/wh", H, g * H)
        if self.lstm:
            bias = torch.zeros(g * H)
            bias[H : 2 * H] = 1  # forget gate
            self._add(f"{name}/bx", bias)
        else:
            self._constant(f"{name}/bx", [g * H], 0)
            self._constant(f"{name}/bh", [g * H], 0)

    # --- recurrent layers ----------------------------------------------------------------------
    def _params(self, name: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The state weights of layer `name`: wh `[H, G*H]` and, for GRU, bh `[G*H]`."""
        return self.w(f"{name}/wh"), None if self.lstm else self.w(f"{name}/bh")

    def _cell(
        self,
        params: tuple[torch.Tensor, torch.Tensor | None],
        xt: torch.Tensor,
        state: State,
        m: torch.Tensor | None = None,
    ) -> State:
        """One step from the input projection `xt` `[b, G*H]` (bias included); `m` `[b, 1]`."""
        wh, bh = params
        h, c = state
        H = self.H
        if bh is not None:  # GRU
            hh = h @ wh + bh
            rz = torch.sigmoid(xt[:, : 2 * H] + hh[:, : 2 * H])
            r, z = rz[:, :H], rz[:, H:]
            n = torch.tanh(xt[:, 2 * H :] + r * hh[:, 2 * H :])
            return _keep(h, n + z * (h - n), m), None
        assert c is not None
        gates = xt + h @ wh
        ifo = torch.sigmoid(gates[:, : 3 * H])
        i, f, o = ifo[:, :H], ifo[:, H : 2 * H], ifo[:, 2 * H :]
        c_next = f * c + i * torch.tanh(gates[:, 3 * H :])
        h_next = o * torch.tanh(c_next)
        return _keep(h, h_next, m), _keep(c, c_next, m)

    def _layer(
        self, name: str, xs: torch.Tensor, init: State, mask: torch.Tensor | None = None, reverse: bool = False
    ) -> tuple[torch.Tensor, State]:
        """One layer over `xs` `[b, T, in]` -> outputs `[b, T, H]` in time order, final state."""
        T = xs.shape[1]
        projected = dense(xs, self.w(f"{name}/wx"), self.w(f"{name}/bx"))  # [b, T, G*H]
        outputs: list[torch.Tensor | None] = [None] * T
        params = self._params(name)
        state = init
        for t in range(T - 1, -1, -1) if reverse else range(T):
            state = self._cell(params, projected[:, t], state, None if mask is None else mask[:, t : t + 1])
            outputs[t] = state[0]
        return torch.stack(outputs, 1), state  # type: ignore[arg-type]

    def _zero(self, b: int, like: torch.Tensor) -> State:
        z = torch.zeros(b, self.H, dtype=like.dtype, device=like.device)
        return (z, torch.zeros_like(z)) if self.lstm else (z, None)

    # --- encoder and bridge -----------------------------------------------------------------------
    def _encode(self, src: torch.Tensor, src_mask: torch.Tensor, training: bool) -> tuple[torch.Tensor, list[State]]:
        """`src` `[b, S]` -> memory `[b, S, Hm]`, final state per layer (directions concatenated)."""
        rate = float(self.config["dropout"])
        b = src.shape[0]
        x = maybe_dropout(F.embedding(src, self.w("encoder/embedding")), rate, training)
        # TypeScript masks only when the batch has padding.
        mask = src_mask if float(src_mask.min()) < 1 else None
        finals: list[State] = []
        for l in range(int(self.config["encoderLayers"])):
            if l > 0:
                x = maybe_dropout(x, rate, training)
            fw, fw_final = self._layer(f"encoder/l{l}/fw", x, self._zero(b, x), mask, False)
            if not self.config["bidirectional"]:
                x = fw
                finals.append(fw_final)
                continue
            bw, bw_final = self._layer(f"encoder/l{l}/bw", x, self._zero(b, x), mask, True)
            x = torch.cat([fw, bw], 2)
            c = torch.cat([fw_final[1], bw_final[1]], 1) if self.lstm else None  # type: ignore[list-item]
            finals.append((torch.cat([fw_final[0], bw_final[0]], 1), c))
        return x, finals

    def _bridge(self, finals: list[State]) -> list[State]:
        """Decoder layer l starts from encoder layer l (or the top one when the depths differ)."""
        L = int(self.config["decoderLayers"])
        same_depth = len(finals) == L
        states: list[State] = []
        for l in range(L):
            fh, fc = finals[l if same_depth else len(finals) - 1]
            h = torch.tanh(dense(fh, self.w(f"bridge/l{l}/wh"), self.w(f"bridge/l{l}/bh")))
            c = torch.tanh(dense(fc, self.w(f"bridge/l{l}/wc"), self.w(f"bridge/l{l}/bc"))) if self.lstm else None
            states.append((h, c))
        return states

    # --- attention (attention.ts) -----------------------------------------------------------------
    def _prepare(self, memory: torch.Tensor, src_mask: torch.Tensor) -> torch.Tensor:
        """Keys: luong `[b, Hq, S]`, bahdanau `[b, S, A]`, none: the fixed context `[b, Hm]`."""
        kind = self.config["attention"]
        if kind == "none":
            m = src_mask.unsqueeze(2)
            return (memory * m).sum(1) / torch.clamp(m.sum(1), min=1)
        if kind == "bahdanau":
            return dense(memory, self.w("attention/wk"))
        projected = dense(memory, self.w("attention/w")) if kind == "luong-general" else memory
        return projected.transpose(1, 2)

    def _attend(
        self, queries: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor, keys: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """`queries` `[b, T, Hq]` -> context `[b, T, Hm]`, weights `[b, T, S]` (None for 'none')."""
        kind = self.config["attention"]
        b, T = queries.shape[0], queries.shape[1]
        if kind == "none":
            return keys.unsqueeze(1).expand(b, T, keys.shape[1]), None
        if kind == "bahdanau":
            q = dense(queries, self.w("attention/wq")).unsqueeze(2)  # [b, T, 1, A]
            e = dense(torch.tanh(q + keys.unsqueeze(1)), self.w("attention/v"))  # [b, T, S, 1]
            scores = e.reshape(b, T, memory.shape[1])
        else:
            scores = queries @ keys
        weights = torch.softmax(scores + ((1 - src_mask) * -1e9).unsqueeze(1), 2)
        return weights @ memory, weights

    # --- decoder (decoder.ts) ---------------------------------------------------------------------
    def _decode(
        self,
        memory: torch.Tensor,
        src_mask: torch.Tensor,
        keys: torch.Tensor,
        tgt_in: torch.Tensor,
        init: list[State],
        training: bool,
        src: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None, list[State]]:
        """Teacher-forced run -> (logits or copy log-probs `[b, T, V]`, attention `[b, T, S]` or
        None, copy log-probs `[b, T, V]` (copy, outside training) or None, final states)."""
        rate = float(self.config["dropout"])
        x = maybe_dropout(F.embedding(tgt_in, self.w("decoder/embedding")), rate, training)
        if self.config["attention"] == "bahdanau":
            h, context, attention, states = self._stepwise(memory, src_mask, keys, x, init, training)
        else:
            h, states = x, []
            for l in range(int(self.config["decoderLayers"])):
                if l > 0:
                    h = maybe_dropout(h, rate, training)
                h, final = self._layer(f"decoder/l{l}", h, init[l])
                states.append(final)
            context, attention = self._attend(h, memory, src_mask, keys)
        features = torch.cat([h, context], 2)
        combined = torch.tanh(dense(features, self.w("decoder/combine/w"), self.w("decoder/combine/b")))
        out = maybe_dropout(combined, rate, training)
        wo = self.w("decoder/output/w") if self.has("decoder/output/w") else self.w("decoder/embedding").t()
        logits = dense(out, wo, self.w("decoder/output/b"))
        if not self.config["copy"]:
            return logits, attention, None, states
        if src is None or attention is None:
            raise ValueError("a copying decoder needs the source ids and attention weights")
        gate = torch.sigmoid(dense(torch.cat([combined, x], 2), self.w("decoder/copy/w"), self.w("decoder/copy/b")))
        log_p, copy_log_p = copy_mixture(logits, gate, attention, src)
        return log_p, attention, (None if training else copy_log_p), states

    def _stepwise(
        self,
        memory: torch.Tensor,
        src_mask: torch.Tensor,
        keys: torch.Tensor,
        emb: torch.Tensor,
        init: list[State],
        training: bool,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[State]]:
        """Bahdanau: attention on the previous top state, its context fed into the first layer.
        `emb` `[b, T, E]` -> tops `[b, T, H]`, contexts `[b, T, Hm]`, weights `[b, T, S]`, states."""
        E, rate = self.E, float(self.config["dropout"])
        T = emb.shape[1]
        wx = self.w("decoder/l0/wx")
        emb_steps = dense(emb, wx[:E], self.w("decoder/l0/bx"))  # [b, T, G*H]
        wx_ctx = wx[E:]
        params = [self._params(f"decoder/l{l}") for l in range(len(init))]
        states = list(init)
        tops, contexts, weights = [], [], []
        for t in range(T):
            ctx, att = self._attend(states[-1][0].unsqueeze(1), memory, src_mask, keys)
            ctx = ctx[:, 0]
            contexts.append(ctx)
            weights.append(att[:, 0])  # type: ignore[index]
            states[0] = self._cell(params[0], emb_steps[:, t] + ctx @ wx_ctx, states[0])
            for l in range(1, len(states)):
                below = maybe_dropout(states[l - 1][0], rate, training)
                xt = dense(below, self.w(f"decoder/l{l}/wx"), self.w(f"decoder/l{l}/bx"))
                states[l] = self._cell(params[l], xt, states[l])
            tops.append(states[-1][0])
        return torch.stack(tops, 1), torch.stack(contexts, 1), torch.stack(weights, 1), states

    # --- the contract -------------------------------------------------------------------------------
    def logits(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor, training: bool = False
    ) -> torch.Tensor:
        memory, finals = self._encode(src, src_mask, training)
        keys = self._prepare(memory, src_mask)
        return self._decode(memory, src_mask, keys, tgt_in, self._bridge(finals), training, src)[0]

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> DecodingTensors:
        """Parts `[memory, srcMask, keys, (src when copying), h_0.., (c_0..)]`."""
        memory, finals = self._encode(src, src_mask, False)
        init = self._bridge(finals)
        copy_from = [src] if self.config["copy"] else []
        return DecodingTensors([memory, src_mask, self._prepare(memory, src_mask), *copy_from, *_to_parts(init)], 0)

    def initial_state(self, source: DecodingTensors) -> DecodingTensors:
        return DecodingTensors([p.clone() for p in source.parts[4 if self.config["copy"] else 3 :]], 0)

    def step(self, source: DecodingTensors, state: DecodingTensors, prev_tokens: torch.Tensor) -> StepOutput:
        n = prev_tokens.shape[0]
        memory, src_mask, keys = source.parts[:3]
        src = source.parts[3] if self.config["copy"] else None
        init = _from_parts(state.parts, self.lstm)
        out, attention, copy_log_p, states = self._decode(
            memory, src_mask, keys, prev_tokens.reshape(n, 1), init, False, src
        )
        return StepOutput(
            log_probs=torch.log_softmax(out.reshape(n, -1), 1),
            attention=None if attention is None else attention.reshape(n, -1),
            copy_log_probs=None if copy_log_p is None else copy_log_p.reshape(n, -1),
            state=DecodingTensors(_to_parts(states), state.position + 1),
        )


def _to_parts(states: list[State]) -> list[torch.Tensor]:
    """`[h_0.., (c_0..)]`."""
    return [h for h, _ in states] + [c for _, c in states if c is not None]


def _from_parts(parts: list[torch.Tensor], lstm: bool) -> list[State]:
    L = len(parts) // 2 if lstm else len(parts)
    return [(parts[l], parts[L + l] if lstm else None) for l in range(L)]
