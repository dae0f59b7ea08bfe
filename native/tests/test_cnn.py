"""Tests of the convolutional twin (cnn.py) on tiny models with every weight randomised: its weight
names and shapes (TypeScript's order), the convolution layout (the stored `[k*C, 2C]` matrix is
the product over k shifted windows laid side by side, as cnn.ts computes it), padding invariance,
causality, step-wise decoding against teacher forcing, the check commands and search. Parity with
TypeScript itself is checked from test/unit/nativeParity.test.ts.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from seq2seq_native.check import forward_main
from seq2seq_native.model import Seq2Seq, build_model, save_model
from seq2seq_native.search import DecodeOptions, beam_search, greedy_decode

torch.set_num_threads(1)

V = 30
BASE: dict[str, Any] = {
    "arch": "cnn",
    "embeddingDim": 6,
    "hiddenDim": 8,
    "kernelWidth": 3,
    "encoderLayers": 2,
    "decoderLayers": 2,
    "dropout": 0.1,
    "tieEmbeddings": False,
    "copy": False,
    "srcVocabSize": V,
    "tgtVocabSize": V,
    "maxSrcLen": 16,
    "maxTgtLen": 10,
}
VARIANTS: dict[str, dict[str, Any]] = {
    "k3": {},
    "k4 copy tied": {"kernelWidth": 4, "copy": True, "tieEmbeddings": True, "decoderLayers": 3},
    "k2 one layer copy": {"kernelWidth": 2, "encoderLayers": 1, "decoderLayers": 1, "copy": True},
}

SRC = [[4, 10, 11, 12, 10, 2], [5, 20, 21, 2, 0, 0]]
TGT_IN = [[1, 10, 12, 7, 9], [1, 21, 22, 0, 0]]
TGT_OUT = [[10, 12, 7, 9, 2], [21, 22, 2, 0, 0]]


def make_model(name: str, seed: int = 0) -> Seq2Seq:
    torch.manual_seed(seed)
    model = build_model({**BASE, **VARIANTS[name]})
    with torch.no_grad():
        for _, p in model.named_weights():
            p.copy_(torch.randn(p.shape) * 0.5)
    return model


def tensors(rows: list[list[int]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.long)


def test_weight_names_and_shapes_follow_typescript() -> None:
    model = build_model({**BASE, **VARIANTS["k4 copy tied"]})
    shapes = {n: tuple(p.shape) for n, p in model.named_weights()}
    names = model.weight_names
    assert names[:6] == [
        "encoder/embedding",
        "encoder/positions",
        "encoder/in/w",
        "encoder/in/b",
        "encoder/l0/conv/w",
        "encoder/l0/conv/b",
    ]
    assert names[-4:] == ["decoder/out/b", "decoder/output/b", "decoder/copy/w", "decoder/copy/b"]
    assert "decoder/output/w" not in shapes  # tied
    assert shapes["decoder/positions"] == (11, 6)
    assert shapes["decoder/l2/conv/w"] == (4 * 8, 16)
    assert shapes["decoder/l2/attention/in/w"] == (8, 6)
    assert shapes["decoder/l2/attention/out/w"] == (6, 8)
    assert shapes["decoder/copy/w"] == (12, 1)
    with pytest.raises(ValueError, match="kernelWidth"):
        build_model({**BASE, "kernelWidth": 1})


def test_convolution_is_the_product_over_shifted_windows() -> None:
    model = make_model("k4 copy tied")
    k, C = 4, 8
    x = torch.randn(2, 7 + k - 1, C)
    with torch.no_grad():
        conv = model._gated_conv("decoder/l1", x)
        windows = torch.cat([x[:, j : j + 7] for j in range(k)], 2)  # [b, T, k*C], window position major
        y = windows @ model.w("decoder/l1/conv/w") + model.w("decoder/l1/conv/b")
        expected = y[..., :C] * torch.sigmoid(y[..., C:])
    torch.testing.assert_close(conv, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_padding_invariance(name: str) -> None:
    model = make_model(name)
    src, tgt_in = tensors(SRC), tensors(TGT_IN)
    with torch.no_grad():
        both = model.logits(src, (src != 0).float(), tgt_in, False)
        alone = model.logits(src[1:, :4], torch.ones(1, 4), tgt_in[1:, :3], False)
    torch.testing.assert_close(both[1, :3], alone[0], atol=1e-5, rtol=1e-5)


def test_causal() -> None:
    model = make_model("k3")
    src, tgt_in = tensors(SRC[:1]), tensors(TGT_IN[:1])
    mask = torch.ones(1, src.shape[1])
    with torch.no_grad():
        base = model.logits(src, mask, tgt_in, False)
        for t in range(1, tgt_in.shape[1]):
            changed = tgt_in.clone()
            changed[0, t] = 25
            out = model.logits(src, mask, changed, False)
            torch.testing.assert_close(out[0, :t], base[0, :t], atol=1e-6, rtol=1e-6)
            assert (out[0, t] - base[0, t]).abs().max() > 1e-4


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
            assert all(p.shape == (2, model.k - 1, 8) for p in state.parts)  # fixed size, any prefix
            torch.testing.assert_close(out.log_probs, forced[:, t], atol=1e-5, rtol=1e-5)
            assert out.attention is not None and out.attention.shape == (2, 6)
            if model.config["copy"]:
                assert out.copy_log_probs is not None and out.copy_log_probs.shape == (2, V)


def test_forward_command_and_search(tmp_path: Path) -> None:
    model = make_model("k4 copy tied")
    weights = tmp_path / "w.safetensors"
    save_model(model, weights)
    batch = tmp_path / "b.json"
    batch.write_text(json.dumps({"src": SRC, "tgtIn": TGT_IN, "tgtOut": TGT_OUT}))
    out = tmp_path / "o.json"
    assert forward_main(["--weights", str(weights), "--batch", str(batch), "--out", str(out)]) == 0
    src, tgt_in = tensors(SRC), tensors(TGT_IN)
    with torch.no_grad():
        logits = model.logits(src, (src != 0).float(), tgt_in, False)
    assert torch.allclose(torch.tensor(json.loads(out.read_text())["logits"]).reshape(2, 5, V), logits, atol=1e-6)
    greedy = greedy_decode(model, [4, 10, 11, 2], max_length=6).tokens
    beam = beam_search(model, [4, 10, 11, 2], DecodeOptions(beam_size=3, max_length=6))
    assert len(greedy) <= 6 and beam and len(beam[0].tokens) <= 6


def test_learns_to_copy() -> None:
    torch.manual_seed(0)
    config = {**BASE, "embeddingDim": 32, "hiddenDim": 64, "dropout": 0.0, "srcVocabSize": 16, "tgtVocabSize": 16}
    model = build_model(config)
    opt = torch.optim.Adam(model.parameters(), lr=0.002)
    gen = torch.Generator().manual_seed(1)

    def batch(n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        lengths = torch.randint(3, 8, (n,), generator=gen)
        seqs = [torch.randint(6, 16, (int(L),), generator=gen).tolist() for L in lengths]
        S, T = max(map(len, seqs)) + 2, max(map(len, seqs)) + 1
        src = [[4, *s, 2] + [0] * (S - len(s) - 2) for s in seqs]
        tgt_in = [[1, *s] + [0] * (T - len(s) - 1) for s in seqs]
        tgt_out = [[*s, 2] + [0] * (T - len(s) - 1) for s in seqs]
        return tensors(src), tensors(tgt_in), tensors(tgt_out)

    for _ in range(150):
        src, tgt_in, tgt_out = batch(32)
        logits = model.logits(src, (src != 0).float(), tgt_in, True)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 16), tgt_out.reshape(-1), ignore_index=0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    src, _, tgt_out = batch(50)
    exact = 0
    with torch.no_grad():
        for row, out in zip(src.tolist(), tgt_out.tolist()):
            want = [t for t in out if t not in (0, 2)]
            exact += greedy_decode(model, [t for t in row if t != 0], max_length=len(want) + 3).tokens == want
    assert exact / 50 >= 0.95, f"only {exact}/50 exact"
