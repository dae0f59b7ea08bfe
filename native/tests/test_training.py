"""Tests of the native training engine: examples files, batches, schedules, the tfjs Adam twin,
the training loop (learning, resume, time budget, bad input) and data parallelism through the
package's own launcher. Run with `/usr/bin/python3 -m pytest native/tests/test_training.py`."""
from __future__ import annotations

import json
import math
import struct
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seq2seq_native.data import (  # noqa: E402
    BOS_ID,
    EOS_ID,
    Examples,
    batch_plan,
    batch_to_json,
    collate,
    read_examples,
    seeded_random,
    shard_batch,
    shard_rows,
    shuffle_in_place,
    write_examples,
)
from seq2seq_native.interchange import read_interchange  # noqa: E402
from seq2seq_native.model import build_model, save_model  # noqa: E402
from seq2seq_native.training import (  # noqa: E402
    TfjsAdam,
    TrainOptions,
    apply_update,
    create_schedule,
    one_step,
    parse_training,
    step_main,
    train_main,
)

VOCAB = 20


def ints_file(path: Path, ints: list[int]) -> Path:
    path.write_bytes(struct.pack(f"<{len(ints)}i", *ints))
    return path


# --- examples files ------------------------------------------------------------------------------


def test_examples_file_round_trip(tmp_path: Path) -> None:
    # version 1, 2 examples: src [4, 9, 2] tgt [9]; src [5, 7, 8, 2] tgt []
    f = ints_file(tmp_path / "e.bin", [1, 2, 3, 1, 4, 9, 2, 9, 4, 0, 5, 7, 8, 2])
    ex = read_examples(str(f))
    assert len(ex) == 2
    assert ex.src(0).tolist() == [4, 9, 2] and ex.tgt(0).tolist() == [9]
    assert ex.src(1).tolist() == [5, 7, 8, 2] and ex.tgt(1).tolist() == []
    again = tmp_path / "again.bin"
    write_examples(str(again), ex)
    assert again.read_bytes() == f.read_bytes()


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b"", "short or damaged"),
        (struct.pack("<i", 1), "short or damaged"),
        (struct.pack("<2i", 1, 0) + b"\x00", "short or damaged"),
        (struct.pack("<2i", 2, 0), "version 2"),
        (struct.pack("<7i", 1, 2, 2, 1, 4, 2, 9), "cut short"),
        (struct.pack("<5i", 1, 1, 2, 1, 4), "damaged at example 0"),
        (struct.pack("<6i", 1, 1, -1, 1, 4, 2), "damaged at example 0"),
        (struct.pack("<8i", 1, 1, 2, 1, 4, 2, 9, 9), "after its 1 examples"),
    ],
)
def test_examples_file_rejects_damaged_files(tmp_path: Path, raw: bytes, problem: str) -> None:
    f = tmp_path / "bad.bin"
    f.write_bytes(raw)
    with pytest.raises(ValueError) as e:
        read_examples(str(f))
    assert str(f) in str(e.value) and problem in str(e.value)


def test_missing_examples_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope.bin: no such examples file"):
        read_examples(str(tmp_path / "nope.bin"))


# --- batches -------------------------------------------------------------------------------------


def test_random_and_batch_order_equal_the_typescript_ones() -> None:
    # Values printed by src/mining/random.ts seededRandom / shuffleInPlace and dataset.ts makeBatches.
    r = seeded_random(1001)
    assert [r(), r()] == [0.14117497857660055, 0.26740360795520246]
    assert shuffle_in_place(list(range(20)), seeded_random(42)) == [
        13, 0, 19, 4, 6, 1, 9, 16, 14, 17, 5, 10, 18, 3, 7, 2, 11, 15, 8, 12,
    ]
    ex = Examples.from_pairs([([4] + [7] * (i % 5) + [2], [8] * (i % 3)) for i in range(12)])
    assert [b.tolist() for b in batch_plan(ex, 3, 5)] == [[8, 9, 4], [0, 10, 5], [6, 1, 11], [7, 2, 3]]
    assert [b.tolist() for b in batch_plan(ex, 3, 5, 1)] == [[11, 2, 8], [10, 1, 7], [6, 3, 9], [0, 5, 4]]


