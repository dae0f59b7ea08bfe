"""The training loop, a twin of src/training/trainer.ts, and the `train` and `step` commands.

One optimizer step (trainer.ts `applyAccumulated`), in this order:
1. the gradient of the batch loss, the label-smoothed cross-entropy averaged over ALL target tokens
   of the global batch (every micro-batch of the step when `accumulate` > 1). With several
   processes each rank backpropagates its rows' masked SUM times `world / global_tokens` (the token
   count of the global batch, which every rank collates), so DistributedDataParallel's averaging yields `sum / global_tokens`:
   gradients averaged over target tokens, as the TypeScript replica pool weights them;
2. the learning rate of the schedule at this step (1-based), ramped up over `rewarmSteps` after the
   step a continued run started from (trainer.ts `rewarmFactor`);
3. L2 weight decay added to the gradients (`g + weightDecay * w`), then L2-SP (`g + l2sp * (w - w0)`);
4. clipping by global norm (scale `clipNorm / (norm + 1e-6)`, only when `norm > clipNorm`);
5. the optimizer update, with tfjs's formulas (Adam: `m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps)`, the beta
   powers kept as float32 running products like tfjs's `accBeta1`/`accBeta2`).

Evaluation (validation loss: token-weighted mean NLL without smoothing, dropout off) every
`evalEvery` steps, or at each epoch's end when 0; `--valid-bare` (the same validation examples with
no neighbour before any source: a folder with no documented function) is scored the same way at
each evaluation, reported beside the first, and chooses nothing; early stopping after `patience`
evaluations without a lower loss; `<out>/best/model.safetensors` on improvement;
`<out>/last/model.safetensors` and `<out>/last/state.pt` (weights, optimizer, step, data position,
schedule, RNG states, best loss) at each evaluation and at the end, written atomically by rank 0.
`metrics.jsonl` gets a line per step and per evaluation. `--resume` continues the run in `<out>` at
the same step with the same optimizer moments; `--init W --continue` starts a new run from the
weights of W (an exported model of an earlier run whose state is gone) at the step W records: the
step count, the schedule and the position in the batches go on from there (as the TypeScript job's
`continueFrom`), the optimizer's moments start afresh. `--minutes` bounds this invocation (room kept
for one more evaluation, as the TypeScript time budget does). SIGINT, SIGTERM and SIGHUP stop after
the current step, saving last/.

    python3 -m seq2seq_native train --examples train.bin --valid valid.bin [--valid-bare valid-bare.bin] \
        --config run.json --out DIR [--init model.safetensors [--continue]] [--resume] [--minutes M] \
        [--clock wall|cpu] [--steps N] [--seed S] [--nproc N] [--threads T] [--device cpu|cuda] \
        [--nnodes K --node-rank R --master-addr HOST --master-port P]

Every rank reads the examples and, with `--resume`, `<out>/last/state.pt` itself: across machines
they must all see the same files (a shared folder, or copies). Exit status 2 on bad input.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import numpy as np
import torch

from . import distributed
from .data import PAD_ID, Batch, Examples, batch_plan, collate, read_batch_file, read_examples, shard_batch
from .distributed import DistContext, LaunchError, LaunchOptions

STATE_FORMAT = "seq2seq-native/train-state"
STATE_VERSION = 1
BEST_DIR = "best"
LAST_DIR = "last"
CHECKPOINTS_DIR = "checkpoints"
MODEL_FILE = "model.safetensors"
STATE_FILE = "state.pt"
METRICS_FILE = "metrics.jsonl"
LOG_EVERY_S = 10.0


class UsageError(Exception):
    """Bad input (missing files, a config that does not fit, an out dir holding another run)."""


# =============================================================================================
# Options (the names of src/training/trainConfigFile.ts)

# The defaults of a run from scratch (trainingDefaults.ts DEFAULT_TRAINING, TRAIN_JOB_DEFAULTS).
DEFAULT_OPTIMIZER = {"name": "adam", "learningRate": 0.003}
DEFAULT_SCHEDULE = {"kind": "noam", "warmupSteps": 100}
DEFAULT_BATCH_SIZE = 32
DEFAULT_SEED = 1

# Fields of the TypeScript trainer that only its own evaluation uses (decoding, BLEU, samples),
# or that its job handles: accepted and ignored here.
_IGNORED_TRAINING = ("evalLimit", "evalBeam", "samples", "threads")
# Top-level fields of a TrainConfigFile that describe how the examples were made (the TypeScript side's work).
_IGNORED_TOP = (
    "vocabSize",
    "validFraction",
    "testFraction",
    "directions",
    "doc2codeShare",
    "retrieval",
    "neighbourTokens",
    "neighbourDropout",
    "rehearsalShare",
    "maxCodeTokens",
    "maxSummaryWords",
)


@dataclass
class TrainOptions:
    """The `training` object of run.json (trainConfigFile.ts names), with the TypeScript defaults."""

    optimizer: dict = field(default_factory=lambda: dict(DEFAULT_OPTIMIZER))
    schedule: dict = field(default_factory=lambda: dict(DEFAULT_SCHEDULE))
    batchSize: int = DEFAULT_BATCH_SIZE
    maxEpochs: int = 20
    maxSteps: int = 0
    accumulate: int = 1
    clipNorm: float = 1.0
    weightDecay: float = 0.0
    l2sp: float = 0.0
    timeBudgetMs: float = 0.0
    evaluateAtStart: bool = False
    rewarmSteps: int = 0
    labelSmoothing: float = 0.1
    evalEvery: int = 0
    patience: int = 3
    stopMetric: str = "loss"
    seed: Optional[int] = None
    ignored: list[str] = field(default_factory=list)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _number(where: str, v: Any, minimum: Optional[float] = None, integer: bool = False) -> float:
    if not _is_number(v) or (integer and float(v) != int(v)):
        kind = "an integer" if integer else "a number"
        raise UsageError(f"{where} must be {kind}, got {json.dumps(v)}")
    if minimum is not None and v < minimum:
        raise UsageError(f"{where} must be at least {minimum}, got {json.dumps(v)}")
    return int(v) if integer else float(v)


def _object(where: str, v: Any, allowed: Iterable[str]) -> dict:
    if not isinstance(v, dict):
        raise UsageError(f"{where} must be an object, got {json.dumps(v)}")
    allowed = set(allowed)
    unknown = sorted(k for k in v if k not in allowed)
    if unknown:
        raise UsageError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    return v


def parse_optimizer(v: Any, where: str) -> dict:
    o = _object(where, v, ("name", "learningRate", "beta1", "beta2", "epsilon", "momentum"))
    if o.get("name") not in OPTIMIZERS:
        raise UsageError(f"{where}.name must be one of {', '.join(OPTIMIZERS)}, got {json.dumps(o.get('name'))}")
    out: dict[str, Any] = {"name": o["name"], "learningRate": _number(f"{where}.learningRate", o.get("learningRate"))}
    if not out["learningRate"] > 0:
        raise UsageError(f"{where}.learningRate must be > 0, got {out['learningRate']}")
    for k in ("beta1", "beta2", "epsilon", "momentum"):
        if k in o:
            out[k] = _number(f"{where}.{k}", o[k])
    return out


_SCHEDULE_FIELDS = {
    "constant": ("kind",),
    "noam": ("kind", "warmupSteps"),
    "cosine": ("kind", "warmupSteps", "totalSteps", "minRate"),
    "plateau": ("kind", "factor", "patience", "minRate"),
}


def parse_schedule(v: Any, where: str) -> dict:
    if not isinstance(v, dict) or v.get("kind") not in _SCHEDULE_FIELDS:
        kind = v.get("kind") if isinstance(v, dict) else v
        raise UsageError(f"{where}.kind must be one of {', '.join(_SCHEDULE_FIELDS)}, got {json.dumps(kind)}")
    o = _object(where, v, _SCHEDULE_FIELDS[v["kind"]])
    out: dict[str, Any] = {"kind": o["kind"]}
    for k in _SCHEDULE_FIELDS[o["kind"]][1:]:
        if k in o:
            out[k] = _number(f"{where}.{k}", o[k])
    required = {"noam": ("warmupSteps",), "cosine": ("warmupSteps", "totalSteps")}.get(o["kind"], ())
    for k in required:
        if k not in out:
            raise UsageError(f"{where}: a {o['kind']} schedule needs {k}")
    create_schedule(out, 1.0)  # the schedule's own checks (positive warmup, factor in (0, 1))
    return out


_TRAINING_FIELDS = (
    "optimizer",
    "schedule",
    "batchSize",
    "seed",
    "maxEpochs",
    "maxSteps",
    "accumulate",
    "clipNorm",
    "weightDecay",
    "l2sp",
    "timeBudgetMs",
    "evaluateAtStart",
    "rewarmSteps",
    "labelSmoothing",
    "evalEvery",
    "patience",
    "stopMetric",
    *_IGNORED_TRAINING,
)


def parse_training(v: Any, where: str = "training") -> TrainOptions:
    """Checks a `training` object (unknown fields rejected, as trainConfigFile.ts does) over the defaults."""
    o = _object(where, {} if v is None else v, _TRAINING_FIELDS)
    t = TrainOptions()
    if "optimizer" in o:
        t.optimizer = parse_optimizer(o["optimizer"], f"{where}.optimizer")
    if "schedule" in o:
        t.schedule = parse_schedule(o["schedule"], f"{where}.schedule")
    ints = {"batchSize": 1, "maxEpochs": 1, "maxSteps": 0, "accumulate": 1, "evalEvery": 0, "patience": 0}
    ints.update({"seed": None, "rewarmSteps": 0})
    for k, minimum in ints.items():
        if k in o:
            setattr(t, k, _number(f"{where}.{k}", o[k], minimum, integer=True))
    for k in ("clipNorm", "weightDecay", "l2sp", "timeBudgetMs", "labelSmoothing"):
        if k in o:
            setattr(t, k, _number(f"{where}.{k}", o[k], 0))
    if not t.labelSmoothing < 1:
        raise UsageError(f"{where}.labelSmoothing must be in [0, 1), got {t.labelSmoothing}")
    if "evaluateAtStart" in o:
        if not isinstance(o["evaluateAtStart"], bool):
            raise UsageError(f"{where}.evaluateAtStart must be true or false")
        t.evaluateAtStart = o["evaluateAtStart"]
    if "stopMetric" in o:
        if o["stopMetric"] not in ("loss", "bleu", "sentenceBleu", "exactMatch"):
            raise UsageError(f"{where}.stopMetric must be loss, bleu, sentenceBleu or exactMatch")
        if o["stopMetric"] != "loss":
            t.ignored.append(f"stopMetric {o['stopMetric']} (the native engine stops on validation loss)")
    t.ignored.extend(k for k in _IGNORED_TRAINING if k in o)
    return t


@dataclass
class RunConfig:
    model: Optional[dict]
    training: TrainOptions
    seed: int


def read_run_config(path: str) -> RunConfig:
    """run.json: {"model": ModelConfig, "training": {...}} (+ TrainConfigFile's batchSize, seed)."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such config file") from None
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}: not JSON ({e})") from None
    where = f"the config {path}"
    o = _object(where, value, ("model", "training", "batchSize", "seed", *_IGNORED_TOP))
    training = parse_training(o.get("training"), f"{where}: training")
    if "batchSize" in o:
        training.batchSize = _number(f"{where}: batchSize", o["batchSize"], 1, integer=True)
    seed = training.seed if training.seed is not None else DEFAULT_SEED
    if "seed" in o:
        seed = _number(f"{where}: seed", o["seed"], 0, integer=True)
    model = o.get("model")
    if model is not None:
        if not isinstance(model, dict):
            raise UsageError(f"{where}: model must be an object (a resolved ModelConfig)")
        missing = [k for k in ("arch", "srcVocabSize", "tgtVocabSize", "maxSrcLen", "maxTgtLen") if k not in model]
        if missing:
            raise UsageError(f"{where}: model lacks {', '.join(missing)} (give the resolved ModelConfig)")
    return RunConfig(model, training, int(seed))


