"""The rate to suggest from the finder's curve: where the loss falls fastest per decade.
Lightning's `suggestion()` takes the slope against the rate itself, so the tiny, noisy steps
at the log axis's start outweigh the real fall; the slope against log10(rate) does not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

# Lightning's suggestion skips this many points at the start of the curve and at its end.
SKIP_BEGIN, SKIP_END = 10, 1


def steepest_fall(lrs: Sequence[float], losses: Sequence[float]) -> float | None:
    """The rate where the loss falls fastest against log10(rate); None: too few points."""
    kept = range(SKIP_BEGIN, len(losses) - SKIP_END)
    points = [(lrs[i], losses[i]) for i in kept if math.isfinite(losses[i])]
    if len(points) < 2:
        return None
    log_rates = torch.tensor([math.log10(lr) for lr, _ in points], dtype=torch.float64)
    curve = torch.tensor([loss for _, loss in points], dtype=torch.float64)
    slopes = torch.gradient(curve, spacing=(log_rates,))[0]
    return float(points[int(slopes.argmin())][0])