def test_collate_pads_with_bos_and_eos() -> None:
    ex = Examples.from_pairs([([4, 9, 2], [9, 10]), ([5, 2], [])])
    b = collate(ex, [0, 1])
    assert b.src.tolist() == [[4, 9, 2], [5, 2, 0]]
    assert b.tgt_in.tolist() == [[BOS_ID, 9, 10], [BOS_ID, 0, 0]]
    assert b.tgt_out.tolist() == [[9, 10, EOS_ID], [EOS_ID, 0, 0]]
    assert b.target_tokens() == 4


def test_batches_cover_every_example_once_and_shards_follow_split_batch() -> None:
    ex = Examples.from_pairs([([4] + [7] * (i % 7) + [2], [8] * (i % 4)) for i in range(103)])
    plan = batch_plan(ex, 8, 3)
    assert sorted(np.concatenate(plan).tolist()) == list(range(103))
    assert [b.tolist() for b in plan] == [b.tolist() for b in batch_plan(ex, 8, 3)]
    assert [shard_rows(5, r, 2) for r in range(2)] == [(0, 3), (3, 5)]
    assert [shard_rows(7, r, 3) for r in range(3)] == [(0, 3), (3, 5), (5, 7)]
    one = collate(ex, [0])
    assert shard_batch(one, 0, 2) is not None and shard_batch(one, 1, 2) is None


# --- schedules and the optimizer ---------------------------------------------------------------------


def test_schedules_follow_the_typescript_formulas() -> None:
    noam = create_schedule({"kind": "noam", "warmupSteps": 100}, 0.003)
    for step in (0, 1, 50, 100, 101, 400, 10000):
        s = max(1, step)
        assert noam.rate(step) == pytest.approx(0.003 * min(s / 100, math.sqrt(100 / s)), rel=1e-12)
    assert noam.rate(100) == pytest.approx(0.003)  # the peak is the base rate
    cosine = create_schedule({"kind": "cosine", "warmupSteps": 10, "totalSteps": 110, "minRate": 0.1}, 1.0)
    assert [cosine.rate(s) for s in (5, 10)] == pytest.approx([0.5, 1.0])
    assert cosine.rate(60) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert [cosine.rate(s) for s in (110, 500)] == pytest.approx([0.1, 0.1])
    plateau = create_schedule({"kind": "plateau", "factor": 0.5, "patience": 1}, 1.0)
    for v in (3.0, 2.0, 2.5, 2.5):
        plateau.observe(v)
    assert plateau.rate(7) == 0.5
    restored = create_schedule({"kind": "plateau", "factor": 0.5, "patience": 1}, 1.0)
    restored.restore(plateau.state())
    assert restored.state() == plateau.state()


@pytest.mark.parametrize("in_pieces", [True, False])
def test_adam_with_decay_and_clipping_equals_tfjs(in_pieces: bool) -> None:
    """Three steps (weight decay 0.01, clip 1, rates 0.01/0.02/0.005) against tf.train.adam(lr, 0.9,
    0.98, 1e-9) on tfjs's cpu backend, after optimizers.ts addWeightDecay and clipByGlobalNorm;
    the CPU's piecewise update and the all-tensors-at-once one (GPUs)."""
    w = torch.nn.Parameter(torch.tensor([[0.5, -0.25, 0.125], [1.5, -2.0, 0.0625]]))
    b = torch.nn.Parameter(torch.tensor([0.1, -0.2, 0.3]))
    opt = TfjsAdam([w, b], 0.01)
    opt.in_pieces = in_pieces
    grads = [
        ([[0.3, -0.1, 2.0], [0.001, 0.0, -0.5]], [1.0, -3.0, 0.2]),
        ([[-0.2, 0.4, 0.1], [0.0, 0.0, 0.7]], [0.5, 0.5, -0.5]),
        ([[0.01, 0.02, 0.03], [0.04, 0.05, 0.06]], [0.07, 0.08, 0.09]),
    ]
    options = TrainOptions(weightDecay=0.01, clipNorm=1.0)
    for (gw, gb), rate in zip(grads, (0.01, 0.02, 0.005)):
        w.grad, b.grad = torch.tensor(gw), torch.tensor(gb)
        apply_update([w, b], opt, rate, options)
    tfjs_w = [
        0.4985416829586029, -0.2565000355243683, 0.09612582623958588,
        1.4677685499191284, -1.9728368520736694, 0.05843089520931244,
    ]  # fmt: skip
    tfjs_b = [0.06605901569128036, -0.18435049057006836, 0.3047468364238739]
    assert w.detach().flatten().tolist() == pytest.approx(tfjs_w, abs=1e-7)
    assert b.detach().tolist() == pytest.approx(tfjs_b, abs=1e-7)


