"""Token-level training loss, a twin of src/core/loss.ts `maskedCrossEntropy`.

Label smoothing follows Szegedy et al.: the target distribution puts `1 - eps` on the reference
token and spreads `eps` uniformly over the vocabulary, so the per-token loss is
`(1 - eps) * nll + eps * mean_v(-log p_v)`. The log-softmax is taken even when the inputs are
already log-probabilities (a copying model's output), exactly as TypeScript does. Padding
positions (mask 0) do not count: 'mean' divides the masked sum by `max(sum(mask), 1)`, 'sum'
returns the masked sum itself (for token-weighted averaging across data-parallel workers).
"""
from __future__ import annotations

import torch


def masked_cross_entropy(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> torch.Tensor:
    """`logits` `[b, T, V]`, `targets` int64 `[b, T]`, `mask` float `[b, T]` -> scalar loss."""
    return masked_cross_entropy_and_nll(logits, targets, mask, label_smoothing, reduction)[0]


def masked_cross_entropy_and_nll(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> tuple[torch.Tensor, torch.Tensor]:
    """`masked_cross_entropy` and, from the same log-softmax, the same reduction of the plain
    NLL (no smoothing; the perplexity a trainer reports), detached."""
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    per_token, nll = _SmoothedNll.apply(logits, targets.long(), float(label_smoothing))
    mask = mask.to(per_token.dtype)
    count = torch.clamp(mask.sum(), min=1)

    def reduce(values: torch.Tensor) -> torch.Tensor:
        total = (values * mask).sum()
        return total if reduction == "sum" else total / count

    loss = reduce(per_token)
    with torch.no_grad():
        return loss, reduce(nll)


class _SmoothedNll(torch.autograd.Function):
    """Per-token `(1 - eps) * nll + eps * mean_v(-log p_v)` `[b, T]` and the plain `nll` `[b, T]`
    (not differentiated) of `logits` `[b, T, V]` (log p = log_softmax(logits)); the gradient is
    taken in one expression, `d * (p - (1 - eps) onehot(target) - eps / V)`, where autograd
    would run log-softmax's, the mean's and the gather's backward passes over `[b, T, V]`."""

    @staticmethod
    def forward(ctx, logits: torch.Tensor, targets: torch.Tensor, eps: float):  # type: ignore[override]
        logp = torch.log_softmax(logits, -1)
        index = targets.unsqueeze(-1)
        nll = -logp.gather(-1, index).squeeze(-1)
        per_token = nll * (1 - eps) + (-logp.mean(-1)) * eps if eps > 0 else nll.clone()
        ctx.eps = eps
        ctx.save_for_backward(logp, index)
        ctx.mark_non_differentiable(nll)
        return per_token, nll

    @staticmethod
    def backward(ctx, d: torch.Tensor, _: torch.Tensor):  # type: ignore[override]
        logp, index = ctx.saved_tensors
        eps = ctx.eps
        d = d.unsqueeze(-1)
        grad = torch.exp(logp)
        grad = torch.addcmul(d * (-eps / logp.shape[-1]), grad, d) if eps > 0 else grad.mul_(d)
        return grad.scatter_add_(-1, index, d * -(1 - eps)), None, None