# =============================================================================================
# Schedules (src/training/schedules.ts)


class Schedule:
    """The learning rate of 1-based optimizer step `step`; plateau watches validation losses."""

    def __init__(self, config: dict, base: float) -> None:
        if not (math.isfinite(base) and base > 0):
            raise UsageError(f"schedule: learning rate must be > 0, got {base}")
        self.config = dict(config)
        self.base = float(base)
        kind = config["kind"]
        if kind == "noam":
            self._positive("warmupSteps")
        elif kind == "cosine":
            self._positive("totalSteps")
        elif kind == "plateau":
            factor = float(config.get("factor", 0.5))
            if not 0 < factor < 1:
                raise UsageError(f"schedule: plateau factor must be in (0, 1), got {factor}")
        elif kind != "constant":
            raise UsageError(f"unknown schedule {json.dumps(config)}")
        self.current = self.base
        self.best = math.inf
        self.bad = 0

    def _positive(self, name: str) -> None:
        v = self.config.get(name)
        if not (_is_number(v) and v > 0):
            raise UsageError(f"schedule: {name} must be > 0, got {json.dumps(v)}")

    def rate(self, step: int) -> float:
        c = self.config
        kind = c["kind"]
        s = max(1, step)
        if kind == "noam":
            w = c["warmupSteps"]
            return self.base * min(s / w, math.sqrt(w / s))
        if kind == "cosine":
            w = max(0, c["warmupSteps"])
            lo = c.get("minRate", 0.0)
            if s <= w:
                return self.base * s / w
            progress = min(1.0, (s - w) / max(1, c["totalSteps"] - w))
            return lo + (self.base - lo) * 0.5 * (1 + math.cos(math.pi * progress))
        if kind == "plateau":
            return self.current
        return self.base

    def observe(self, value: float) -> None:
        if self.config["kind"] != "plateau":
            return
        if value < self.best:
            self.best = value
            self.bad = 0
            return
        self.bad += 1
        if self.bad > self.config.get("patience", 2):
            self.current = max(self.config.get("minRate", 0.0), self.current * self.config.get("factor", 0.5))
            self.bad = 0

    def state(self) -> dict:
        if self.config["kind"] != "plateau":
            return {}
        out: dict[str, Any] = {"rate": self.current, "badEvaluations": self.bad}
        if math.isfinite(self.best):
            out["best"] = self.best
        return out

    def restore(self, state: dict) -> None:
        if self.config["kind"] != "plateau":
            return
        self.current = state.get("rate", self.current)
        self.best = state.get("best", math.inf)
        self.bad = state.get("badEvaluations", 0)


