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
