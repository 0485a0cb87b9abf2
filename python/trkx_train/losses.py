"""Loss functions."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def contrastive_hinge_loss(emb_a: torch.Tensor, emb_b: torch.Tensor, y: torch.Tensor, margin: float,
                           neg_weight: float = 1.0) -> torch.Tensor:
    """Metric-learning loss on pairs of embedded points.

    Positives (y = 1) are pulled together with d^2; negatives (y = 0) are
    pushed out to the margin with relu(margin - d)^2 (squared hinge), d the
    Euclidean distance.  Each class is averaged on its own, so the result does
    not depend on how many pairs of each kind were sampled.
    """
    d2 = (emb_a - emb_b).pow(2).sum(-1)
    pos = y > 0.5
    zero = d2.new_zeros(())
    pos_loss = d2[pos].mean() if pos.any() else zero
    neg_d = torch.sqrt(d2[~pos] + 1e-12)
    neg_loss = F.relu(margin - neg_d).pow(2).mean() if (~pos).any() else zero
    return pos_loss + neg_weight * neg_loss


def weighted_bce(logits: torch.Tensor, y: torch.Tensor, pos_weight: float,
                 weight: torch.Tensor | None = None) -> torch.Tensor:
    """Binary cross-entropy on logits with true edges weighted by ``pos_weight``; with
    ``weight`` [E], a per-edge weighted mean (edges of weight 0 do not count)."""
    if weight is None:
        return F.binary_cross_entropy_with_logits(logits, y, pos_weight=logits.new_tensor(pos_weight))
    per_edge = F.binary_cross_entropy_with_logits(logits, y, pos_weight=logits.new_tensor(pos_weight),
                                                  reduction="none")
    return (per_edge * weight).sum() / weight.sum().clamp(min=1.0)