def rewarm_factor(step: int, start: Optional[int], steps: int) -> float:
    """The share of the scheduled rate at `step` of a run continued from step `start` that ramps up
    again over `steps` (trainer.ts `rewarmFactor`): fresh Adam moments move every weight by about
    the full rate at first. 1 for other runs, and with `steps` 0."""
    if start is None or not steps > 0:
        return 1.0
    return min(1.0, max(0, step - start) / steps)


def create_schedule(config: dict, base: float) -> Schedule:
    return Schedule(config, base)


# =============================================================================================
# Optimizers with tfjs's update formulas (src/training/optimizers.ts createOptimizer)


def _f32(x: float) -> float:
    return float(np.float32(x))


# Elements of (w, g, m, v) the CPU Adam updates together (4 x 256 KiB: about a core's L2 cache).
_ADAM_PIECE = 65536


def _adam_piece(
    p: torch.Tensor, g: torch.Tensor, m: torch.Tensor, v: torch.Tensor, b1: float, b2: float,
    one_minus_acc2: float, eps: float, step_size: float,
) -> None:
    m.mul_(b1).add_(g, alpha=1 - b1)
    v.mul_(b2).addcmul_(g, g, value=1 - b2)
    p.addcdiv_(m, torch.div(v, one_minus_acc2).sqrt_().add_(eps), value=step_size)


class TfjsAdam(torch.optim.Optimizer):
    """tf.train.adam: m, v; `w += -lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`, where
    `b^t` are float32 running products (tfjs's accBeta1/accBeta2), saved with the state."""

    # On the CPU, update cache-sized pieces of each tensor (else: each op over every tensor).
    in_pieces = True

    def __init__(self, params, lr: float, beta1: float = 0.9, beta2: float = 0.98, eps: float = 1e-9) -> None:
        defaults = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, acc_beta1=_f32(beta1), acc_beta2=_f32(beta2))
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):  # type: ignore[override]
        for group in self.param_groups:
            b1, b2, lr, eps = group["beta1"], group["beta2"], group["lr"], group["eps"]
            one_minus_acc1 = float(np.float32(1) - np.float32(group["acc_beta1"]))
            one_minus_acc2 = float(np.float32(1) - np.float32(group["acc_beta2"]))
            params, grads, ms, vs = [], [], [], []
            for p in group["params"]:
                st = self.state[p]
                if not st:
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                params.append(p)
                grads.append(p.grad if p.grad is not None else torch.zeros_like(p))
                ms.append(st["m"])
                vs.append(st["v"])
            # The formulas above, in place: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
            # w += (-lr / (1 - b1^t)) m / (sqrt(v / (1 - b2^t)) + eps).
            step_size = -lr / one_minus_acc1
            if params and self.in_pieces and all(p.device.type == "cpu" for p in params):
                # On the CPU every op runs on a cache-sized piece of (w, g, m, v) before the next
                # piece: the optimizer reads its 4 N floats about once instead of once per op.
                for p, g, m, v in zip(params, grads, ms, vs):
                    if not (p.is_contiguous() and m.is_contiguous() and v.is_contiguous()):
                        _adam_piece(p, g, m, v, b1, b2, one_minus_acc2, eps, step_size)
                        continue
                    pf, gf, mf, vf = p.view(-1), g.reshape(-1), m.view(-1), v.view(-1)
                    for i in range(0, pf.numel(), _ADAM_PIECE):
                        j = i + _ADAM_PIECE
                        _adam_piece(pf[i:j], gf[i:j], mf[i:j], vf[i:j], b1, b2, one_minus_acc2, eps, step_size)
            elif params:
                torch._foreach_mul_(ms, b1)
                torch._foreach_add_(ms, grads, alpha=1 - b1)
                torch._foreach_mul_(vs, b2)
                torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
                denominators = torch._foreach_div(vs, one_minus_acc2)
                torch._foreach_sqrt_(denominators)
                torch._foreach_add_(denominators, eps)
                torch._foreach_addcdiv_(params, ms, denominators, value=step_size)
            group["acc_beta1"] = float(np.float32(group["acc_beta1"]) * np.float32(b1))
            group["acc_beta2"] = float(np.float32(group["acc_beta2"]) * np.float32(b2))


class _PerParameter(torch.optim.Optimizer):
    """An optimizer whose update reads one parameter, its gradient (zeros when it has none) and
    its own state at a time: `_update` is the formula."""

    @torch.no_grad()
    def step(self, closure=None):  # type: ignore[override]
        for group in self.param_groups:
            for p in group["params"]:
                self._update(p, p.grad if p.grad is not None else torch.zeros_like(p), self.state[p], group)

    def _update(self, p: torch.Tensor, g: torch.Tensor, st: dict, group: dict) -> None:
        raise NotImplementedError


class TfjsAdagrad(_PerParameter):
    """tf.train.adagrad: accumulator from 0.1; `w += -lr * g / sqrt(acc + 1e-7)`."""

    def __init__(self, params, lr: float) -> None:
        super().__init__(params, dict(lr=lr))

    def _update(self, p: torch.Tensor, g: torch.Tensor, st: dict, group: dict) -> None:
        if not st:
            st["acc"] = torch.full_like(p, 0.1)
        acc = st["acc"].add_(g.square())
        p.add_((g / (acc + 1e-7).sqrt()) * -group["lr"])


class TfjsRmsprop(_PerParameter):
    """tf.train.rmsprop (not centered), decay 0.9: `mom = mom * momentum + lr * g / sqrt(ms + eps)`; `w -= mom`."""

    def __init__(self, params, lr: float, momentum: float = 0.0, eps: float = 1e-8) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, eps=eps, decay=0.9))

    def _update(self, p: torch.Tensor, g: torch.Tensor, st: dict, group: dict) -> None:
        if not st:
            st["ms"] = torch.zeros_like(p)
            st["mom"] = torch.zeros_like(p)
        ms = st["ms"].mul_(group["decay"]).add_(g.square() * (1 - group["decay"]))
        mom = st["mom"].mul_(group["momentum"]).add_((g * group["lr"]) / (ms + group["eps"]).sqrt())
        p.sub_(mom)


class TfjsMomentum(_PerParameter):
    """tf.train.momentum (the 'sgd' of optimizers.ts): `acc = m * acc + g`; `w += -lr * acc`."""

    def __init__(self, params, lr: float, momentum: float = 0.9) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum))

    def _update(self, p: torch.Tensor, g: torch.Tensor, st: dict, group: dict) -> None:
        if not st:
            st["acc"] = torch.zeros_like(p)
        acc = st["acc"].mul_(group["momentum"]).add_(g)
        p.add_(acc * -group["lr"])


OPTIMIZERS = ("adam", "adagrad", "rmsprop", "sgd")


def create_optimizer(params: list[torch.nn.Parameter], config: dict) -> torch.optim.Optimizer:
    lr = config["learningRate"]
    name = config["name"]
    if name == "adam":
        return TfjsAdam(params, lr, config.get("beta1", 0.9), config.get("beta2", 0.98), config.get("epsilon", 1e-9))
    if name == "adagrad":
        return TfjsAdagrad(params, lr)
    if name == "rmsprop":
        return TfjsRmsprop(params, lr, config.get("momentum", 0.0), config.get("epsilon", 1e-8))
    if name == "sgd":
        return TfjsMomentum(params, lr, config.get("momentum", 0.9))
    raise UsageError(f"unknown optimizer {name!r}: use adam, adagrad, rmsprop or sgd")


