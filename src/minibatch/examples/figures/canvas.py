"""Figures without pyplot: a `Figure` drawn by Agg, saved as PNG and SVG, or as pixels.

pyplot keeps global state (a backend, open figures) that a library has no business
changing in its user's notebook; a bare `matplotlib.figure.Figure` has none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100
# The notebooks' colours for batch sizes, from the largest batch to the smallest.
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of `width` x `height` inches that lays itself out."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def save(figure: Figure, out: str | Path) -> tuple[Path, Path]:
    """Write `<out>.png` (100 dpi) and `<out>.svg`; return both paths."""
    out = Path(out)
    stem = out.with_suffix("") if out.suffix in {".png", ".svg"} else out
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.parent / f"{stem.name}.png", stem.parent / f"{stem.name}.svg"
    figure.savefig(png, dpi=DPI)
    figure.savefig(svg)
    return png, svg


def to_pixels(figure: Figure) -> np.ndarray:
    """The figure rendered by Agg as an (height, width, 3) uint8 array, for TensorBoard."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def batch_label(batch_size: int, train_size: int | None = None) -> str:
    """ "full batch (500)" when one batch holds the whole training set, else "batch 32"."""
    if train_size is not None and batch_size >= train_size:
        return f"full batch ({train_size})"
    return f"batch {batch_size}"
