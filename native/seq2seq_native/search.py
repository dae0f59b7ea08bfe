"""Greedy and beam search over a model's step interface, a twin of src/core/search.ts.

The source is encoded once (batch 1, mask of ones) and tiled to the live beams; every step runs
all live beams as one batch and the state is reordered by beam. Token choice mirrors TypeScript
decision for decision: PAD and BOS are never produced, EOS only once `min` tokens exist, no
repeated n-gram when asked; the best `2k` (beam, token) pairs are taken by total log-probability
(summed in double from the step's float32 log-probs), ties going to the earlier beam, then the
lower token id; candidates are then taken in that order until `k` live beams exist, an EOS
candidate finishing its hypothesis (greedy stops at the first). Scores use the GNMT length penalty
`((5 + len) / 6) ^ alpha` (len counts EOS) plus an optional bounded per-token reward; a beam at
the length limit finishes as it is, and search stops once no live beam can beat the n-th best
finished hypothesis. Results are sorted by score, stably.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .model import DecodingTensors, Seq2Seq, select_rows

PAD_ID, BOS_ID, EOS_ID = 0, 1, 2


@dataclass
class DecodeOptions:
    """search.ts SearchOptions, defaults SEARCH_DEFAULTS (no cancellation)."""

    beam_size: int = 4
    max_length: int = 64
    min_length: int = 0
    length_penalty: float = 0.6
    n_best: int = 1
    no_repeat_ngram_size: int = 0
    max_length_ratio: float | None = None
    min_length_ratio: float | None = None
    length_reward: float = 0.0
    length_reward_limit: float = math.inf


@dataclass
class Hypothesis:
    """Output ids without BOS/EOS, ranking score, total log-prob and per-token log-probs (EOS included)."""

    tokens: list[int]
    score: float
    log_prob: float
    token_log_probs: list[float] = field(default_factory=list)


@dataclass
class _Beam:
    tokens: list[int]
    token_log_probs: list[float]
    log_prob: float


def length_penalty(length: int, alpha: float) -> float:
    """GNMT `lp(len) = ((5 + len) / 6) ^ alpha`; 1 for alpha 0."""
    return 1.0 if alpha == 0 else math.pow((5 + length) / 6, alpha)


def hypothesis_score(log_prob: float, length: int, alpha: float, reward: float = 0.0, limit: float = math.inf) -> float:
    """lengthScore.ts hypothesisScore: `logProb / lp(len) + reward * min(len, limit)`."""
    return log_prob / length_penalty(length, alpha) + reward * min(length, limit)


def length_limits(opts: DecodeOptions, src_len: int, model_max: int) -> tuple[int, int]:
    """(min, max) output tokens for a source of `src_len` tokens."""
    mx = min(opts.max_length, model_max)
    if opts.max_length_ratio is not None:
        mx = min(mx, max(1, math.ceil(opts.max_length_ratio * src_len)))
    mn = opts.min_length
    if opts.min_length_ratio is not None:
        mn = max(mn, math.floor(opts.min_length_ratio * src_len))
    return min(mn, mx), mx


def banned_tokens(tokens: list[int], n: int) -> set[int]:
    """Tokens that would complete an n-gram already present in `tokens`."""
    banned: set[int] = set()
    if n <= 0 or len(tokens) < n - 1:
        return banned
    prefix = tokens[len(tokens) - (n - 1) :]
    for i in range(len(tokens) - n + 1):
        if tokens[i : i + n - 1] == prefix:
            banned.add(tokens[i + n - 1])
    return banned


def _check_source(src_ids: list[int], vocab: int, max_len: int) -> None:
    if len(src_ids) == 0:
        raise ValueError("source is empty")
    if len(src_ids) > max_len:
        raise ValueError(f"source has {len(src_ids)} tokens but this model accepts at most {max_len} (maxSrcLen)")
    for i in src_ids:
        if not isinstance(i, int) or i < 0 or i >= vocab:
            raise ValueError(f"source id {i} is outside the vocabulary (0..{vocab - 1})")


def _best_candidates(
    beams: list[_Beam], log_probs: np.ndarray, want: int, eos_allowed: bool, no_repeat: int
) -> list[tuple[int, int, float]]:
    """The best `want` (beam, token, total) after the constraints, best first; ties keep
    (beam, token) order, exactly as search.ts's insertion into a sorted array does.
    `log_probs` float32 `[beams, V]`."""
    n, V = log_probs.shape
    totals = np.array([b.log_prob for b in beams], dtype=np.float64)[:, None] + log_probs.astype(np.float64)
    valid = np.ones((n, V), dtype=bool)
    valid[:, PAD_ID] = False
    valid[:, BOS_ID] = False
    if not eos_allowed:
        valid[:, EOS_ID] = False
    for i, b in enumerate(beams):
        for t in banned_tokens(b.tokens, no_repeat):
            valid[i, t] = False
    flat = np.flatnonzero(valid.reshape(-1))
    chosen = flat[np.argsort(-totals.reshape(-1)[flat], kind="stable")[:want]]
    return [(int(j) // V, int(j) % V, float(totals.reshape(-1)[j])) for j in chosen]


def _to_hypothesis(b: _Beam, ended: bool, opts: DecodeOptions) -> Hypothesis:
    length = len(b.tokens) + (1 if ended else 0)
    score = hypothesis_score(b.log_prob, length, opts.length_penalty, opts.length_reward, opts.length_reward_limit)
    return Hypothesis(b.tokens, score, b.log_prob, b.token_log_probs)


@torch.no_grad()
def _search(model: Seq2Seq, src_ids: list[int], opts: DecodeOptions, greedy: bool) -> list[Hypothesis]:
    if not (opts.beam_size >= 1 and opts.n_best >= 1):
        raise ValueError("beam_size and n_best must be >= 1")
    if not (math.isfinite(opts.length_reward) and opts.length_reward >= 0):
        raise ValueError("length_reward must be a number >= 0")
    if not opts.length_reward_limit >= 1:
        raise ValueError("length_reward_limit must be a number >= 1")
    cfg = model.config
    _check_source(src_ids, int(cfg["srcVocabSize"]), int(cfg["maxSrcLen"]))
    k = max(opts.beam_size, opts.n_best)
    mn, mx = length_limits(opts, len(src_ids), int(cfg["maxTgtLen"]))
    device = next(model.parameters()).device
    src = torch.tensor([src_ids], dtype=torch.long, device=device)
    source1 = model.encode(src, torch.ones(1, len(src_ids), dtype=torch.float32, device=device))
    tiled: dict[int, DecodingTensors] = {}

    def source_for(n: int) -> DecodingTensors:
        if n not in tiled:
            tiled[n] = select_rows(source1, torch.zeros(n, dtype=torch.long, device=device))
        return tiled[n]

    beams = [_Beam([], [], 0.0)]
    state = model.initial_state(source1)
    finished: list[Hypothesis] = []
    for t in range(mx):
        if not beams:
            break
        prev = [b.tokens[-1] if b.tokens else BOS_ID for b in beams]
        out = model.step(source_for(len(beams)), state, torch.tensor(prev, dtype=torch.long, device=device))
        state = out.state
        log_probs = out.log_probs.detach().to("cpu", torch.float32).numpy()
        cands = _best_candidates(beams, log_probs, 2 * k, t >= mn, opts.no_repeat_ngram_size)
        nxt: list[_Beam] = []
        rows: list[int] = []
        for beam, token, _ in cands:
            if len(nxt) >= k:
                break
            b = beams[beam]
            lp = float(log_probs[beam, token])
            extended = _Beam(
                b.tokens if token == EOS_ID else [*b.tokens, token], [*b.token_log_probs, lp], b.log_prob + lp
            )
            if token == EOS_ID:
                finished.append(_to_hypothesis(extended, True, opts))
                if greedy:
                    break
            else:
                nxt.append(extended)
                rows.append(beam)
        if greedy and finished:
            break
        if t == mx - 1:  # the length limit ends the live beams as they are
            finished.extend(_to_hypothesis(b, False, opts) for b in nxt)
        beams = [] if t == mx - 1 else nxt
        if beams:
            state = select_rows(state, torch.tensor(rows, dtype=torch.long, device=device))
        if len(finished) >= opts.n_best and beams and _cannot_improve(finished, beams, opts, mx):
            break
    finished.sort(key=lambda h: -h.score)
    return finished[: opts.n_best]


def _cannot_improve(finished: list[Hypothesis], beams: list[_Beam], opts: DecodeOptions, mx: int) -> bool:
    """True when no live beam can still beat the n-th best finished hypothesis (sorts `finished`)."""
    finished.sort(key=lambda h: -h.score)
    nth = finished[opts.n_best - 1].score
    best_live = max(b.log_prob for b in beams)
    return hypothesis_score(best_live, mx + 1, opts.length_penalty, opts.length_reward, opts.length_reward_limit) <= nth


def greedy_decode(
    model: Seq2Seq, src_ids: list[int], max_length: int = 64, min_length: int = 0, length_penalty: float = 0.0
) -> Hypothesis:
    """Highest-scoring single output, one token at a time (search.ts greedyDecode)."""
    opts = DecodeOptions(
        beam_size=1, n_best=1, max_length=max_length, min_length=min_length, length_penalty=length_penalty
    )
    return _search(model, src_ids, opts, True)[0]


def beam_search(model: Seq2Seq, src_ids: list[int], options: DecodeOptions | None = None) -> list[Hypothesis]:
    """`n_best` hypotheses, best first; `src_ids` is the full source row `[direction, ..., EOS]`."""
    return _search(model, src_ids, options or DecodeOptions(), False)