def set_learning_rate(optimizer: torch.optim.Optimizer, rate: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = rate


# =============================================================================================
# One update (trainer.ts applyAccumulated)


def apply_update(
    params: list[torch.nn.Parameter],
    optimizer: torch.optim.Optimizer,
    learning_rate: float,
    options: TrainOptions,
    anchor: Optional[list[torch.Tensor]] = None,
) -> float:
    """Weight decay, L2-SP, clipping by global norm, then the optimizer at `learning_rate`, on the
    gradients in `p.grad` (None counts as zeros). Returns the global norm before clipping."""
    set_learning_rate(optimizer, learning_rate)
    with torch.no_grad():
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        if options.weightDecay > 0:
            grads = [g + p * options.weightDecay for g, p in zip(grads, params)]
        if anchor is not None and options.l2sp > 0:
            grads = [g + (p - w0) * options.l2sp for g, p, w0 in zip(grads, params, anchor)]
        norm = math.sqrt(float(torch.stack(torch._foreach_norm(grads)).square().sum().item()))
        if options.clipNorm > 0 and norm > options.clipNorm:
            scale = options.clipNorm / (norm + 1e-6)
            # In place: these are the gradients' own tensors (or sums made above), replaced below.
            torch._foreach_mul_(grads, scale)
        for p, g in zip(params, grads):
            p.grad = g
    optimizer.step()
    return norm


def batch_tensors(batch: Batch, device: torch.device) -> tuple[torch.Tensor, ...]:
    """(src, srcMask, tgtIn, tgtOut, tgtMask) on `device`; masks are `id != PAD` as float."""
    src = torch.from_numpy(np.ascontiguousarray(batch.src)).to(device)
    tgt_in = torch.from_numpy(np.ascontiguousarray(batch.tgt_in)).to(device)
    tgt_out = torch.from_numpy(np.ascontiguousarray(batch.tgt_out)).to(device)
    return src, (src != PAD_ID).float(), tgt_in, tgt_out, (tgt_out != PAD_ID).float()


def _model_api():
    from .loss import masked_cross_entropy
    from .model import build_model, load_model, save_model

    return build_model, load_model, save_model, masked_cross_entropy


# =============================================================================================
# Checks of the input


def _require_file(path: Optional[str], what: str) -> None:
    if path is None:
        return
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such {what}")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder, not a {what}")


def check_examples_fit(config: dict, examples: Examples, where: str) -> None:
    """The examples' ids and lengths fit the model (vocabularies, maxSrcLen, maxTgtLen)."""
    if len(examples) == 0:
        raise UsageError(f"{where}: holds no examples")
    if examples.ids.size and int(examples.ids.min()) < 0:
        raise UsageError(f"{where}: holds negative ids (damaged)")
    src_max, tgt_max = examples.max_src_id(), examples.max_tgt_id()
    if src_max >= config["srcVocabSize"]:
        raise UsageError(
            f"{where}: holds source id {src_max} but the model's srcVocabSize is {config['srcVocabSize']}: "
            "the config does not match the examples' vocabulary"
        )
    if tgt_max >= config["tgtVocabSize"]:
        raise UsageError(
            f"{where}: holds target id {tgt_max} but the model's tgtVocabSize is {config['tgtVocabSize']}: "
            "the config does not match the examples' vocabulary"
        )
    longest_src = int(examples.src_len.max())
    if longest_src > config["maxSrcLen"]:
        raise UsageError(f"{where}: a source of {longest_src} ids exceeds the model's maxSrcLen {config['maxSrcLen']}")
    longest_tgt = int(examples.tgt_len.max()) + 1
    if longest_tgt > config["maxTgtLen"]:
        raise UsageError(
            f"{where}: a target of {longest_tgt} ids (with BOS/EOS) exceeds the model's maxTgtLen {config['maxTgtLen']}"
        )
    if int(examples.src_len.min()) < 1:
        raise UsageError(f"{where}: holds an empty source")


def _config_differences(a: dict, b: dict, ignore: Iterable[str] = ()) -> list[str]:
    skip = set(ignore)
    return [
        f"{k}: {json.dumps(a.get(k))} vs {json.dumps(b.get(k))}"
        for k in sorted(set(a) | set(b))
        if k not in skip and a.get(k) != b.get(k)
    ]


# =============================================================================================
# The train command


@dataclass
class TrainArgs:
    examples: str
    valid: Optional[str]
    valid_bare: Optional[str]
    config: str
    out: str
    init: Optional[str]
    continued: bool
    resume: bool
    minutes: Optional[float]
    steps: Optional[int]
    clock: str
    seed: Optional[int]
    launch: LaunchOptions
    keep_checkpoints: int = 0


