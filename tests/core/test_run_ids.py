"""Two runs started in the same second get two folders: with the clock frozen, only the run
id can keep them apart, so a constant or missing id fails here whatever the timing.

Each run composes its own config, as each process does: `${run_id:}` is cached per config
(every lookup within one run sees the same id), drawn anew for the next.
"""

from __future__ import annotations

import re
import time

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.utils import setup_globals
from omegaconf import DictConfig, OmegaConf

from minibatch.runs import resume
from minibatch.runs.project_paths import CONFIG_DIR
from tests.conftest import SEARCH_PATH

FROZEN = "2026-01-01_00-00-00"
ID = "[0-9a-f]{6}"


def composed(*overrides: str) -> DictConfig:
    """The train config with Hydra's own part, as a new process composes it."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=[SEARCH_PATH, "data=tiny", *overrides],
                       return_hydra_config=True)  # fmt: skip


@pytest.fixture
def frozen_clock(monkeypatch):
    """Hydra's `${now:...}` and the time module answer FROZEN; Hydra's own `now` after."""
    monkeypatch.setattr(time, "strftime", lambda pattern, *when: FROZEN)
    yield lambda: OmegaConf.register_new_resolver(
        "now", lambda pattern: FROZEN, use_cache=True, replace=True
    )
    setup_globals()


def test_two_runs_started_in_the_same_second_get_two_folders(frozen_clock, tmp_path):
    runs = [composed(f"paths.log_dir={tmp_path}", "batch_size=500") for _ in range(2)]
    frozen_clock()  # after composing: the configs resolve their paths when they are read
    folders = [cfg.hydra.run.dir for cfg in runs]
    for folder in folders:
        assert re.fullmatch(rf"{tmp_path}/train/runs/{FROZEN}_tiny-mlp-bs500_{ID}", folder)
    assert folders[0] != folders[1], "one id for two runs started in the same second"
    assert [cfg.hydra.run.dir for cfg in runs] == folders, "one id within a run"


def test_two_sweeps_started_in_the_same_second_get_two_folders(frozen_clock, tmp_path):
    sweeps = [composed(f"paths.log_dir={tmp_path}") for _ in range(2)]
    frozen_clock()
    folders = [cfg.hydra.sweep.dir for cfg in sweeps]
    for folder in folders:
        assert re.fullmatch(rf"{tmp_path}/train/multiruns/{FROZEN}_{ID}", folder)
    assert folders[0] != folders[1]


def test_two_resumes_started_in_the_same_second_record_two_attempts(frozen_clock):
    """A resumed run's `.hydra/resumed/<time>_<id>/` (one name per process: cached)."""
    attempts = [resume.attempt_name.__wrapped__() for _ in range(2)]
    assert all(re.fullmatch(rf"{FROZEN}_{ID}", name) for name in attempts), attempts
    assert attempts[0] != attempts[1]