def test_adam_in_pieces_equals_adam_over_whole_tensors() -> None:
    """Tensors longer than a piece (and a non-contiguous gradient) get the same update either way."""
    torch.manual_seed(2)
    start = [torch.randn(150_001), torch.randn(300, 7)]
    grads = [[torch.randn(150_001), torch.randn(7, 300).t()] for _ in range(3)]
    results = []
    for in_pieces in (True, False):
        params = [torch.nn.Parameter(t.clone()) for t in start]
        opt = TfjsAdam(params, 0.01)
        opt.in_pieces = in_pieces
        for gs in grads:
            for p, g in zip(params, gs):
                p.grad = g
            apply_update(params, opt, 0.01, TrainOptions(clipNorm=1.0))
        results.append([p.detach() for p in params])
    for x, y in zip(*results):
        torch.testing.assert_close(x, y, atol=1e-7, rtol=1e-6)  # (SIMD and scalar tails round alike to an ulp)


def tiny_config(arch: str = "rnn", dropout: float = 0.0, hidden: int = 16) -> dict:
    return dict(
        arch=arch, cell="gru", attention="luong-general", embeddingDim=hidden, hiddenDim=hidden,
        encoderLayers=1, decoderLayers=1, bidirectional=True, dropout=dropout, dModel=hidden, heads=2,
        ffDim=2 * hidden, tieEmbeddings=False, copy=False, srcVocabSize=VOCAB, tgtVocabSize=VOCAB,
        maxSrcLen=10, maxTgtLen=10,
    )  # fmt: skip


def test_one_step_equals_a_hand_computation_of_the_tfjs_update() -> None:
    """`one_step` (the `step` command): loss averaged over target tokens, weight decay, clipping,
    then Adam at step 1 with fresh moments, which tfjs computes as
    w - lr * (m / (1 - b1)) / (sqrt(v / (1 - b2)) + eps), m = (1 - b1) g, v = (1 - b2) g^2."""
    torch.manual_seed(3)
    model = build_model(tiny_config())
    ex = copy_examples(6, seed=5)
    batch = collate(ex, list(range(6)))
    before = [p.detach().double().clone() for _, p in model.named_weights()]
    # the gradient of the mean token loss, by hand
    from seq2seq_native.loss import masked_cross_entropy
    from seq2seq_native.training import batch_tensors

    src, sm, ti, to, tm = batch_tensors(batch, torch.device("cpu"))
    loss = masked_cross_entropy(model.logits(src, sm, ti, False), to, tm, 0.1)
    grads = [g.double() for g in torch.autograd.grad(loss, [p for _, p in model.named_weights()])]
    options = parse_training(
        {
            "optimizer": {"name": "adam", "learningRate": 0.01},
            "schedule": {"kind": "noam", "warmupSteps": 4},
            "weightDecay": 0.05,
            "clipNorm": 0.5,
            "labelSmoothing": 0.1,
        }
    )
    result = one_step(model, batch, options, torch.device("cpu"))
    lr = 0.01 * min(1 / 4, math.sqrt(4))
    g = [gi + 0.05 * w for gi, w in zip(grads, before)]
    norm = math.sqrt(sum(float((x * x).sum()) for x in g))
    assert result["gradNorm"] == pytest.approx(norm, rel=1e-5)
    assert norm > 0.5
    g = [x * (0.5 / (norm + 1e-6)) for x in g]
    b1, b2, eps = 0.9, 0.98, 1e-9
    worst = 0.0
    for (_, p), w, gi in zip(model.named_weights(), before, g):
        m_hat = (1 - b1) * gi / (1 - b1)
        v_hat = (1 - b2) * gi * gi / (1 - b2)
        expected = w - lr * m_hat / (v_hat.sqrt() + eps)
        worst = max(worst, float((p.detach().double() - expected).abs().max()))
    assert worst < 1e-6
    assert result["learningRate"] == pytest.approx(lr)