def parse_train_args(argv: list[str]) -> TrainArgs:
    p = argparse.ArgumentParser(
        prog="python3 -m seq2seq_native train",
        description="Train a seq2seq model (the PyTorch twin of the TypeScript trainer).",
    )
    p.add_argument("--examples", required=True, help="training examples (examples.bin, version 1)")
    p.add_argument("--valid", help="validation examples (examples.bin); without them no evaluation, no best/")
    p.add_argument(
        "--valid-bare",
        help="the validation examples without neighbours (examples.bin): their loss is reported beside "
        "--valid's (validLossBare); best/ follows --valid's alone",
    )
    p.add_argument("--config", required=True, help='run.json: {"model": ModelConfig, "training": {...}}')
    p.add_argument("--out", required=True, help="run folder: best/, last/, metrics.jsonl")
    p.add_argument("--init", help="start from the weights of this interchange file")
    p.add_argument(
        "--continue",
        dest="continued",
        action="store_true",
        help="with --init: a new run that goes on from the step the --init file records (an exported model "
        "of an earlier run whose state is gone): the step count, the schedule and the position in the "
        "batches continue from there; the optimizer's moments start afresh (--resume keeps them)",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out from last/state.pt")
    p.add_argument("--minutes", type=float, help="time budget of this invocation (stops after saving last/)")
    p.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="what --minutes, the time budget and elapsedMs count: wall time, or this process's CPU time "
        "(the compute a run got on a shared machine, so that runs compare at equal work)",
    )
    p.add_argument("--steps", type=int, help="stop at this optimizer step (overrides training.maxSteps)")
    p.add_argument("--seed", type=int, help="data order and initial weights (overrides the config's seed)")
    p.add_argument(
        "--keep-checkpoints",
        type=int,
        default=0,
        metavar="K",
        help="also keep the weights of the last K evaluations as checkpoints/step-N.safetensors "
        "(to average them: checkpoint averaging); 0 keeps none",
    )
    p.add_argument("--nproc", type=int, default=1, help="processes on this machine (one per GPU with cuda)")
    p.add_argument("--nnodes", type=int, default=1, help="machines in the run (each runs this command)")
    p.add_argument("--node-rank", type=int, default=0, help="this machine's index, 0 .. nnodes-1")
    p.add_argument("--master-addr", help="host of node rank 0 (default 127.0.0.1)")
    p.add_argument("--master-port", type=int, help="rendezvous port (default: a free one; 29500 across machines)")
    p.add_argument("--threads", type=int, help="intra-op threads per process (default 1 with several processes)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    a = p.parse_args(argv)
    if a.minutes is not None and not a.minutes > 0:
        raise UsageError(f"--minutes must be > 0, got {a.minutes}")
    if a.steps is not None and a.steps < 1:
        raise UsageError(f"--steps must be at least 1, got {a.steps}")
    if a.valid_bare is not None and a.valid is None:
        raise UsageError("--valid-bare goes with --valid (it is reported beside it)")
    if a.keep_checkpoints < 0:
        raise UsageError(f"--keep-checkpoints must be 0 or more, got {a.keep_checkpoints}")
    if a.keep_checkpoints > 0 and a.valid is None:
        raise UsageError("--keep-checkpoints goes with --valid (checkpoints are kept at evaluations)")
    if a.continued and (a.init is None or a.resume):
        raise UsageError("--continue goes with --init (the model to go on from), not with --resume")
    return TrainArgs(
        examples=a.examples,
        valid=a.valid,
        valid_bare=a.valid_bare,
        config=a.config,
        out=a.out,
        init=a.init,
        continued=a.continued,
        resume=a.resume,
        minutes=a.minutes,
        steps=a.steps,
        clock=a.clock,
        seed=a.seed,
        keep_checkpoints=a.keep_checkpoints,
        launch=LaunchOptions(
            nproc=a.nproc,
            nnodes=a.nnodes,
            node_rank=a.node_rank,
            master_addr=a.master_addr,
            master_port=a.master_port,
            threads=a.threads,
            device=a.device,
        ),
    )


def kept_checkpoints(out: str) -> list[str]:
    """The run's checkpoints/step-N.safetensors files, oldest step first."""
    folder = os.path.join(out, CHECKPOINTS_DIR)
    if not os.path.isdir(folder):
        return []
    steps = [
        (int(m.group(1)), os.path.join(folder, name))
        for name in os.listdir(folder)
        if (m := re.fullmatch(r"step-(\d+)\.safetensors", name))
    ]
    return [p for _, p in sorted(steps)]


def _read_state(path: str) -> dict:
    try:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # PyTorch without weights_only
            state = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unreadable file gets the same message
        raise UsageError(f"{path}: not a readable training state ({e})") from None
    try:
        info = json.loads(state["info"])
    except (TypeError, KeyError, json.JSONDecodeError):
        raise UsageError(f"{path}: not a training state of this engine") from None
    if not isinstance(info, dict) or info.get("format") != STATE_FORMAT:
        raise UsageError(f"{path}: not a training state of this engine")
    if info.get("version") != STATE_VERSION:
        raise UsageError(f"{path}: training state version {info.get('version')}, expected {STATE_VERSION}")
    return {**state, **info}


def preflight(args: TrainArgs) -> RunConfig:
    """The checks that need no examples or model: files present, config valid, out dir in the right state."""
    _require_file(args.examples, "examples file")
    _require_file(args.valid, "examples file")
    _require_file(args.valid_bare, "examples file")
    _require_file(args.config, "config file")
    _require_file(args.init, "interchange file")
    run = read_run_config(args.config)
    if run.model is None and args.init is None and not args.resume:
        raise UsageError(f"the config {args.config} has no model: give one, or --init a model file")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UsageError(f"--out {args.out} is a file, not a folder")
    state_file = os.path.join(args.out, LAST_DIR, STATE_FILE)
    if args.resume:
        if not os.path.exists(state_file):
            raise UsageError(f"--resume: {args.out} holds no run to continue ({state_file} is missing)")
    else:
        held = [d for d in (LAST_DIR, BEST_DIR) if os.path.exists(os.path.join(args.out, d))]
        if held:
            raise UsageError(
                f"--out {args.out} already holds a run ({', '.join(d + '/' for d in held)}): "
                "pass --resume to continue it, or choose another --out"
            )
    return run


def train_main(argv: list[str]) -> int:
    """`train`: checks the input, then runs (or launches) the ranks; 2 on bad input."""
    try:
        args = parse_train_args(argv)
        run = preflight(args)
        return distributed.launch(["train", *argv], args.launch, lambda ctx: _train_worker(ctx, args, run))
    except (UsageError, LaunchError, ValueError) as e:
        # Every rank meets the same bad input: rank 0 says so, other ranks only what may be theirs
        # alone (their GPU, their machine's files).
        rank = os.environ.get("RANK")
        if rank in (None, "0") or isinstance(e, LaunchError) or os.environ.get("GROUP_RANK", "0") != "0":
            print(f"{'' if rank in (None, '0') else f'rank {rank}: '}error: {e}", file=sys.stderr)
        return 2


def _train_worker(ctx: DistContext, args: TrainArgs, run: RunConfig) -> int:
    return Trainer(ctx, args, run).run()


@dataclass
class StepStats:
    loss_sum: float
    nll_sum: float
    tokens: float


class Trainer:
    """One rank of a run: the loop of trainer.ts with data-parallel gradients."""

    def __init__(self, ctx: DistContext, args: TrainArgs, run: RunConfig) -> None:
        self.ctx = ctx
        self.args = args
        self.opts = run.training
        self.seed = args.seed if args.seed is not None else run.seed
        if args.steps is not None:
            self.opts.maxSteps = args.steps
        self.clock = time.process_time if args.clock == "cpu" else time.time
        self.invocation_start = self.clock()
        self.build_model, _, self.save_model, self.loss_fn = _model_api()
        from .loss import masked_cross_entropy_and_nll

        self.loss_and_nll = masked_cross_entropy_and_nll
        self.last_eval_s = 0.0
        self.stop_signal = False
        self.signal_time = 0.0

        self.train = read_examples(args.examples)
        self.valid = read_examples(args.valid) if args.valid else None
        self.valid_bare = read_examples(args.valid_bare) if args.valid_bare else None
        saved = _read_state(os.path.join(args.out, LAST_DIR, STATE_FILE)) if args.resume else None
        self.init_file: Optional[tuple[dict, dict]] = None
        config = self._model_config(run, saved)
        check_examples_fit(config, self.train, args.examples)
        if self.valid is not None:
            check_examples_fit(config, self.valid, args.valid or "")
        if self.valid_bare is not None:
            check_examples_fit(config, self.valid_bare, args.valid_bare or "")
        self.fingerprint = {
            "model": config,
            "batchSize": self.opts.batchSize,
            "seed": self.seed,
            "trainExamples": len(self.train),
            "trainBytes": os.path.getsize(args.examples),
        }

        torch.manual_seed(self.seed)  # the same fresh weights on every rank
        try:
            self.model = self.build_model(config)
        except KeyError as e:
            raise UsageError(f"the model config lacks {e} (give the resolved ModelConfig, every field)") from None
        init_step = None
        if self.init_file is not None:
            tensors, meta = self.init_file
            try:
                self.model.load_weights(tensors)
            except ValueError as e:
                raise UsageError(f"{args.init}: {e}") from None
            init_step = meta.get("step")
            self.init_file = None
        self.model.to(ctx.device)
        self.params = [p for _, p in self.model.named_weights()]
        self.optimizer = create_optimizer(self.params, self.opts.optimizer)
        self.schedule = create_schedule(self.opts.schedule, self.opts.optimizer["learningRate"])
        self.anchor = [p.detach().clone() for p in self.params] if self.opts.l2sp > 0 else None
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        # The step a continued run started from (its rate ramps up again from there), else None.
        self.rewarm_from: Optional[int] = None
        if args.continued:
            self._continue_at(init_step)
        self.best: Optional[float] = None
        self.bad_evals = 0
        self.elapsed_before_s = 0.0
        self.valid_plan = batch_plan(self.valid, self.opts.batchSize, self.seed) if self.valid is not None else []
        self.valid_bare_plan = (
            batch_plan(self.valid_bare, self.opts.batchSize, self.seed) if self.valid_bare is not None else []
        )
        self.ddp = distributed.wrap_model(self.model, ctx, self._has_unused_parameters())
        # Dropout masks differ between ranks; a resumed run restores them below.
        torch.manual_seed(self.seed * 1000 + 7919 * ctx.rank + 1)
        if saved is not None:
            self._restore(saved)
        if ctx.is_main:
            self._open_metrics(resumed=saved is not None)
            start = (
                f"resumed at step {self.step}"
                if saved
                else f"continued at step {self.step}" if self.rewarm_from is not None else "new run"
            )
            valid = f", {len(self.valid)} validation" if self.valid is not None else ""
            valid += f" (and {len(self.valid_bare)} without neighbours)" if self.valid_bare is not None else ""
            init = ""
            if args.init and not saved:
                init = f", from {args.init}" + (f" (step {init_step})" if init_step else "")
            self._log(
                f"{start}: {len(self.train)} training examples{valid}, {sum(p.numel() for p in self.params)} "
                f"parameters, {ctx.world_size} process(es) on {ctx.device.type}{init}"
            )
            for item in self.opts.ignored:
                self._log(f"note: training.{item} is not used by the native engine")

    # --- setup ---------------------------------------------------------------------------------
    def _continue_at(self, recorded: Any) -> None:
        """A continued run: at the --init file's step, with the data position that step reached in a
        run of these examples (each step takes `accumulate` batches; an epoch's last step may take fewer)."""
        try:
            step = int(recorded)
        except (TypeError, ValueError):
            step = 0
        if step < 1:
            raise UsageError(
                f"--continue: {self.args.init} records no step (got {json.dumps(recorded)}); "
                "it cannot be continued: drop --continue to start a new run from its weights"
            )
        batches = len(batch_plan(self.train, self.opts.batchSize, self.seed * 1000))
        steps_per_epoch = -(-batches // self.opts.accumulate)
        self.step = step
        self.epoch, within = divmod(step, steps_per_epoch)
        self.batch_in_epoch = within * self.opts.accumulate
        self.rewarm_from = step

    def _model_config(self, run: RunConfig, saved: Optional[dict]) -> dict:
        if saved is not None:
            config = saved["fingerprint"]["model"]
            if run.model is not None:
                diff = _config_differences(run.model, config)
                if diff:
                    raise UsageError(
                        f"--out {self.args.out} holds another run: its model differs from the config's "
                        f"({'; '.join(diff)})"
                    )
            return dict(config)
        if self.args.init:
            from .interchange import read_interchange

            init_config, tensors, meta = read_interchange(self.args.init)
            self.init_file = (tensors, meta)
            if run.model is None:
                return dict(init_config)
            diff = _config_differences(run.model, init_config, ignore=("dropout",))
            if diff:
                raise UsageError(
                    f"--init {self.args.init} is a different model from the config's ({'; '.join(diff)})"
                )
            return dict(run.model)
        assert run.model is not None
        return dict(run.model)

    def _has_unused_parameters(self) -> bool:
        """Whether some weight gets no gradient (DDP then needs find_unused_parameters)."""
        if not self.ctx.distributed:
            return False
        b = collate(self.train, [0])
        src, src_mask, tgt_in, _, _ = batch_tensors(b, self.ctx.device)
        self.model.logits(src, src_mask, tgt_in, False).sum().backward()
        unused = [n for n, p in self.model.named_weights() if p.grad is None]
        for p in self.params:
            p.grad = None
        if unused and self.ctx.is_main:
            self._log(f"weights without gradient (DDP finds unused parameters): {', '.join(unused)}")
        return bool(unused)

    def _restore(self, saved: dict) -> None:
        diffs = [
            f"{k}: {json.dumps(saved['fingerprint'].get(k))} then, {json.dumps(v)} now"
            for k, v in self.fingerprint.items()
            if k != "model" and saved["fingerprint"].get(k) != v
        ]
        if diffs:
            raise UsageError(f"--out {self.args.out} holds another run ({'; '.join(diffs)}); choose another --out")
        if saved["optimizer"]["name"] != self.opts.optimizer["name"]:
            raise UsageError(
                f"--resume: the run used optimizer {saved['optimizer']['name']}, "
                f"the config says {self.opts.optimizer['name']}"
            )
        self.model.load_weights(saved["model"])
        self.optimizer.load_state_dict(
            {
                "state": {int(i): slots for i, slots in saved["optimizer_state"].items()},
                "param_groups": saved["optimizer"]["param_groups"],
            }
        )
        if saved["anchor"] and self.opts.l2sp > 0:
            self.anchor = [saved["anchor"][n].to(self.ctx.device) for n, _ in self.model.named_weights()]
        t = saved["train"]
        self.step = t["step"]
        self.epoch = t["epoch"]
        self.batch_in_epoch = t["batchInEpoch"]
        self.best = t["bestLoss"]
        self.bad_evals = t["evaluationsWithoutImprovement"]
        self.elapsed_before_s = t["elapsedMs"] / 1000
        self.schedule.restore(t["schedule"])
        self.rewarm_from = t.get("rewarmFrom")
        if saved.get("rngWorld") == self.ctx.world_size:
            torch.set_rng_state(saved["rng_torch"][self.ctx.rank])
            if self.ctx.device.type == "cuda" and saved["rng_cuda"]:
                torch.cuda.set_rng_state(saved["rng_cuda"][self.ctx.rank], self.ctx.device)
        elif self.ctx.is_main:
            self._log(
                f"note: the run had {saved.get('rngWorld')} process(es), now {self.ctx.world_size}: "
                "dropout masks start afresh"
            )

    # --- logging -------------------------------------------------------------------------------
    def _log(self, line: str) -> None:
        if self.ctx.is_main:
            print(line, file=sys.stderr, flush=True)

    def _open_metrics(self, resumed: bool) -> None:
        os.makedirs(self.args.out, exist_ok=True)
        path = os.path.join(self.args.out, METRICS_FILE)
        kept: list[str] = []
        if resumed and os.path.exists(path):
            # Lines past the checkpoint (a run stopped before saving again) are written anew.
            with open(path, "r", encoding="utf-8") as f:
                for line in f:
                    try:
                        if json.loads(line).get("step", 0) <= self.step:
                            kept.append(line if line.endswith("\n") else line + "\n")
                    except json.JSONDecodeError:
                        pass
        tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(kept)
        os.replace(tmp, path)
        self.metrics = open(path, "a", encoding="utf-8")

    def _metric(self, record: dict) -> None:
        if self.ctx.is_main:
            self.metrics.write(json.dumps(record) + "\n")
            self.metrics.flush()

    # --- the loop ------------------------------------------------------------------------------
    def run(self) -> int:
        o = self.opts
        reason = "completed"
        main_thread = threading.current_thread() is threading.main_thread()
        stops = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
        previous = {s: signal.getsignal(s) for s in stops} if main_thread else {}
        for s in previous:
            signal.signal(s, self._on_signal)
        try:
            first = self.rewarm_from if self.rewarm_from is not None else 0
            if o.evaluateAtStart and self.step == first and self.best is None and self.elapsed_before_s == 0:
                self._evaluate_and_checkpoint(reference=True)
            self.report_start = time.time()
            self.last_log = 0.0
            done = o.maxSteps > 0 and self.step >= o.maxSteps  # a resumed run already at its limit
            reason = "limit" if done else reason
            for epoch in range(self.epoch, o.maxEpochs if not done else 0):
                plan = batch_plan(self.train, o.batchSize, self.seed * 1000 + epoch)
                bi = self.batch_in_epoch if epoch == self.epoch else 0
                while bi < len(plan):
                    group = plan[bi : bi + o.accumulate]
                    stop = self._optimizer_step(group, epoch, bi + len(group))
                    bi += len(group)
                    if stop:
                        reason = stop
                        done = True
                        break
                if done:
                    break
                self.epoch, self.batch_in_epoch = epoch + 1, 0
                if not o.evalEvery > 0 and self._evaluate_and_checkpoint():
                    reason = "early-stopped"
                    break
            self._save_last()
        finally:
            for s, h in previous.items():
                signal.signal(s, h)
            if self.ctx.is_main:
                self.metrics.close()
        if self.ctx.is_main:
            summary = {
                "finished": reason,
                "step": self.step,
                "bestValidLoss": self.best,
                "best": os.path.join(self.args.out, BEST_DIR, MODEL_FILE) if self.best is not None else None,
                "last": os.path.join(self.args.out, LAST_DIR, MODEL_FILE),
            }
            print(json.dumps(summary), flush=True)
        return 0

    def _on_signal(self, signum, frame) -> None:  # noqa: ANN001
        now = time.time()
        if self.stop_signal:
            if now - self.signal_time > 1.0:  # the same interrupt may come from the terminal and the launcher
                raise KeyboardInterrupt
            return
        self.stop_signal = True
        self.signal_time = now
        self._log("stopping after this step (saving last/); interrupt again to stop at once")

    def _gradients(self, group: list[np.ndarray]) -> StepStats:
        """Backpropagates one optimizer step's micro-batches (this rank's rows) into `p.grad`."""
        ctx = self.ctx
        batches = [collate(self.train, idx) for idx in group]
        shares = [shard_batch(b, ctx.rank, ctx.world_size) for b in batches]
        # Every rank holds the whole global batch (the shares partition its rows): no all-reduce.
        tokens = float(sum(b.target_tokens() for b in batches))
        for p in self.params:
            p.grad = None
        loss_sum = torch.zeros((), device=ctx.device)
        nll_sum = torch.zeros((), device=ctx.device)
        smoothing = self.opts.labelSmoothing
        for k, (batch, share) in enumerate(zip(batches, shares)):
            last = k == len(batches) - 1
            sync = contextlib.nullcontext() if last or not ctx.distributed else self.ddp.no_sync()
            # A rank left without rows still runs (one row, weight 0) so that every rank joins the all-reduce.
            part, weight = (share, 1.0) if share is not None else (batch.rows_slice(0, 1), 0.0)
            src, src_mask, tgt_in, tgt_out, tgt_mask = batch_tensors(part, ctx.device)
            with sync:
                logits = self.ddp(src, src_mask, tgt_in, True)
                loss, nll = self.loss_and_nll(logits, tgt_out, tgt_mask, smoothing, reduction="sum")
                (loss * (weight * ctx.world_size) / max(tokens, 1.0)).backward()
            with torch.no_grad():
                loss_sum += loss.detach() * weight
                nll_sum += nll * weight
        # This rank's sums: `_optimizer_step` all-reduces them with the stop flags.
        return StepStats(float(loss_sum.item()), float(nll_sum.item()), tokens)

    def _optimizer_step(self, group: list[np.ndarray], epoch: int, batch_in_epoch: int) -> Optional[str]:
        o = self.opts
        stats = self._gradients(group)
        step = self.step + 1
        learning_rate = self.schedule.rate(step) * rewarm_factor(step, self.rewarm_from, o.rewarmSteps)
        norm = apply_update(self.params, self.optimizer, learning_rate, o, self.anchor)
        # One all-reduce per step for the losses and, unless an evaluation comes first, the stop flags.
        eval_due = o.evalEvery > 0 and step % o.evalEvery == 0
        flags = [0.0, 0.0] if eval_due else [float(f) for f in self._stop_flags()]
        stats.loss_sum, stats.nll_sum, over, cancelled = self.ctx.all_reduce_sum([stats.loss_sum, stats.nll_sum, *flags])
        now = time.time()
        self.step, self.epoch, self.batch_in_epoch = step, epoch, batch_in_epoch
        loss = stats.loss_sum / max(1.0, stats.tokens)
        record = {
            "step": step,
            "epoch": epoch + 1,
            "loss": loss,
            "perplexity": math.exp(min(50.0, stats.nll_sum / max(1.0, stats.tokens))),
            "lr": learning_rate,
            "gradNorm": norm,
            "tokens": int(stats.tokens),
            "tokensPerSecond": stats.tokens / max(1e-9, now - self.report_start),
            "elapsedMs": round(1000 * (self.elapsed_before_s + self.clock() - self.invocation_start)),
        }
        self._metric(record)
        if now - self.last_log >= LOG_EVERY_S or step == 1:
            self.last_log = now
            self._log(
                f"step {step} epoch {epoch + 1} loss {loss:.4f} lr {learning_rate:.3g} "
                f"grad norm {norm:.3g} {record['tokensPerSecond']:.0f} tokens/s"
            )
        self.report_start = now
        return self._after_step(step, None if eval_due else (over > 0, cancelled > 0))

    def _stop_flags(self) -> tuple[bool, bool]:
        """(over the time budget, stop asked) on this rank. As trainer.ts: stop once another
        evaluation (as long as the last one) would not end in time."""
        o = self.opts
        this_run_s = self.clock() - self.invocation_start + self.last_eval_s
        over = self.args.minutes is not None and this_run_s >= self.args.minutes * 60
        over = over or (o.timeBudgetMs > 0 and 1000 * (self.elapsed_before_s + this_run_s) >= o.timeBudgetMs)
        return bool(over), self.stop_signal

    def _after_step(self, step: int, flags: Optional[tuple[bool, bool]]) -> Optional[str]:
        """trainer.ts afterStep: evaluation when due, then the step limit, the time budget, a signal.
        `flags`: the stop flags already all-reduced (any rank's), or None to take them here."""
        o = self.opts
        eval_due = o.evalEvery > 0 and step % o.evalEvery == 0
        if eval_due and self._evaluate_and_checkpoint():
            return "early-stopped"
        if o.maxSteps > 0 and step >= o.maxSteps:
            return "limit"
        over, cancelled = flags if flags is not None else self.ctx.any_of(list(self._stop_flags()))
        if cancelled:
            return "cancelled"
        if over:
            if not eval_due:
                self._evaluate_and_checkpoint()
            return "limit"
        return None

    # --- evaluation and checkpoints ----------------------------------------------------------------
    @torch.no_grad()
    def mean_nll(self, examples: Examples, plan: list[np.ndarray]) -> float:
        """Token-weighted mean NLL (no smoothing, no dropout) over the batches `plan` of `examples`;
        rows shared by rank."""
        total = 0.0
        tokens = 0
        for idx in plan:
            share = shard_batch(collate(examples, idx), self.ctx.rank, self.ctx.world_size)
            if share is None:
                continue
            src, src_mask, tgt_in, tgt_out, tgt_mask = batch_tensors(share, self.ctx.device)
            logits = self.model.logits(src, src_mask, tgt_in, False)
            total += float(self.loss_fn(logits, tgt_out, tgt_mask, 0.0, reduction="sum").item())
            tokens += share.target_tokens()
        total, all_tokens = self.ctx.all_reduce_sum([total, float(tokens)])
        return total / all_tokens if all_tokens > 0 else math.nan

    def _evaluate_and_checkpoint(self, reference: bool = False) -> bool:
        """Evaluates, updates early stopping, saves best/ and last/; True when training should stop."""
        started = self.clock()
        try:
            loss = self.mean_nll(self.valid, self.valid_plan) if self.valid is not None else None
            bare = self.mean_nll(self.valid_bare, self.valid_bare_plan) if self.valid_bare is not None else None
            if loss is not None:
                self.schedule.observe(loss)
                improved = math.isfinite(loss) and (self.best is None or loss < self.best)
                self.best = loss if improved else self.best
                self.bad_evals = 0 if improved else self.bad_evals + 1
                self._metric(
                    {
                        "step": self.step,
                        "validLoss": loss,
                        **({"validLossBare": bare} if bare is not None else {}),
                        "improved": improved,
                        "evaluationsWithoutImprovement": self.bad_evals,
                        **({"reference": True} if reference else {}),
                    }
                )
                without = f", without neighbours {bare:.4f}" if bare is not None else ""
                self._log(
                    f"step {self.step}: validation loss {loss:.4f}"
                    f"{' (best)' if improved else f' ({self.bad_evals} without improvement)'}{without}"
                )
                if improved and self.ctx.is_main:
                    best_dir = os.path.join(self.args.out, BEST_DIR)
                    os.makedirs(best_dir, exist_ok=True)
                    best_file = os.path.join(best_dir, MODEL_FILE)
                    self.save_model(self.model, best_file, step=self.step, metadata={"validLoss": repr(loss)})
            self._save_last()
            if loss is not None and not reference:
                self._keep_checkpoint()
            return loss is not None and self.opts.patience > 0 and self.bad_evals >= self.opts.patience
        finally:
            self.last_eval_s = self.clock() - started

    def _keep_checkpoint(self) -> None:
        """checkpoints/step-N.safetensors: last/'s weights at this evaluation; only the newest
        --keep-checkpoints stay (their average is often better than any one of them)."""
        keep = self.args.keep_checkpoints
        if keep <= 0 or not self.ctx.is_main:
            return
        folder = os.path.join(self.args.out, CHECKPOINTS_DIR)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"step-{self.step}.safetensors")
        tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        shutil.copyfile(os.path.join(self.args.out, LAST_DIR, MODEL_FILE), tmp)
        os.replace(tmp, path)
        for old in kept_checkpoints(self.args.out)[:-keep]:
            os.unlink(old)

    def _save_last(self) -> None:
        """last/model.safetensors and last/state.pt (every rank takes part: the RNG states are gathered)."""
        ctx = self.ctx
        rng_torch = ctx.gather_objects(torch.get_rng_state())
        rng_cuda = ctx.gather_objects(torch.cuda.get_rng_state(ctx.device) if ctx.device.type == "cuda" else None)
        if not ctx.is_main:
            return
        last_dir = os.path.join(self.args.out, LAST_DIR)
        os.makedirs(last_dir, exist_ok=True)
        names = [n for n, _ in self.model.named_weights()]
        optimizer = self.optimizer.state_dict()
        # Everything but tensors goes in as JSON text: PyTorch 1.13's weights_only loader reads no floats.
        info = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "fingerprint": self.fingerprint,
            "train": {
                "step": self.step,
                "epoch": self.epoch,
                "batchInEpoch": self.batch_in_epoch,
                "bestLoss": self.best,
                "evaluationsWithoutImprovement": self.bad_evals,
                "schedule": self.schedule.state(),
                **({"rewarmFrom": self.rewarm_from} if self.rewarm_from is not None else {}),
                "elapsedMs": 1000 * (self.elapsed_before_s + self.clock() - self.invocation_start),
            },
            "optimizer": {"name": self.opts.optimizer["name"], "param_groups": optimizer["param_groups"]},
            "rngWorld": ctx.world_size,
            "options": {k: v for k, v in vars(self.opts).items() if k != "ignored"},
        }
        state = {
            "info": json.dumps(info),
            "model": {n: p.detach().cpu().clone() for n, p in zip(names, self.params)},
            "optimizer_state": {
                str(i): {k: v.detach().cpu() for k, v in slots.items()} for i, slots in optimizer["state"].items()
            },
            "anchor": {n: a.cpu() for n, a in zip(names, self.anchor)} if self.anchor is not None else {},
            "rng_torch": rng_torch,
            "rng_cuda": rng_cuda if ctx.device.type == "cuda" else [],
        }
        self.save_model(self.model, os.path.join(last_dir, MODEL_FILE), step=self.step)
        path = os.path.join(last_dir, STATE_FILE)
        tmp = f"{path}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            torch.save(state, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


