"""McCandlish et al.'s estimator of B_simple = tr(Σ) / |G|² (2018, app. A): a batch of B has
E|G_B|² = |G|² + tr(Σ) / B, so squared norms at two batch sizes give both ingredients, each
noisy alone: they are averaged (moving averages) before the ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def two_batch_estimates(
    small_norm_sq: torch.Tensor, big_norm_sq: torch.Tensor, small_batch: int, big_batch: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Unbiased (|G|², tr(Σ)) from |G_small|² and |G_big|², gradients of batches of the two sizes.

    |G|²  = (B_big |G_big|² - B_small |G_small|²) / (B_big - B_small)
    tr(Σ) = (|G_small|² - |G_big|²) / (1 / B_small - 1 / B_big)
    """
    if not 0 < small_batch < big_batch:
        raise ValueError(f"need 0 < small_batch < big_batch, got {small_batch}, {big_batch}")
    weighted = big_batch * big_norm_sq - small_batch * small_norm_sq
    gradient_sq = weighted / (big_batch - small_batch)
    trace = (small_norm_sq - big_norm_sq) / (1 / small_batch - 1 / big_batch)
    return gradient_sq, trace


@dataclass
class SmoothedNoiseScale:
    """Exponential moving averages of |G|² and tr(Σ) (`beta` per update), and their ratio.

    Both averages start at zero and carry the same start-up bias, which cancels in the ratio;
    the ingredients alone are shown with it divided out.
    """

    beta: float = 0.9
    gradient_sq: float = 0.0
    trace: float = 0.0
    updates: int = 0

    def update(self, gradient_sq: float, trace: float) -> None:
        self.gradient_sq = self.beta * self.gradient_sq + (1 - self.beta) * gradient_sq
        self.trace = self.beta * self.trace + (1 - self.beta) * trace
        self.updates += 1

    def _debiased(self, value: float) -> float:
        return value / (1 - self.beta**self.updates) if self.updates else float("nan")

    @property
    def mean_gradient_sq(self) -> float:
        """The smoothed |G|²."""
        return self._debiased(self.gradient_sq)

    @property
    def mean_trace(self) -> float:
        """The smoothed tr(Σ)."""
        return self._debiased(self.trace)

    @property
    def noise_scale(self) -> float:
        """B_simple = tr(Σ) / |G|² of the averages (NaN before the first update)."""
        if not self.updates or self.gradient_sq == 0:
            return float("nan")
        return self.trace / self.gradient_sq