def test_step_command_writes_the_stepped_weights(tmp_path: Path) -> None:
    torch.manual_seed(4)
    model = build_model(tiny_config())
    save_model(model, str(tmp_path / "w.safetensors"), step=7)
    batch = collate(copy_examples(4, seed=9), [0, 1, 2, 3])
    (tmp_path / "b.json").write_text(json.dumps(batch_to_json(batch)))
    options = {"optimizer": {"name": "adam", "learningRate": 0.003}, "schedule": {"kind": "constant"}}
    (tmp_path / "o.json").write_text(json.dumps(options))
    argv = ["--weights", str(tmp_path / "w.safetensors"), "--batch", str(tmp_path / "b.json")]
    argv += ["--options", str(tmp_path / "o.json"), "--out", str(tmp_path / "w2.safetensors")]
    assert step_main(argv) == 0
    one_step(model, batch, parse_training(options), torch.device("cpu"))
    _, stepped, meta = read_interchange(tmp_path / "w2.safetensors")
    assert meta["step"] == "1"
    for name, p in model.named_weights():
        assert torch.equal(stepped[name], p.detach())


# --- the training loop -----------------------------------------------------------------------------


def copy_examples(n: int, seed: int, longest: int = 6) -> Examples:
    """A copy task: source [CODE2DOC, ...tokens, EOS], target the same tokens."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        toks = rng.integers(6, VOCAB, size=int(rng.integers(1, longest + 1))).tolist()
        pairs.append(([4, *toks, 2], toks))
    return Examples.from_pairs(pairs)


def make_run(
    tmp_path: Path, n_train: int = 200, training: dict | None = None, model: dict | None = None
) -> dict[str, str]:
    write_examples(str(tmp_path / "train.bin"), copy_examples(n_train, seed=1))
    write_examples(str(tmp_path / "valid.bin"), copy_examples(40, seed=2))
    run = {
        "model": model or tiny_config(),
        "training": {
            "batchSize": 16,
            "optimizer": {"name": "adam", "learningRate": 0.01},
            "schedule": {"kind": "constant"},
            "evalEvery": 10,
            "patience": 0,
            **(training or {}),
        },
    }
    (tmp_path / "run.json").write_text(json.dumps(run))
    names = {"train": "train.bin", "valid": "valid.bin", "config": "run.json"}
    return {name: str(tmp_path / file) for name, file in names.items()}


def train(files: dict[str, str], out: Path, *extra: str) -> int:
    argv = ["--examples", files["train"], "--valid", files["valid"], "--config", files["config"], "--out", str(out)]
    return train_main([*argv, "--device", "cpu", *extra])


def metrics(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def weights(path: Path) -> dict[str, torch.Tensor]:
    return read_interchange(path)[1]


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert list(a) == list(b)
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def test_a_tiny_model_learns_to_copy(tmp_path: Path) -> None:
    files = make_run(tmp_path, training={"optimizer": {"name": "adam", "learningRate": 0.02}, "evalEvery": 20})
    assert train(files, tmp_path / "out", "--steps", "80") == 0
    lines = metrics(tmp_path / "out")
    valid = [m["validLoss"] for m in lines if "validLoss" in m]
    steps = [m for m in lines if "loss" in m]
    assert len(steps) == 80 and len(valid) == 4
    assert valid[-1] < 0.5 * valid[0]
    assert np.mean([m["loss"] for m in steps[-5:]]) < 0.6 * np.mean([m["loss"] for m in steps[:5]])
    for m in steps:
        assert m["lr"] == 0.02 and m["tokensPerSecond"] > 0
    assert (tmp_path / "out" / "best" / "model.safetensors").exists()
    _, _, meta = read_interchange(tmp_path / "out" / "last" / "model.safetensors")
    assert meta["step"] == "80"


def test_keep_checkpoints_keeps_the_newest_evaluations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = make_run(tmp_path, training={"evalEvery": 5})
    out = tmp_path / "out"
    assert train(files, out, "--steps", "12", "--keep-checkpoints", "2") == 0
    # Evaluations at 5 and 10, and at 12 (the step limit is no evaluation): 5 is gone.
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-10.safetensors", "step-5.safetensors"]
    assert train(files, out, "--steps", "20", "--resume", "--keep-checkpoints", "2") == 0
    kept = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert kept == ["step-15.safetensors", "step-20.safetensors"]
    # Each is the model of its step: the newest equals last/.
    assert max_difference(weights(out / "checkpoints" / "step-20.safetensors"), weights(out / "last" / "model.safetensors")) == 0
    assert read_interchange(out / "checkpoints" / "step-15.safetensors")[2]["step"] == "15"
    assert train(files, tmp_path / "none", "--steps", "10") == 0
    assert not (tmp_path / "none" / "checkpoints").exists()
    capsys.readouterr()
    assert train(files, tmp_path / "bad", "--steps", "10", "--keep-checkpoints", "-1") == 2
    assert "--keep-checkpoints must be 0 or more" in capsys.readouterr().err


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_resume_continues_the_same_run(tmp_path: Path, dropout: float) -> None:
    noam = {"schedule": {"kind": "noam", "warmupSteps": 5}}
    files = make_run(tmp_path, model=tiny_config(dropout=dropout), training=noam)
    assert train(files, tmp_path / "whole", "--steps", "30") == 0
    assert train(files, tmp_path / "parts", "--steps", "15") == 0
    assert train(files, tmp_path / "parts", "--steps", "30", "--resume") == 0
    whole = weights(tmp_path / "whole" / "last" / "model.safetensors")
    parts = weights(tmp_path / "parts" / "last" / "model.safetensors")
    assert max_difference(whole, parts) < 1e-6
    a = [(m["step"], m.get("loss"), m.get("lr"), m.get("validLoss")) for m in metrics(tmp_path / "whole")]
    b = [(m["step"], m.get("loss"), m.get("lr"), m.get("validLoss")) for m in metrics(tmp_path / "parts")]
    assert a == b


def test_init_starts_from_the_weights_of_an_interchange_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = make_run(tmp_path)
    assert train(files, tmp_path / "base", "--steps", "10") == 0
    base_loss = [m["validLoss"] for m in metrics(tmp_path / "base") if "validLoss" in m][-1]
    run = json.loads(Path(files["config"]).read_text())
    run["training"]["evaluateAtStart"] = True
    Path(files["config"]).write_text(json.dumps(run))
    init = str(tmp_path / "base" / "last" / "model.safetensors")
    assert train(files, tmp_path / "tuned", "--steps", "2", "--init", init) == 0
    first = metrics(tmp_path / "tuned")[0]
    assert first["step"] == 0 and first["reference"] and first["validLoss"] == pytest.approx(base_loss, rel=1e-6)
    run["model"]["hiddenDim"] = 8
    Path(files["config"]).write_text(json.dumps(run))
    capsys.readouterr()
    assert train(files, tmp_path / "other", "--steps", "2", "--init", init) == 2
    assert "is a different model from the config's (hiddenDim: 8 vs 16)" in capsys.readouterr().err


def test_continue_goes_on_from_the_init_files_step_with_fresh_optimizer_moments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An exported model at step 24 of a run (200 examples in batches of 16: 13 steps an epoch)
    continued with --continue: step 25 is the one the whole run took from the same weights (the
    same batch, so the same loss, and the schedule's rate there); later steps differ only by the
    optimizer's fresh moments. The starting weights are evaluated first (the checkpoint to beat)."""
    noam = {"schedule": {"kind": "noam", "warmupSteps": 5}, "evalEvery": 8}
    files = make_run(tmp_path, training={**noam, "optimizer": {"name": "adam", "learningRate": 0.03}})
    assert train(files, tmp_path / "whole", "--steps", "40") == 0
    assert train(files, tmp_path / "base", "--steps", "24") == 0
    init = str(tmp_path / "base" / "last" / "model.safetensors")
    run = json.loads(Path(files["config"]).read_text())
    run["training"]["evaluateAtStart"] = True
    Path(files["config"]).write_text(json.dumps(run))
    capsys.readouterr()
    assert train(files, tmp_path / "cont", "--steps", "40", "--init", init, "--continue") == 0
    assert "continued at step 24" in capsys.readouterr().err
    whole = {m["step"]: m for m in metrics(tmp_path / "whole") if "loss" in m}
    lines = metrics(tmp_path / "cont")
    reference = lines[0]
    base_loss = [m["validLoss"] for m in metrics(tmp_path / "base") if "validLoss" in m][-1]
    assert reference["step"] == 24 and reference["reference"]
    assert reference["validLoss"] == pytest.approx(base_loss, rel=1e-6)
    steps = [m for m in lines if "loss" in m]
    assert [m["step"] for m in steps] == list(range(25, 41))
    rate = create_schedule(noam["schedule"], 0.03).rate
    for m in steps:
        # The same batches in the same order (their token counts), in the same epochs, at the schedule's rate.
        assert (m["tokens"], m["epoch"]) == (whole[m["step"]]["tokens"], whole[m["step"]]["epoch"])
        assert m["lr"] == pytest.approx(rate(m["step"]), rel=1e-12) == whole[m["step"]]["lr"]
    assert steps[0]["loss"] == pytest.approx(whole[25]["loss"], rel=1e-5)
    # A fresh model's loss is far above: the run went on from the model, not from scratch.
    assert steps[0]["loss"] < 0.9 * whole[1]["loss"]
    # Fresh moments: the weights part from the whole run's after the first step.
    assert max_difference(
        weights(tmp_path / "whole" / "last" / "model.safetensors"),
        weights(tmp_path / "cont" / "last" / "model.safetensors"),
    ) > 1e-4
    _, _, meta = read_interchange(tmp_path / "cont" / "last" / "model.safetensors")
    assert meta["step"] == "40"


