"""Small generated tables for the `data=csv` tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_csv(path: Path, rows: int = 200, positives: int | None = None, seed: int = 0) -> Path:
    """Columns a, b, c (numbers), label (yes/no): label is "yes" when a + b > 0.

    With `positives`, exactly that many rows are "yes" (an imbalanced dataset).
    """
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(size=(3, rows))
    labels = np.where(a + b > 0, "yes", "no")
    if positives is not None:
        labels = np.array(["yes"] * positives + ["no"] * (rows - positives))
    lines = ["a,b,c,label"] + [
        f"{x:.4f},{y:.4f},{z:.4f},{label}" for x, y, z, label in zip(a, b, c, labels, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_regression_csv(path: Path, rows: int = 600, mean: float = 150.0, std: float = 75.0,
                         scale: float = 1.0, seed: int = 0) -> Path:  # fmt: skip
    """Columns x1, x2, x3 and a target of mean `mean`, std `std` (divided by `scale`).

    The target is a learnable function of the inputs plus 10% noise, so a model that learns
    reaches an R^2 near 0.99 whatever the target's units.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    signal = np.tanh(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] + 0.3 * x[:, 2]
    signal = (signal - signal.mean()) / signal.std()
    noise = 0.1 * rng.normal(size=rows)
    target = (mean + std * (signal + noise) / np.sqrt(1.01)) / scale
    lines = ["x1,x2,x3,target"] + [
        f"{a:.6f},{b:.6f},{c:.6f},{t:.8f}" for (a, b, c), t in zip(x, target, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path