# =============================================================================================
# The step command (parity with the TypeScript trainer)


def step_main(argv: list[str]) -> int:
    """`step --weights W --batch B.json --options O.json --out W2`: one optimizer step as the
    TypeScript trainer takes it (dropout off), from fresh optimizer state at step 1."""
    p = argparse.ArgumentParser(prog="python3 -m seq2seq_native step", description=step_main.__doc__)
    p.add_argument("--weights", required=True)
    p.add_argument("--batch", required=True)
    p.add_argument("--options", required=True, help='the "training" object of a run config (JSON)')
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    a = p.parse_args(argv)
    try:
        for path, what in ((a.weights, "interchange file"), (a.batch, "batch file"), (a.options, "options file")):
            _require_file(path, what)
        with open(a.options, "r", encoding="utf-8") as f:
            try:
                options = parse_training(json.load(f), f"the options {a.options}")
            except json.JSONDecodeError as e:
                raise UsageError(f"{a.options}: not JSON ({e})") from None
        _, load_model, save_model, loss_fn = _model_api()
        model = load_model(a.weights)
        batch = read_batch_file(a.batch)
        config = model.config
        for name, ids, size in (
            ("src", batch.src, "srcVocabSize"),
            ("tgtIn", batch.tgt_in, "tgtVocabSize"),
            ("tgtOut", batch.tgt_out, "tgtVocabSize"),
        ):
            if int(ids.max()) >= config[size]:
                raise UsageError(f"{a.batch}: {name} holds id {int(ids.max())}, outside {size} {config[size]}")
        device = torch.device(distributed.resolve_device(a.device))
        model.to(device)
        result = one_step(model, batch, options, device, loss_fn)
        save_model(model, a.out, step=1)
        print(json.dumps(result))
        return 0
    except (UsageError, ValueError, LaunchError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def one_step(model, batch: Batch, options: TrainOptions, device: torch.device, loss_fn=None) -> dict:
    """One optimizer step from fresh state (step 1), dropout off; the model's weights change in place."""
    if loss_fn is None:
        loss_fn = _model_api()[3]
    params = [p for _, p in model.named_weights()]
    optimizer = create_optimizer(params, options.optimizer)
    schedule = create_schedule(options.schedule, options.optimizer["learningRate"])
    anchor = [p.detach().clone() for p in params] if options.l2sp > 0 else None
    src, src_mask, tgt_in, tgt_out, tgt_mask = batch_tensors(batch, device)
    for p in params:
        p.grad = None
    logits = model.logits(src, src_mask, tgt_in, False)
    loss_sum = loss_fn(logits, tgt_out, tgt_mask, options.labelSmoothing, reduction="sum")
    tokens = max(1, batch.target_tokens())
    loss = loss_sum / tokens
    loss.backward()
    rate = schedule.rate(1)
    norm = apply_update(params, optimizer, rate, options, anchor)
    return {"loss": float(loss.item()), "gradNorm": norm, "learningRate": rate, "tokens": batch.target_tokens()}
