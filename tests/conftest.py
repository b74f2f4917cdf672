"""Shared fixtures: compose the project's Hydra config in-process, as `train.py` would.

The core tests' own data configs (tests/core/configs/data/: `data=tiny`, `data=plain`)
join the search path, so core tests never need a notebook example.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from minibatch.cli.entry import register_configs
from minibatch.runs.project_paths import CONFIG_DIR
from tests.needs import ci_failure, not_here

if os.environ.get("PYTEST_XDIST_WORKER"):
    # A worker per core (pyproject.toml: -n auto): with torch's default of a thread per core
    # the workers' threads would wait on each other. Processes a test starts inherit this.
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)

register_configs()  # the resolvers the configs use, as the entry points register them
REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIGS = REPO_ROOT / "tests" / "core" / "configs"
SEARCH_PATH = f"hydra.searchpath=[file://{TEST_CONFIGS}]"
QUIET = ("callbacks=none", "logger=none", "trainer.enable_progress_bar=false",
         "trainer.enable_model_summary=false")  # fmt: skip


def compose_train(*overrides: str) -> DictConfig:
    """The composed train config, with the test data configs on the search path."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="train", overrides=[SEARCH_PATH, *overrides],
                      return_hydra_config=True)  # fmt: skip
    HydraConfig.instance().set_config(cfg)  # as train.py has it: checkpoints record overrides
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


def tiny(*overrides: str) -> tuple[str, ...]:
    """Overrides for the tiny in-memory dataset, quiet and fast."""
    return ("data=tiny", "batch_size=100", "trainer.max_epochs=3", *QUIET, *overrides)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `cuda` skip, saying why, on a machine where torch sees no CUDA GPU."""
    if item.get_closest_marker("cuda") and not torch.cuda.is_available():
        not_here("a CUDA GPU (torch.cuda.is_available() is False here)")


@pytest.fixture
def compose_config(tmp_path: Path) -> Callable[..., DictConfig]:
    """compose_config("data=tiny", "batch_size=50") -> the composed train config.

    The run folder is a fresh temporary directory (Hydra only creates one when it runs
    a job; composing in-process does not).
    """
    runs = iter(range(1_000_000))

    def _compose(*overrides: str) -> DictConfig:
        cfg = compose_train(*overrides)
        with open_dict(cfg):
            cfg.paths.output_dir = str(tmp_path / f"run{next(runs)}")
        return cfg

    return _compose


@pytest.fixture(scope="module")
def one_thread():
    """Tiny tensors gain nothing from threads, and on a busy machine torch's thread pool
    waiting on its threads can make these steps 10x slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)


def fail_under_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Under CI=true a skip is a failure naming what was missing (tests/needs.py)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        failure = ci_failure(skip_reason(report))
        if failure is not None:
            report.outcome, report.longrepr = "failed", failure


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    fail_under_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A test module skipped whole (an extra imported at its top)."""
    outcome = yield
    fail_under_ci(outcome.get_result())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With MINIBATCH_IMPORTED_TO=<folder>, each process (xdist worker) writes the `minibatch`
    modules it imported there: scripts/timings.py checks the fast tier reaches every one."""
    folder = os.environ.get("MINIBATCH_IMPORTED_TO")
    if folder:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        names = sorted(name for name in sys.modules if name.split(".")[0] == "minibatch")
        (Path(folder) / f"{worker}.txt").write_text("\n".join(names) + "\n")
