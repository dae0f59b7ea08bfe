"""Tests of the interchange file, the rnn and Transformer twins, the loss, search and the check
commands, on tiny models with every weight randomised (so that no zero bias hides a layout
mistake): round trips and every rejection of a bad file, padding invariance, step-wise decoding
against teacher forcing, weight loading checks. Parity with TypeScript itself is checked from the
TypeScript side, which runs the `forward` and `decode` commands on its own weights.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from seq2seq_native.check import decode_main, forward_main
from seq2seq_native.interchange import read_interchange, write_interchange
from seq2seq_native.loss import masked_cross_entropy
from seq2seq_native.model import Seq2Seq, build_model, load_model, save_model
from seq2seq_native.search import DecodeOptions, beam_search, greedy_decode

torch.set_num_threads(1)

V = 30
BASE: dict[str, Any] = {
    "arch": "rnn",
    "cell": "gru",
    "attention": "luong-general",
    "embeddingDim": 6,
    "hiddenDim": 8,
    "encoderLayers": 1,
    "decoderLayers": 1,
    "bidirectional": True,
    "dropout": 0.1,
    "dModel": 8,
    "heads": 2,
    "ffDim": 12,
    "tieEmbeddings": False,
    "copy": False,
    "srcVocabSize": V,
    "tgtVocabSize": V,
    "maxSrcLen": 16,
    "maxTgtLen": 10,
}

VARIANTS: dict[str, dict[str, Any]] = {
    "rnn gru luong-general copy": {"copy": True, "encoderLayers": 2},
    "rnn gru luong-dot": {"attention": "luong-dot", "bidirectional": False, "decoderLayers": 2},
    "rnn lstm bahdanau": {"cell": "lstm", "attention": "bahdanau", "encoderLayers": 2, "decoderLayers": 2},
    "rnn lstm bahdanau copy": {"cell": "lstm", "attention": "bahdanau", "copy": True},
    "rnn gru none tied": {"attention": "none", "embeddingDim": 8, "tieEmbeddings": True},
    "transformer": {"arch": "transformer", "encoderLayers": 2, "decoderLayers": 2},
    "transformer copy": {"arch": "transformer", "copy": True, "decoderLayers": 2, "tieEmbeddings": True},
}


def make_model(name: str, seed: int = 0) -> Seq2Seq:
    torch.manual_seed(seed)
    model = build_model({**BASE, **VARIANTS[name]})
    with torch.no_grad():
        for _, p in model.named_weights():
            p.copy_(torch.randn(p.shape) * 0.5)
    return model


# Rows: padded source (special tokens and repeated words, for copying) and padded targets.
SRC = [[4, 10, 11, 12, 10, 2], [5, 20, 21, 2, 0, 0]]
TGT_IN = [[1, 10, 12, 7, 9], [1, 21, 22, 0, 0]]
TGT_OUT = [[10, 12, 7, 9, 2], [21, 22, 2, 0, 0]]


def tensors(rows: list[list[int]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.long)


# --- interchange ------------------------------------------------------------------------------------
def test_interchange_round_trip(tmp_path: Path) -> None:
    named = [("b/x", torch.arange(6.0).reshape(2, 3)), ("a/y", torch.tensor([1.5])), ("e", torch.zeros(0, 4))]
    path = tmp_path / "w.safetensors"
    write_interchange(path, {"arch": "rnn", "n": 1}, named, {"step": "7"})
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0 and raw[8 + n - 1 : 8 + n] in (b"}", b" ")
    config, loaded, meta = read_interchange(path)
    assert config == {"arch": "rnn", "n": 1}
    assert meta["step"] == "7" and meta["format"] == "seq2seq-studio/interchange" and meta["version"] == "1"
    assert list(loaded) == ["b/x", "a/y", "e"]
    for name, t in named:
        assert loaded[name].dtype == torch.float32 and torch.equal(loaded[name], t)
    assert not [p for p in tmp_path.iterdir() if p.name != "w.safetensors"]  # no temporary left


def _write_raw(path: Path, header: dict[str, Any], data: bytes, pad: bool = True) -> None:
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def _meta(**over: str) -> dict[str, str]:
    return {"format": "seq2seq-studio/interchange", "version": "1", "config": "{}", **over}


def test_interchange_reads_f16(tmp_path: Path) -> None:
    values = np.array([1.0, -2.5, 0.125], dtype="<f2")
    header = {"__metadata__": _meta(), "h": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}}
    _write_raw(tmp_path / "h.safetensors", header, values.tobytes())
    _, t, _ = read_interchange(tmp_path / "h.safetensors")
    assert t["h"].dtype == torch.float32 and t["h"].tolist() == [1.0, -2.5, 0.125]


@pytest.mark.parametrize(
    "header, data, message",
    [
        ({"__metadata__": _meta(), "x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}}, b"\0" * 8, "out of range"),
        (
            {
                "__metadata__": _meta(),
                "x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
            },
            b"\0" * 12,
            "overlap",
        ),
        ({"__metadata__": _meta(), "x": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8, "dtype"),
        ({"__metadata__": _meta(), "x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, "expected 12"),
        ({"__metadata__": _meta(format="other")}, b"", "format"),
        ({"__metadata__": _meta(version="2")}, b"", "unsupported version"),
        ({"__metadata__": _meta(config="{nope")}, b"", "config is not JSON"),
        ({"x": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}, b"", "__metadata__"),
    ],
)
def test_interchange_rejects(tmp_path: Path, header: dict[str, Any], data: bytes, message: str) -> None:
    path = tmp_path / "bad.safetensors"
    _write_raw(path, header, data)
    with pytest.raises(ValueError, match=message) as e:
        read_interchange(path)
    assert "bad.safetensors" in str(e.value)


def test_interchange_rejects_short_and_non_json(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\1\2\3")
    with pytest.raises(ValueError, match="too short"):
        read_interchange(short)
    truncated = tmp_path / "trunc.safetensors"
    truncated.write_bytes(struct.pack("<Q", 100) + b"{}")
    with pytest.raises(ValueError, match="too short"):
        read_interchange(truncated)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(struct.pack("<Q", 8) + b"not json")
    with pytest.raises(ValueError, match="header is not JSON"):
        read_interchange(garbage)


# --- models -------------------------------------------------------------------------------------------
def test_weight_names_follow_typescript_order() -> None:
    rnn = build_model({**BASE, "copy": True})
    names = rnn.weight_names
    assert names[:5] == ["encoder/embedding", "encoder/l0/fw/wx", "encoder/l0/fw/wh", "encoder/l0/fw/bx", "encoder/l0/fw/bh"]
    assert names[-6:] == [
        "decoder/combine/w",
        "decoder/combine/b",
        "decoder/output/w",
        "decoder/output/b",
        "decoder/copy/w",
        "decoder/copy/b",
    ]
    assert dict(rnn.named_weights())["decoder/copy/w"].shape == (8 + 6, 1)
    tr = build_model({**BASE, **VARIANTS["transformer copy"]})
    assert tr.weight_names[-3:] == ["decoder/output/b", "decoder/copy/w", "decoder/copy/b"]
    assert dict(tr.named_weights())["decoder/copy/w"].shape == (16, 1)


@pytest.mark.parametrize("name", ["rnn gru luong-general copy", "rnn lstm bahdanau", "rnn gru none tied", "transformer copy"])
def test_padding_invariance(name: str) -> None:
    model = make_model(name)
    src, tgt_in = tensors(SRC), tensors(TGT_IN)
    with torch.no_grad():
        both = model.logits(src, (src != 0).float(), tgt_in, False)
        alone = model.logits(src[1:, :4], torch.ones(1, 4), tgt_in[1:, :3], False)
    torch.testing.assert_close(both[1, :3], alone[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_stepwise_equals_teacher_forced(name: str) -> None:
    model = make_model(name, seed=1)
    src, tgt_in = tensors(SRC), tensors(TGT_IN)
    mask = (src != 0).float()
    with torch.no_grad():
        forced = torch.log_softmax(model.logits(src, mask, tgt_in, False), 2)
        source = model.encode(src, mask)
        state = model.initial_state(source)
        for t in range(tgt_in.shape[1]):
            out = model.step(source, state, tgt_in[:, t])
            state = out.state
            torch.testing.assert_close(out.log_probs, forced[:, t], atol=1e-5, rtol=1e-5)
            if model.config["copy"]:
                assert out.copy_log_probs is not None and out.copy_log_probs.shape == (2, V)


FUSED_VARIANTS: dict[str, dict[str, Any]] = {
    "gru bidirectional 2 layers copy": {"copy": True, "encoderLayers": 2, "decoderLayers": 2},
    "gru unidirectional luong-dot": {"attention": "luong-dot", "bidirectional": False, "decoderLayers": 2},
    "lstm bidirectional 2 layers luong-general copy": {"cell": "lstm", "copy": True, "encoderLayers": 2},
    "lstm bahdanau 2 layers": {"cell": "lstm", "attention": "bahdanau", "encoderLayers": 2, "decoderLayers": 2},
    "gru none tied": {"attention": "none", "embeddingDim": 8, "tieEmbeddings": True},
}


@pytest.mark.parametrize("padded", [True, False])
@pytest.mark.parametrize(
    "name, gru_sequence",
    [(n, True) for n in FUSED_VARIANTS] + [(n, False) for n in FUSED_VARIANTS if n.startswith("gru")],
)
def test_fused_recurrent_layers_equal_the_stepwise_loop(name: str, gru_sequence: bool, padded: bool) -> None:
    """Whole-sequence layers (GRU: `_GruSequence`, or torch's fused GRU as on a GPU; LSTM: torch's,
    packed rows when padded) give the TypeScript loop's logits and gradients of every weight."""
    torch.manual_seed(3)
    model = build_model({**BASE, **FUSED_VARIANTS[name]})
    model._gru_as_sequence = lambda device: gru_sequence  # type: ignore[method-assign]
    with torch.no_grad():
        for _, p in model.named_weights():
            p.copy_(torch.randn(p.shape) * 0.5)
    # Rows in no particular length order (packing sorts them), one of them full.
    src = tensors([[4, 10, 11, 2, 0, 0], [5, 20, 21, 12, 13, 2], [4, 9, 2, 0, 0, 0]] if padded else SRC[:1] * 3)
    tgt_in, tgt_out = tensors(TGT_IN + TGT_IN[:1]), tensors(TGT_OUT + TGT_OUT[:1])
    mask = (src != 0).float()
    results = []
    for fused in (True, False):
        model.fused = fused
        model.zero_grad(set_to_none=True)
        logits = model.logits(src, mask, tgt_in, False)
        loss = masked_cross_entropy(logits, tgt_out, (tgt_out != 0).float(), 0.1)
        loss.backward()
        memory, finals = model._encode(src, mask, False)
        results.append((logits.detach(), [p.grad.clone() for _, p in model.named_weights()], memory.detach(), finals))
    (a, ga, ma, fa), (b, gb, mb, fb) = results
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    for (n, _), x, y in zip(model.named_weights(), ga, gb):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=1e-4, msg=lambda m: f"{n}: {m}")
    real = mask.unsqueeze(2)
    torch.testing.assert_close(ma * real, mb * real, atol=1e-5, rtol=1e-5)
    for (h1, c1), (h2, c2) in zip(fa, fb):
        torch.testing.assert_close(h1, h2, atol=1e-5, rtol=1e-5)
        if c1 is not None:
            torch.testing.assert_close(c1, c2, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["gru bidirectional 2 layers copy", "lstm bidirectional 2 layers luong-general copy"])
