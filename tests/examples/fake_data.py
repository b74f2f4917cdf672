"""Small stand-ins for the real datasets, written by the tests: offline and fast."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np

IDX_NAMES = {
    "train-images": "train-images-idx3-ubyte.gz",
    "train-labels": "train-labels-idx1-ubyte.gz",
    "t10k-images": "t10k-images-idx3-ubyte.gz",
    "t10k-labels": "t10k-labels-idx1-ubyte.gz",
}


def idx_bytes(array: np.ndarray) -> bytes:
    """Gzipped IDX: magic 2051 for (N, 28, 28) uint8 images, 2049 for (N,) uint8 labels."""
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), compresslevel=1, mtime=0)


def fake_mnist_files(n_train: int = 120, n_test: int = 30, seed: int = 0) -> dict[str, bytes]:
    """The four IDX files with random images and labels 0-9, by file name."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels": np.arange(n_train) % 10,
        "t10k-images": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels": np.arange(n_test) % 10,
    }
    return {IDX_NAMES[key]: idx_bytes(array) for key, array in arrays.items()}


def content_sha256s(files: dict[str, bytes]) -> dict[str, str]:
    """The sha256 of each gzipped file's uncompressed content, as MnistDataModule pins them."""
    return {name: hashlib.sha256(gzip.decompress(data)).hexdigest() for name, data in files.items()}


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)


def fake_weather_answer(days: int = 37, missing_last: int = 2) -> dict:
    """An Open-Meteo-shaped answer; the last `missing_last` days have no values yet."""
    rng = np.random.default_rng(1)

    def series(low: float, high: float) -> list:
        values = [round(float(v), 1) for v in rng.uniform(low, high, days)]
        return values[: days - missing_last] + [None] * missing_last

    return {
        "latitude": 45.78,
        "longitude": 4.87,
        "daily": {
            "time": [f"2026-10-{i + 1:02d}" for i in range(days)],
            "precipitation_sum": series(0, 12),
            "temperature_2m_mean": series(2, 20),
            "wind_speed_10m_mean": series(3, 30),
        },
    }


def write_weather_cache(data_dir: Path, answer: dict | None = None) -> Path:
    path = data_dir / "weather" / "open-meteo_45.78_4.87_30d.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(answer or fake_weather_answer()))
    return path
