"""Fixtures of the notebook examples' tests: small offline stand-ins for their datasets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import QUIET


def small_cooking(*overrides: str) -> tuple[str, ...]:
    """Overrides for a cooking set small enough to train in seconds."""
    return ("data=cooking", "data.train_size=20000", "data.valid_size=4000", "batch_size=200",
            *QUIET, *overrides)  # fmt: skip


@pytest.fixture
def offline_data(tmp_path: Path) -> Callable[[str], list[str]]:
    """offline_data("mnist") -> overrides that make a dataset small and need no network.

    MNIST gets small generated IDX files (with the sha256s of their contents), weather a cached API
    answer, csv a generated table; the generated datasets just get smaller sizes.
    """
    from tests.core.fake_tables import write_csv
    from tests.examples.fake_data import (
        content_sha256s,
        fake_mnist_files,
        write_files,
        write_weather_cache,
    )

    data_dir = tmp_path / "data"

    def _overrides(name: str) -> list[str]:
        if name == "mnist":
            files = fake_mnist_files()
            write_files(data_dir / "mnist", files)
            checksums = ",".join(f"{k}:{v}" for k, v in content_sha256s(files).items())
            return [f"paths.data_dir={data_dir}", f"data.idx_sha256={{{checksums}}}",
                    "data.valid_size=20"]  # fmt: skip
        if name == "weather":
            write_weather_cache(data_dir)
            return [f"paths.data_dir={data_dir}"]
        if name == "csv":
            return [f"data.path={write_csv(tmp_path / 'table.csv')}", "data.target=label"]
        if name == "image_folder":
            from tests.core.test_image_folder import write_image_folder

            root = tmp_path / "images"
            return [f"data.root={root if root.is_dir() else write_image_folder(root)}"]
        if name in {"boston"}:
            return []
        return ["data.train_size=200", "data.valid_size=50"]

    return _overrides


@pytest.fixture
def local_server():
    """A started `LocalServer` (127.0.0.1, a free port), stopped after the test."""
    from tests.examples.local_server import LocalServer

    server = LocalServer()
    server.url = server.start()
    yield server
    server.stop()