def test_a_mask_that_is_not_right_padding_runs_the_stepwise_loop(name: str) -> None:
    """A padding id inside a row, or a row of padding only, is no prefix: the masked loop runs."""
    torch.manual_seed(4)
    model = build_model({**BASE, **FUSED_VARIANTS[name]})
    src = tensors([[4, 10, 0, 11, 2, 0], [5, 20, 21, 12, 13, 2], [0, 0, 0, 0, 0, 0]])
    mask, tgt_in = (src != 0).float(), tensors(TGT_IN + TGT_IN[:1])
    with torch.no_grad():
        model.fused = True
        a = model.logits(src, mask, tgt_in, False)
        model.fused = False
        b = model.logits(src, mask, tgt_in, False)
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)


def test_luong_general_scores_from_projected_queries_equal_those_from_projected_keys() -> None:
    """Teacher forcing may take h . (W m) as (h W^T) . m (fewer products when T < S): same
    logits and gradients as the keys that step-wise decoding caches."""
    model = make_model("rnn gru luong-general copy", seed=2)
    src, tgt_in = tensors(SRC), tensors(TGT_IN)
    mask = (src != 0).float()
    results = []
    for query_side in (True, False):
        model.zero_grad(set_to_none=True)
        memory, finals = model._encode(src, mask, False)
        keys = None if query_side else model._prepare(memory, mask)
        out = model._decode(memory, mask, keys, tgt_in, model._bridge(finals), False, src)[0]
        out.sum().backward()
        results.append((out.detach(), [p.grad.clone() for _, p in model.named_weights()]))
    (a, ga), (b, gb) = results
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    for x, y in zip(ga, gb):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("reverse", [False, True])
def test_gru_sequence_gradients(reverse: bool) -> None:
    """`_GruSequence`'s hand-written backward pass against finite differences (float64)."""
    from seq2seq_native.rnn import _GruSequence

    torch.manual_seed(5)
    T, b, H = 4, 3, 5
    args = [torch.randn(*shape, dtype=torch.float64, requires_grad=True) for shape in ((T, b, 3 * H), (b, H), (H, 3 * H), (3 * H,))]
    assert torch.autograd.gradcheck(lambda xs, h0, wh, bh: _GruSequence.apply(xs, h0, wh, bh, reverse), args)


