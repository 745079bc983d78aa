"""Reshaping a next-token distribution before it is drawn from: temperature and top-k.

- temperature T: p^(1/T), renormalised (the same as softmax(logits / T)). T < 1 sharpens
  the distribution towards its most likely tokens, T > 1 flattens it towards uniform.
- top-k: keep the k most probable tokens (ties go to the lower index), renormalise.

With T = 1 and no top-k the row is returned as it is, the very same tensor, so a sampler
that shapes its rows draws bit for bit what it drew before shaping existed.
"""

from __future__ import annotations

import torch

from .params import check_temperature, check_top_k


def is_identity(temperature: float = 1.0, top_k: int | None = None) -> bool:
    return temperature == 1.0 and top_k is None


def top_k_mask(probs: torch.Tensor, top_k: int) -> torch.Tensor:
    """True for the top_k most probable entries of each row; equal ones by lower index."""
    # A stable descending sort keeps equal probabilities in index order.
    order = torch.sort(probs, dim=-1, descending=True, stable=True).indices
    keep = torch.zeros_like(probs, dtype=torch.bool)
    return keep.scatter_(-1, order[..., :top_k], True)


def shape_probs(
    probs: torch.Tensor, temperature: float = 1.0, top_k: int | None = None
) -> torch.Tensor:
    """Rows of probabilities after top-k and temperature, each renormalised to sum to 1.

    An all-zero row (no distribution) stays all zero.
    """
    temperature = check_temperature(temperature)
    top_k = check_top_k(top_k)
    if is_identity(temperature, top_k):
        return probs
    shaped = probs.double()
    if top_k is not None and top_k < probs.shape[-1]:
        shaped = torch.where(top_k_mask(shaped, top_k), shaped, 0.0)
    if temperature != 1.0:
        # In log space, so that a small T cannot underflow every p^(1/T) to zero.
        log_p = shaped.log()
        logits = log_p / temperature
        peak = logits.amax(dim=-1, keepdim=True)
        peak = torch.where(torch.isfinite(peak), peak, 0.0)
        powered = (logits - peak).exp()
        # A subnormal T overflows every log p / T to −inf. Centred first, the most likely
        # tokens stay at 0 and the rest go to −inf: the limit T → 0, a greedy draw.
        lost = (powered.sum(dim=-1, keepdim=True) == 0) & (shaped > 0).any(dim=-1, keepdim=True)
        if bool(lost.any()):
            centred = (log_p - log_p.amax(dim=-1, keepdim=True)) / temperature
            powered = torch.where(lost, centred.exp(), powered)
        shaped = powered
    totals = shaped.sum(dim=-1, keepdim=True)
    return torch.where(totals > 0, shaped / totals.clamp_min(1e-300), 0.0)
