"""Data a new user brings, generated: small tables and a folder of small colour images.

Sized like the tables and folders a user tries first (a 178-row 3-class table like UCI's
wine, a 569-row binary one like the breast cancer set, 3 classes x 60 PNGs): a model
trained long enough separates them well, ten epochs of batches of 64 do not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_class_table(path: Path, rows: int, features: int, classes: int, distance: float,
                      seed: int = 0, first_share: float | None = None) -> Path:  # fmt: skip
    """A CSV of `features` numeric columns and a `class` column: Gaussian classes whose
    centres are `distance` apart (in units of the noise), mixed and scaled column by column
    as measurements are (units from 0.1 to 1000), so a linear model could reach about
    Phi(distance / 2) accuracy."""
    rng = np.random.default_rng(seed)
    shares = None if first_share is None else [first_share, *[(1 - first_share) / (classes - 1)]
                                               * (classes - 1)]  # fmt: skip
    labels = rng.choice(classes, rows, p=shares)
    angles = 2 * np.pi * np.arange(classes) / classes
    radius = distance / (2 * np.sin(np.pi / classes))  # centres `distance` apart
    plane, _ = np.linalg.qr(rng.normal(size=(features, 2)))
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], 1) @ plane.T
    mixing = np.linalg.qr(rng.normal(size=(features, features)))[0]
    stretched = mixing * rng.uniform(0.5, 2, features)
    x = (centres[labels] + rng.normal(size=(rows, features))) @ stretched.T
    scales = 10.0 ** rng.uniform(-1, 3, features)
    x = x * scales + rng.normal(size=features) * scales * 3
    header = ",".join([f"f{i}" for i in range(features)] + ["class"])
    rows_text = (",".join(f"{v:.6g}" for v in row) for row in x)
    lines = [f"{text},{label}" for text, label in zip(rows_text, labels, strict=True)]
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def write_wine_like(path: Path) -> Path:
    """178 rows, 13 features, 3 classes."""
    return write_class_table(path, rows=178, features=13, classes=3, distance=5.5, seed=0)


def write_cancer_like(path: Path) -> Path:
    """569 rows, 30 features, 2 classes (37% / 63%)."""
    return write_class_table(path, 569, 30, 2, distance=4.0, seed=1, first_share=0.37)


def write_shapes(root: Path, per_class: int = 60, side: int = 16, seed: int = 0) -> Path:
    """`per_class` colour PNGs of `side` pixels in each of circle/, square/ and ring/: a bright
    shape near the centre, reddish, greenish or bluish by class (colour tells as much as shape
    does), on a dark background of a random hue, with noise."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:side, :side]
    for label, name in enumerate(("circle", "square", "ring")):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            cy, cx = rng.uniform(side * 0.35, side * 0.65, 2)
            r = rng.uniform(side * 0.2, side * 0.3)
            distance = np.hypot(yy - cy, xx - cx)
            if name == "circle":
                mask = distance < r
            elif name == "square":
                mask = (np.abs(yy - cy) < r * 0.9) & (np.abs(xx - cx) < r * 0.9)
            else:
                mask = (distance < r) & (distance > r * 0.55)
            background, colour = rng.uniform(0, 0.3, 3), rng.uniform(0.1, 0.6, 3)
            colour[label] = 1.0  # a bright shape, mostly red, green or blue by class
            pixels = np.where(mask[..., None], colour, background)
            pixels = np.clip(pixels + rng.normal(0, 0.05, pixels.shape), 0, 1)
            Image.fromarray((pixels * 255).astype(np.uint8)).save(root / name / f"{i:03d}.png")
    return root