def test_copy_mixture_and_smoothed_loss_gradients() -> None:
    """The hand-written backward passes of the copy mixture and the label-smoothed loss against
    finite differences (float64), repeated and special source ids included."""
    from seq2seq_native.loss import _SmoothedNll
    from seq2seq_native.model import _CopyMixture

    torch.manual_seed(6)
    b, T, S, Vs = 2, 3, 5, 9
    src = tensors([[4, 7, 8, 7, 2], [6, 6, 6, 3, 0]])
    logits = torch.randn(b, T, Vs, dtype=torch.float64, requires_grad=True)
    gate = torch.rand(b, T, 1, dtype=torch.float64, requires_grad=True)
    attention = torch.softmax(torch.randn(b, T, S, dtype=torch.float64), 2).requires_grad_()
    assert torch.autograd.gradcheck(lambda l, g, a: _CopyMixture.apply(l, g, a, src), (logits, gate, attention))
    targets = torch.randint(0, Vs, (b, T))
    for eps in (0.0, 0.1):
        assert torch.autograd.gradcheck(lambda l: _SmoothedNll.apply(l, targets, eps)[0], (logits,))


def test_copy_output_is_a_distribution_without_special_tokens() -> None:
    model = make_model("rnn gru luong-general copy")
    src = tensors([[4, 2, 0]])  # nothing but special tokens: nothing to copy
    with torch.no_grad():
        out = model.logits(src, (src != 0).float(), tensors([[1, 7]]), False)
    torch.testing.assert_close(out.exp().sum(2), torch.ones(1, 2), atol=1e-5, rtol=0)


