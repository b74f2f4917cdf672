"""Shared fixtures: compose the project's Hydra config in-process, as `train.py` would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, open_dict

from minibatch.train import CONFIG_DIR

REPO_ROOT = CONFIG_DIR.parent


@pytest.fixture
def compose_config(tmp_path: Path) -> Callable[..., DictConfig]:
    """compose_config("data=cooking", "batch_size=50") -> the composed train config.

    The run folder is a fresh temporary directory (Hydra only creates one when it runs
    a job; composing in-process does not).
    """

    runs = iter(range(1_000_000))

    def _compose(*overrides: str) -> DictConfig:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="train", overrides=list(overrides))
        with open_dict(cfg):
            cfg.paths.output_dir = str(tmp_path / f"run{next(runs)}")
        return cfg

    return _compose


def small_cooking(*overrides: str) -> tuple[str, ...]:
    """Overrides for a cooking set small enough to train in seconds."""
    return (
        "data.train_size=20000",
        "data.valid_size=4000",
        "batch_size=200",
        "callbacks=none",
        "logger=none",
        "trainer.enable_progress_bar=false",
        "trainer.enable_model_summary=false",
        *overrides,
    )


@pytest.fixture
def offline_data(tmp_path: Path) -> Callable[[str], list[str]]:
    """offline_data("mnist") -> overrides that make a dataset small and need no network.

    MNIST gets small generated IDX files (with their own md5s), weather a cached API
    answer, csv a generated table; the generated datasets just get smaller sizes.
    """
    from tests.fake_data import fake_mnist_files, md5s, write_csv, write_files, write_weather_cache

    data_dir = tmp_path / "data"

    def _overrides(name: str) -> list[str]:
        if name == "mnist":
            files = fake_mnist_files()
            write_files(data_dir / "mnist", files)
            checksums = ",".join(f"{k}:{v}" for k, v in md5s(files).items())
            return [f"paths.data_dir={data_dir}", f"data.idx_md5={{{checksums}}}",
                    "data.valid_size=20"]  # fmt: skip
        if name == "weather":
            write_weather_cache(data_dir)
            return [f"paths.data_dir={data_dir}"]
        if name == "csv":
            return [f"data.path={write_csv(tmp_path / 'table.csv')}", "data.target=label"]
        if name in {"boston"}:
            return []
        return ["data.train_size=200", "data.valid_size=50"]

    return _overrides


@pytest.fixture
def local_server():
    """A started `LocalServer` (127.0.0.1, a free port), stopped after the test."""
    from tests.local_server import LocalServer

    server = LocalServer()
    server.url = server.start()
    yield server
    server.stop()