def test_a_continued_run_rewarms_over_rewarm_steps_and_keeps_doing_so_when_resumed(tmp_path: Path) -> None:
    files = make_run(tmp_path, training={"schedule": {"kind": "noam", "warmupSteps": 5}, "rewarmSteps": 10})
    assert train(files, tmp_path / "base", "--steps", "10") == 0
    init = str(tmp_path / "base" / "last" / "model.safetensors")
    assert train(files, tmp_path / "cont", "--steps", "13", "--init", init, "--continue") == 0
    assert train(files, tmp_path / "cont", "--steps", "16", "--resume") == 0
    rate = create_schedule({"kind": "noam", "warmupSteps": 5}, 0.01).rate
    lrs = {m["step"]: m["lr"] for m in metrics(tmp_path / "cont") if "lr" in m}
    assert list(lrs) == list(range(11, 17))
    for step, lr in lrs.items():
        assert lr == pytest.approx(rate(step) * (step - 10) / 10, rel=1e-12), step
    # Without --continue the option changes nothing: a new run has no step to ramp up from.
    assert train(files, tmp_path / "plain", "--steps", "3", "--init", init) == 0
    assert [m["lr"] for m in metrics(tmp_path / "plain") if "lr" in m] == [rate(1), rate(2), rate(3)]