def test_dropout_only_when_training() -> None:
    model = make_model("transformer")
    src, tgt_in = tensors(SRC), tensors(TGT_IN)
    mask = (src != 0).float()
    a = model.logits(src, mask, tgt_in, False)
    assert torch.equal(a, model.logits(src, mask, tgt_in, False))
    assert not torch.equal(a, model(src, mask, tgt_in, True))


def test_load_weights_rejects_wrong_names_and_shapes(tmp_path: Path) -> None:
    model = make_model("rnn gru luong-dot")
    good = {n: p.detach().clone() for n, p in model.named_weights()}
    bad_shape = {**good, "decoder/output/b": torch.zeros(V + 1)}
    with pytest.raises(ValueError, match=r"wrong shape: decoder/output/b \[31\] \(expected \[30\]\)"):
        model.load_weights(bad_shape)
    missing = {n: t for n, t in good.items() if n != "attention/w"}
    extra = {**missing, "attention/zz": torch.zeros(1)}
    with pytest.raises(ValueError, match="unexpected: attention/zz"):
        model.load_weights(extra)
    with pytest.raises(ValueError, match="missing: bridge/l0/wh"):
        model.load_weights({n: t for n, t in good.items() if n != "bridge/l0/wh"})
    path = tmp_path / "m.safetensors"
    save_model(model, path, step=12)
    again = load_model(path)
    assert read_interchange(path)[2]["step"] == "12"
    for (n, p), (m, q) in zip(model.named_weights(), again.named_weights()):
        assert n == m and torch.equal(p, q)


