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
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    logp = torch.log_softmax(logits, -1)  # [b, T, V]
    nll = -logp.gather(-1, targets.long().unsqueeze(-1)).squeeze(-1)  # [b, T]
    per_token = nll * (1 - label_smoothing) + (-logp.mean(-1)) * label_smoothing if label_smoothing > 0 else nll
    mask = mask.to(per_token.dtype)
    total = (per_token * mask).sum()
    return total if reduction == "sum" else total / torch.clamp(mask.sum(), min=1)