def test_continue_needs_an_init_file_that_records_its_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = make_run(tmp_path)
    capsys.readouterr()
    assert train(files, tmp_path / "a", "--steps", "2", "--continue") == 2
    assert "--continue goes with --init" in capsys.readouterr().err
    torch.manual_seed(0)
    unstepped = tmp_path / "unstepped.safetensors"
    save_model(build_model(tiny_config()), unstepped)
    assert train(files, tmp_path / "b", "--steps", "2", "--init", str(unstepped), "--continue") == 2
    assert "records no step" in capsys.readouterr().err
    assert not (tmp_path / "b" / "last").exists()


def test_valid_bare_is_reported_beside_the_validation_loss_and_chooses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = make_run(tmp_path)
    evaluations = lambda out: [m for m in metrics(out) if "validLoss" in m]  # noqa: E731
    # The same examples: the same loss, by the same definition.
    assert train(files, tmp_path / "same", "--steps", "20", "--valid-bare", files["valid"]) == 0
    same = evaluations(tmp_path / "same")
    assert len(same) == 2 and all(m["validLossBare"] == m["validLoss"] for m in same)
    assert "without neighbours" in capsys.readouterr().err
    # Other examples: another loss, while best/ and early stopping follow --valid alone.
    bare = tmp_path / "bare.bin"
    write_examples(str(bare), copy_examples(40, seed=3, longest=3))
    assert train(files, tmp_path / "other", "--steps", "20", "--valid-bare", str(bare)) == 0
    other = evaluations(tmp_path / "other")
    assert [m["validLoss"] for m in other] == [m["validLoss"] for m in same]
    assert all(m["validLossBare"] != m["validLoss"] for m in other)
    assert [m["improved"] for m in other] == [m["improved"] for m in same]
    # Without it the lines are as before.
    assert train(files, tmp_path / "plain", "--steps", "10") == 0
    assert all("validLossBare" not in m for m in metrics(tmp_path / "plain"))
    capsys.readouterr()
    argv = ["--examples", files["train"], "--config", files["config"], "--out", str(tmp_path / "x")]
    assert train_main([*argv, "--valid-bare", str(bare)]) == 2
    assert "--valid-bare goes with --valid" in capsys.readouterr().err


