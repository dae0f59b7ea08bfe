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

Speed: a layer runs as one whole-sequence op, not as autograd over a Python loop of steps: GRU as
`_GruSequence` on the CPU (gruSequence.ts's hand-written backward pass) and as torch's fused GRU
elsewhere, LSTM as torch's fused LSTM (its gates permuted to torch's order). Right-padded rows
keep the masked loop's semantics exactly (see `_gru`, `_lstm_packed`); any other mask, and
Bahdanau's decoder (its input depends on the previous step's attention), run step by step.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import _VF
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .model import DecodingTensors, Seq2Seq, StepOutput, copy_mixture, dense, maybe_dropout

# A recurrent state: h `[b, H]` and, for LSTM, c `[b, H]` (None for GRU).
State = tuple[torch.Tensor, "torch.Tensor | None"]


def _keep(prev: torch.Tensor, nxt: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
    """The state after a step, kept where the mask `m` `[b, 1]` is 0."""
    return nxt if m is None else prev + m * (nxt - prev)


class _GruSequence(torch.autograd.Function):
    """A GRU over a whole sequence with a whole-sequence backward pass (gruSequence.ts): `xs`
    `[T, b, 3H]` time-major input projections (bias included), `h0` `[b, H]`, `wh` `[H, 3H]`,
    `bh` `[3H]` -> outputs `[T, b, H]` in time order (`reverse`: from the last step to the first).

    Each step is `_cell`'s GRU: `hh = h Wh + bh`, `[r | z] = sigmoid(x_rz + hh_rz)`,
    `n = tanh(x_n + r * hh_n)`, `h' = n + z * (h - n)`. The backward pass runs the recursion of
    the state gradient alone, one product with `Wh` and two elementwise ops per step (the gates'
    local derivatives are taken for every step at once beforehand), and then takes the gradients of
    `xs` elementwise and of `Wh` in one product over all steps, where autograd on the loop (and
    torch's own fused GRU) adds a `[H, 3H]` product into `Wh`'s gradient at every step."""

    @staticmethod
    def forward(ctx, xs: torch.Tensor, h0: torch.Tensor, wh: torch.Tensor, bh: torch.Tensor, reverse: bool):  # type: ignore[override]
        T, b, G = xs.shape
        H = G // 3
        out = xs.new_empty(T, b, H)
        hh = xs.new_empty(T, b, G)  # h Wh + bh of every step
        rz = xs.new_empty(T, b, 2 * H)
        n = xs.new_empty(T, b, H)
        # Per-step views, made once.
        x_rz, x_n = xs[..., : 2 * H].unbind(0), xs[..., 2 * H :].unbind(0)
        hh_t, hh_rz, hh_n = hh.unbind(0), hh[..., : 2 * H].unbind(0), hh[..., 2 * H :].unbind(0)
        rz_t, r_t, z_t = rz.unbind(0), rz[..., :H].unbind(0), rz[..., H:].unbind(0)
        n_t, out_t = n.unbind(0), out.unbind(0)
        h = h0
        for t in range(T - 1, -1, -1) if reverse else range(T):
            torch.addmm(bh, h, wh, out=hh_t[t])
            torch.add(x_rz[t], hh_rz[t], out=rz_t[t]).sigmoid_()
            torch.addcmul(x_n[t], r_t[t], hh_n[t], out=n_t[t]).tanh_()
            h = torch.addcmul(n_t[t], z_t[t], h - n_t[t], out=out_t[t])
        ctx.reverse = reverse
        ctx.save_for_backward(h0, wh, out, hh, rz, n)
        return out

    @staticmethod
    def backward(ctx, dy: torch.Tensor):  # type: ignore[override]
        h0, wh, out, hh, rz, n = ctx.saved_tensors
        reverse = ctx.reverse
        T, b, H = out.shape
        # The state each step started from.
        prev = torch.cat([out[1:], h0.unsqueeze(0)]) if reverse else torch.cat([h0.unsqueeze(0), out[:-1]])
        r, z = rz[..., :H], rz[..., H:]
        rz_slope = rz * (1 - rz)  # sigmoid'
        dn_pre = (1 - z) * (1 - n * n)  # d pre-tanh / d h'
        local = torch.empty(T, b, 3, H, dtype=out.dtype, device=out.device)  # d [r_pre | z_pre | hh_n] / d h'
        torch.mul(dn_pre, hh[..., 2 * H :], out=local[:, :, 0]).mul_(rz_slope[..., :H])
        torch.sub(prev, n, out=local[:, :, 1]).mul_(rz_slope[..., H:])
        torch.mul(dn_pre, r, out=local[:, :, 2])
        dhh = torch.empty(T, b, 3, H, dtype=out.dtype, device=out.device)  # gradient of h Wh + bh per step
        dh = torch.empty_like(out)  # gradient reaching each step's output (and the state after it)
        local_t, dhh_t, dh_t, dy_t, z_t = local.unbind(0), dhh.unbind(0), dh.unbind(0), dy.unbind(0), z.unbind(0)
        wh_t = wh.t().contiguous()  # (the product with a transposed view is slower)
        order = list(range(T) if reverse else range(T - 1, -1, -1))
        dh_t[order[0]].copy_(dy_t[order[0]])
        dh0 = None
        for k, t in enumerate(order):
            torch.mul(local_t[t], dh_t[t].unsqueeze(1), out=dhh_t[t])
            if k + 1 < len(order):  # the step that runs before this one
                before = order[k + 1]
                torch.addcmul(dy_t[before], dh_t[t], z_t[t], out=dh_t[before]).addmm_(dhh_t[t].view(b, 3 * H), wh_t)
            else:
                dh0 = torch.addmm(dh_t[t] * z_t[t], dhh_t[t].view(b, 3 * H), wh_t)
        flat = dhh.view(T * b, 3 * H)
        dxs = torch.cat([dhh.view(T, b, 3 * H)[..., : 2 * H], dh * dn_pre], 2)
        dwh = prev.reshape(T * b, H).t() @ flat
        return dxs, dh0, dwh, flat.sum(0), None


def _prefix_lengths(mask: torch.Tensor) -> torch.Tensor | None:
    """Row lengths (int64) when `mask` `[b, S]` is right padding (each row 1s then
    0s, at least one 1), else None."""
    lengths = mask.sum(1).round().long()
    steps = torch.arange(mask.shape[1], device=mask.device)
    if int(lengths.min()) < 1 or not torch.equal(mask, (steps.unsqueeze(0) < lengths.unsqueeze(1)).to(mask.dtype)):
        return None
    return lengths


class RecurrentSeq2Seq(Seq2Seq):
    """The rnn architecture; weights registered exactly as RecurrentSeq2Seq's WeightStore does."""

    # Run layers as whole-sequence ops (`_fused`); False: the step-by-step TypeScript loop
    # everywhere (the reference the tests compare the whole-sequence path with).
    fused = True

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

    def _fused_params(self, name: str) -> list[torch.Tensor]:
        """Layer `name`'s weights in the layout of torch's fused RNN ops (`w_ih` `[G*H, in]`,
        `w_hh` `[G*H, H]`, `b_ih`, `b_hh`), as views of the parameters where the gate orders agree
        (GRU `[r | z | n]` is torch's own), so that gradients flow into the parameters. LSTM's
        `[i | f | o | g]` becomes torch's `[i | f | g | o]` by a column permutation, and its missing
        state bias a zero."""
        wx, wh, bx = self.w(f"{name}/wx"), self.w(f"{name}/wh"), self.w(f"{name}/bx")
        if not self.lstm:
            return [wx.t(), wh.t(), bx, self.w(f"{name}/bh")]
        H = self.H

        def ifgo(t: torch.Tensor) -> torch.Tensor:
            return torch.cat([t[..., : 2 * H], t[..., 3 * H :], t[..., 2 * H : 3 * H]], -1)

        return [ifgo(wx).t(), ifgo(wh).t(), ifgo(bx), torch.zeros_like(bx)]

    def _fused(
        self,
        names: list[str],
        xs: torch.Tensor,
        init: list[State],
        lengths: torch.Tensor | None,
        training: bool,
    ) -> tuple[torch.Tensor, list[State]]:
        """Layer `names[0]` (and `names[1]` backward: a bidirectional layer) over `xs` `[b, T, in]`
        as whole sequences -> outputs `[b, T, D*H]` (directions concatenated), final state per
        direction. With `lengths` (right padding) the forward state stops at each row's last
        real token and the backward one starts there from `init`, as `_layer_stepwise`'s mask
        does; the outputs at padded positions are 0 here (the held state there: attention masks
        them out, and deeper layers never carry them into a real position). GRU runs as
        `_GruSequence` on the CPU and as torch's fused GRU elsewhere; LSTM as torch's fused LSTM."""
        if self.lstm:
            if lengths is not None:
                return self._lstm_packed(names, xs, init, lengths, training)
            params = [t for n in names for t in self._fused_params(n)]
            h0 = torch.stack([s[0] for s in init])  # [D, b, H]
            c0 = torch.stack([s[1] for s in init])  # type: ignore[misc]
            out, hn, cn = _VF.lstm(xs, (h0, c0), params, True, 1, 0.0, training, len(names) == 2, True)
            return out, [(hn[d], cn[d]) for d in range(len(names))]
        return self._gru(names, xs, init, lengths, training)

    def _gru_as_sequence(self, device: torch.device) -> bool:
        """Whether GRU layers run as `_GruSequence` (the CPU), else as torch's fused GRU (cuDNN)."""
        return device.type == "cpu"

    def _gru(
        self, names: list[str], xs: torch.Tensor, init: list[State], lengths: torch.Tensor | None, training: bool
    ) -> tuple[torch.Tensor, list[State]]:
        """`_fused` for GRU. On right-padded rows the forward direction runs over every step (a
        real position only sees the real ones before it) and ends at step `length - 1`; the
        backward one runs forward over each row's real steps reversed in place (padding left
        behind them), and its outputs are put back in time order by the same permutation."""
        b, T, H = xs.shape[0], xs.shape[1], self.H
        cpu = self._gru_as_sequence(xs.device)
        if not cpu and lengths is None:
            params = [t for n in names for t in self._fused_params(n)]
            h0 = torch.stack([s[0] for s in init])  # [D, b, H]
            out, hn = _VF.gru(xs, h0, params, True, 1, 0.0, training, len(names) == 2, True)
            return out, [(hn[d], None) for d in range(len(names))]

        def run(name: str, x: torch.Tensor, h0: torch.Tensor, reverse: bool) -> torch.Tensor:
            """`[b, T, in]` -> `[b, T, H]`."""
            if not cpu:  # never reversed: padded rows are reversed by the caller
                return _VF.gru(x, h0.unsqueeze(0), self._fused_params(name), True, 1, 0.0, training, False, True)[0]
            projected = dense(x.transpose(0, 1), self.w(f"{name}/wx"), self.w(f"{name}/bx"))  # [T, b, 3H]
            out = _GruSequence.apply(projected, h0, self.w(f"{name}/wh"), self.w(f"{name}/bh"), reverse)
            return out.transpose(0, 1)

        if lengths is None:
            fw = run(names[0], xs, init[0][0], False)
            if len(names) == 1:
                return fw, [(fw[:, -1], None)]
            bw = run(names[1], xs, init[1][0], True)
            return torch.cat([fw, bw], 2), [(fw[:, -1], None), (bw[:, 0], None)]
        steps = torch.arange(T, device=xs.device).unsqueeze(0)  # [1, T]
        lens = lengths.to(xs.device).unsqueeze(1)  # [b, 1]
        real = steps < lens  # [b, T]
        fw = run(names[0], xs, init[0][0], False)
        finals: list[State] = [(fw.gather(1, (lens - 1).unsqueeze(2).expand(b, 1, H)).squeeze(1), None)]
        if len(names) == 1:
            return fw * real.unsqueeze(2).to(fw.dtype), finals
        flip = torch.where(real, lens - 1 - steps, steps).unsqueeze(2)  # [b, T, 1], its own inverse
        flipped = run(names[1], xs.gather(1, flip.expand(b, T, xs.shape[2])), init[1][0], False)
        bw = flipped.gather(1, flip.expand(b, T, H))
        finals.append((bw[:, 0], None))
        return torch.cat([fw, bw], 2) * real.unsqueeze(2).to(fw.dtype), finals

    def _lstm_packed(
        self, names: list[str], xs: torch.Tensor, init: list[State], lengths: torch.Tensor, training: bool
    ) -> tuple[torch.Tensor, list[State]]:
        """`_fused` for LSTM rows of `lengths` real steps, as packed sequences (the fused op
        returns the cell state only at the end, so the GRU's in-place reversal cannot give it)."""
        params = [t for n in names for t in self._fused_params(n)]
        bidirectional = len(names) == 2
        packed = pack_padded_sequence(xs, lengths.cpu(), batch_first=True, enforce_sorted=False)
        order, back = packed.sorted_indices, packed.unsorted_indices
        h0 = torch.stack([s[0] for s in init]).index_select(1, order)  # [D, b, H]
        c0 = torch.stack([s[1] for s in init]).index_select(1, order)  # type: ignore[misc]
        data, hn, cn = _VF.lstm(packed.data, packed.batch_sizes, (h0, c0), params, True, 1, 0.0, training, bidirectional)
        hn, cn = hn.index_select(1, back), cn.index_select(1, back)
        out, _ = pad_packed_sequence(
            PackedSequence(data, packed.batch_sizes, order, back), batch_first=True, total_length=xs.shape[1]
        )
        return out, [(hn[d], cn[d]) for d in range(len(names))]

    def _layer(self, name: str, xs: torch.Tensor, init: State, training: bool = False) -> tuple[torch.Tensor, State]:
        """One unmasked layer over `xs` `[b, T, in]` -> outputs `[b, T, H]`, final state."""
        if not self.fused:
            return self._layer_stepwise(name, xs, init)
        out, finals = self._fused([name], xs, [init], None, training)
        return out, finals[0]

    def _layer_stepwise(
        self, name: str, xs: torch.Tensor, init: State, mask: torch.Tensor | None = None, reverse: bool = False
    ) -> tuple[torch.Tensor, State]:
        """One layer step by step, the TypeScript loop (the reference of `_fused`, and the path
        of a mask that is not right padding) -> outputs `[b, T, H]` in time order, final state."""
        T = xs.shape[1]
        projected = dense(xs, self.w(f"{name}/wx"), self.w(f"{name}/bx")).unbind(1)  # T x [b, G*H]
        masks = [None] * T if mask is None else mask.unsqueeze(2).unbind(1)  # T x [b, 1]
        outputs: list[torch.Tensor | None] = [None] * T
        params = self._params(name)
        state = init
        for t in range(T - 1, -1, -1) if reverse else range(T):
            state = self._cell(params, projected[t], state, masks[t])
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
        lengths = None if mask is None or not self.fused else _prefix_lengths(mask)
        stepwise = not self.fused or (mask is not None and lengths is None)  # or a mask not right padding
        bidirectional = bool(self.config["bidirectional"])
        finals: list[State] = []
        for l in range(int(self.config["encoderLayers"])):
            if l > 0:
                x = maybe_dropout(x, rate, training)
            names = [f"encoder/l{l}/fw"] + ([f"encoder/l{l}/bw"] if bidirectional else [])
            if stepwise:
                runs = [self._layer_stepwise(n, x, self._zero(b, x), mask, d == 1) for d, n in enumerate(names)]
                x = torch.cat([o for o, _ in runs], 2) if bidirectional else runs[0][0]
                ends = [f for _, f in runs]
            else:
                x, ends = self._fused(names, x, [self._zero(b, x)] * len(names), lengths, training)
            if not bidirectional:
                finals.append(ends[0])
                continue
            c = torch.cat([ends[0][1], ends[1][1]], 1) if self.lstm else None  # type: ignore[list-item]
            finals.append((torch.cat([ends[0][0], ends[1][0]], 1), c))
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
        self, queries: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor, keys: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """`queries` `[b, T, Hq]` -> context `[b, T, Hm]`, weights `[b, T, S]` (None for 'none').
        `keys` None (luong-general only): the scores `h . (W m)` are taken as `(h W^T) . m`."""
        kind = self.config["attention"]
        b, T = queries.shape[0], queries.shape[1]
        if kind == "none":
            return keys.unsqueeze(1).expand(b, T, keys.shape[1]), None
        if kind == "bahdanau":
            q = dense(queries, self.w("attention/wq")).unsqueeze(2)  # [b, T, 1, A]
            e = dense(torch.tanh(q + keys.unsqueeze(1)), self.w("attention/v"))  # [b, T, S, 1]
            scores = e.reshape(b, T, memory.shape[1])
        elif keys is None:
            scores = dense(queries, self.w("attention/w").t()) @ memory.transpose(1, 2)
        else:
            scores = queries @ keys
        weights = torch.softmax(scores + ((1 - src_mask) * -1e9).unsqueeze(1), 2)
        return weights @ memory, weights

    # --- decoder (decoder.ts) ---------------------------------------------------------------------
    def _decode(
        self,
        memory: torch.Tensor,
        src_mask: torch.Tensor,
        keys: torch.Tensor | None,
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
                h, final = self._layer(f"decoder/l{l}", h, init[l], training)
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
        log_p, copy_log_p = copy_mixture(logits, gate, attention, src, not training)
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
        emb_steps = dense(emb, wx[:E], self.w("decoder/l0/bx")).unbind(1)  # T x [b, G*H]
        wx_ctx = wx[E:]
        params = [self._params(f"decoder/l{l}") for l in range(len(init))]
        states = list(init)
        tops, contexts, weights = [], [], []
        for t in range(T):
            ctx, att = self._attend(states[-1][0].unsqueeze(1), memory, src_mask, keys)
            ctx = ctx[:, 0]
            contexts.append(ctx)
            weights.append(att[:, 0])  # type: ignore[index]
            states[0] = self._cell(params[0], emb_steps[t] + ctx @ wx_ctx, states[0])
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
        S, T, H, Hm = memory.shape[1], tgt_in.shape[1], self.H, self.memory_dim
        # luong-general scores h . (W m_s): projecting the T queries instead of the S memory
        # positions is the same product with less work when T Hm (H + S) < S H (Hm + T).
        query_side = self.config["attention"] == "luong-general" and T * (H + S) * Hm < S * H * (Hm + T)
        keys = None if query_side else self._prepare(memory, src_mask)
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
