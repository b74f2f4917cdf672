"""The core tests compose with the core's own tiny data unless a test names its data.

So no core test depends on the notebooks' default dataset (seed 000's cakes), and the core
tests stay green once the examples are removed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import DictConfig, open_dict

from tests.conftest import compose_train

NAMES_DATA = ("data=", "experiment=", "hparams_search=")


@pytest.fixture
def compose_config(tmp_path: Path) -> Callable[..., DictConfig]:
    """compose_config("batch_size=50") -> the train config, on data=tiny unless given."""
    runs = iter(range(1_000_000))

    def _compose(*overrides: str) -> DictConfig:
        data = [] if any(o.startswith(NAMES_DATA) for o in overrides) else ["data=tiny"]
        cfg = compose_train(*data, *overrides)
        with open_dict(cfg):
            cfg.paths.output_dir = str(tmp_path / f"run{next(runs)}")
        return cfg

    return _compose