def test_time_budget_stops_cleanly_after_saving(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = make_run(tmp_path, training={"evalEvery": 1000})
    # A budget of 6 microseconds: over before the first step ends (6 ms was not always, on a tiny model).
    assert train(files, tmp_path / "out", "--minutes", "0.0000001") == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["finished"] == "limit" and summary["step"] == 1
    assert [m["step"] for m in metrics(tmp_path / "out") if "validLoss" in m] == [1]
    assert (tmp_path / "out" / "last" / "state.pt").exists()


def test_cpu_clock_counts_compute_not_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--clock cpu: a run that waits (here: each step sleeps 50 ms, as on a machine busy with other work)
    records the CPU time it got, not the wall time; --clock wall records the wall time."""
    files = make_run(tmp_path, training={"evalEvery": 1000})
    import seq2seq_native.training as training

    real = training.Trainer._optimizer_step

    def slow(self, *a, **k):  # noqa: ANN001, ANN002, ANN003
        time.sleep(0.05)
        return real(self, *a, **k)

    monkeypatch.setattr(training.Trainer, "_optimizer_step", slow)
    assert train(files, tmp_path / "wall", "--steps", "8") == 0
    assert train(files, tmp_path / "cpu", "--steps", "8", "--clock", "cpu") == 0
    last = lambda out: [m for m in metrics(out) if "elapsedMs" in m][-1]["elapsedMs"]  # noqa: E731
    assert last(tmp_path / "wall") >= 8 * 50
    assert last(tmp_path / "cpu") < last(tmp_path / "wall") - 8 * 40


def test_bad_input_gets_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = make_run(tmp_path)
    assert train(files, tmp_path / "out", "--steps", "2") == 0
    capsys.readouterr()
    assert train(files, tmp_path / "out", "--steps", "2") == 2
    assert "already holds a run" in capsys.readouterr().err
    assert train(files, tmp_path / "fresh", "--resume") == 2
    assert "holds no run to continue" in capsys.readouterr().err
    small = json.loads(Path(files["config"]).read_text())
    small["model"]["srcVocabSize"] = 10
    Path(files["config"]).write_text(json.dumps(small))
    assert train(files, tmp_path / "other", "--steps", "2") == 2
    assert "does not match the examples' vocabulary" in capsys.readouterr().err
    small["model"]["srcVocabSize"] = VOCAB
    small["batchSize"] = 8
    Path(files["config"]).write_text(json.dumps(small))
    assert train(files, tmp_path / "out", "--steps", "4", "--resume") == 2
    assert "holds another run" in capsys.readouterr().err
    files["train"] = str(tmp_path / "missing.bin")
    assert train(files, tmp_path / "x", "--steps", "2") == 2
    assert "missing.bin: no such examples file" in capsys.readouterr().err


# --- data parallelism --------------------------------------------------------------------------------


@pytest.mark.parametrize("arch, optimizer", [("rnn", "adam"), ("transformer", "sgd")])
def test_two_processes_equal_one_with_the_same_global_batch(tmp_path: Path, arch: str, optimizer: str) -> None:
    """11 examples in batches of 5: shares of 3 + 2 rows, and a last batch of 1 row (rank 1 idle).

    The Transformer runs with SGD: its attention key biases have a gradient of zero in exact
    arithmetic (softmax ignores a shift), so float noise of 1e-9 is all they get, and Adam with
    eps 1e-9 turns noise that differs between any two summation orders into steps of up to the
    learning rate."""
    training = {"batchSize": 5, "evalEvery": 3, "weightDecay": 0.01}
    training["optimizer"] = {"name": optimizer, "learningRate": 0.01}
    files = make_run(tmp_path, n_train=11, model=tiny_config(arch), training=training)
    assert train(files, tmp_path / "one", "--steps", "3") == 0
    assert train(files, tmp_path / "two", "--steps", "3", "--nproc", "2", "--threads", "1") == 0
    one = weights(tmp_path / "one" / "last" / "model.safetensors")
    two = weights(tmp_path / "two" / "last" / "model.safetensors")
    assert max_difference(one, two) < 1e-5
    loss_one = [m["loss"] for m in metrics(tmp_path / "one") if "loss" in m]
    loss_two = [m["loss"] for m in metrics(tmp_path / "two") if "loss" in m]
    assert loss_two == pytest.approx(loss_one, rel=1e-5)
    valid = [[m["validLoss"] for m in metrics(tmp_path / d) if "validLoss" in m] for d in ("one", "two")]
    assert valid[1] == pytest.approx(valid[0], rel=1e-5)


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_save_last_like_ctrl_c(tmp_path: Path, sig: str) -> None:
    """A service manager's SIGTERM and a closed terminal's SIGHUP stop after the current step and save last/."""
    import os
    import signal
    import subprocess

    files = make_run(tmp_path, training={"evalEvery": 100000})
    out = tmp_path / "out"
    argv = ["--examples", files["train"], "--valid", files["valid"], "--config", files["config"], "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "seq2seq_native", "train", *argv, "--device", "cpu", "--steps", "1000000"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 120
        while not ((out / "metrics.jsonl").exists() and '"loss"' in (out / "metrics.jsonl").read_text()):
            assert proc.poll() is None and time.time() < deadline, proc.communicate()[1]
            time.sleep(0.05)
        proc.send_signal(getattr(signal, sig))
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["finished"] == "cancelled" and summary["step"] >= 1
    assert (out / "last" / "state.pt").exists()