# --- loss and search ----------------------------------------------------------------------------------
def test_masked_cross_entropy() -> None:
    torch.manual_seed(3)
    logits = torch.randn(2, 3, 5)
    targets = torch.tensor([[1, 2, 0], [4, 0, 0]])
    mask = (targets != 0).float()
    logp = torch.log_softmax(logits, 2)
    nll = -logp.gather(2, targets.unsqueeze(2)).squeeze(2)
    per = 0.9 * nll + 0.1 * (-logp.mean(2))
    torch.testing.assert_close(masked_cross_entropy(logits, targets, mask, 0.1), (per * mask).sum() / 3)
    torch.testing.assert_close(masked_cross_entropy(logits, targets, mask, 0.0, "sum"), (nll * mask).sum())
    assert float(masked_cross_entropy(logits, targets, torch.zeros(2, 3))) == 0.0
    with pytest.raises(ValueError):
        masked_cross_entropy(logits, targets, mask, 1.0)


def test_search_breaks_ties_like_typescript() -> None:
    model = make_model("rnn gru luong-dot")
    with torch.no_grad():
        model.w("decoder/output/w").zero_()
        model.w("decoder/output/b").zero_()
    # Every token equally likely: the lowest allowed id wins, EOS (2) as soon as it may.
    assert greedy_decode(model, [4, 10, 2], max_length=5).tokens == []
    assert greedy_decode(model, [4, 10, 2], max_length=5, min_length=2).tokens == [3, 3]
    hyps = beam_search(model, [4, 10, 2], DecodeOptions(beam_size=3, max_length=6, min_length=2, length_penalty=0))
    assert hyps[0].tokens == [3, 3]
    assert beam_search(model, [4, 10, 2], DecodeOptions(beam_size=3, max_length=4, min_length=9))[0].tokens == [3, 3, 3, 3]


def test_check_commands(tmp_path: Path) -> None:
    model = make_model("rnn lstm bahdanau copy")
    weights = tmp_path / "w.safetensors"
    save_model(model, weights)
    batch = tmp_path / "b.json"
    batch.write_text(json.dumps({"src": SRC, "tgtIn": TGT_IN, "tgtOut": TGT_OUT}))
    out = tmp_path / "o.json"
    assert forward_main(["--weights", str(weights), "--batch", str(batch), "--out", str(out), "--label-smoothing", "0.1"]) == 0
    result = json.loads(out.read_text())
    assert result["shape"] == [2, 5, V] and len(result["logits"]) == 2 * 5 * V
    src, tgt_in, tgt_out = tensors(SRC), tensors(TGT_IN), tensors(TGT_OUT)
    with torch.no_grad():
        logits = model.logits(src, (src != 0).float(), tgt_in, False)
    assert np.allclose(np.array(result["logits"]).reshape(2, 5, V), logits.numpy(), atol=1e-6)
    assert abs(result["loss"] - float(masked_cross_entropy(logits, tgt_out, (tgt_out != 0).float(), 0.1))) < 1e-6
    sources = tmp_path / "s.json"
    sources.write_text(json.dumps([[4, 10, 11, 2], [5, 20, 2]]))
    rows = [[4, 10, 11, 2], [5, 20, 2]]
    expected = {
        "1": [greedy_decode(model, s, max_length=6).tokens for s in rows],
        "3": [beam_search(model, s, DecodeOptions(beam_size=3, max_length=6))[0].tokens for s in rows],
    }
    for k, want in expected.items():
        args = ["--weights", str(weights), "--sources", str(sources), "--out", str(out), "--beam-size", k]
        assert decode_main([*args, "--max-length", "6"]) == 0
        decoded = json.loads(out.read_text())
        assert decoded == want
        assert all(3 <= t < V for row in decoded for t in row) and all(len(row) <= 6 for row in decoded)
