"""A run's length at the defaults is fitted to its data; a recipe or the command line wins.

Unit tests of the choice (runs/fit_length.py) and of the verdict every run ends on
(runs/run_verdict.py), and one command line that prints both.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from omegaconf import OmegaConf

from minibatch.cli.train import run_training
from minibatch.runs.fit_length import FitLength, epochs_for
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.runs.run_verdict import RunVerdict
from tests.conftest import REPO_ROOT, SEARCH_PATH

QUIET_FITTED = (
    "callbacks=[none,fit_length]",
    "logger=none",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
)


def test_a_budget_of_steps_becomes_whole_epochs_under_a_ceiling():
    assert epochs_for(1000, 3, ceiling=1000) == 334  # a 178-row table in batches of 64
    assert epochs_for(1000, 938, ceiling=1000) == 2  # MNIST's 60,000 in batches of 64
    assert epochs_for(1000, 0.5, ceiling=1000) == 1000
    assert epochs_for(1000, float("inf"), ceiling=50) == 50  # a loader without a length


def test_the_default_leaves_the_length_to_the_data_and_every_recipe_keeps_its_own():
    default = OmegaConf.load(CONFIG_DIR / "trainer" / "default.yaml")
    assert default.max_epochs is None
    for recipe in sorted((CONFIG_DIR / "recipe").glob("*.yaml")):
        assert isinstance(OmegaConf.load(recipe).trainer.max_epochs, int), recipe.name


def callback(trainer, kind):
    (found,) = [c for c in trainer.callbacks if isinstance(c, kind)]
    return found


def test_a_run_at_the_defaults_trains_its_budget_and_says_so(compose_config, one_thread):
    """tiny: 2000 rows in batches of 500 are 4 steps an epoch; a budget of 12 steps is 3."""
    cfg = compose_config("data=tiny", "batch_size=500", *QUIET_FITTED,
                         "callbacks.fit_length.steps=12")  # fmt: skip
    trainer = run_training(cfg).trainer
    length = callback(trainer, FitLength)
    assert (length.epochs, trainer.current_epoch) == (3, 3)
    assert "3 epochs at most (4 steps an epoch, a budget of 12 steps" in length.plan()
    assert callback(trainer, RunVerdict).plan.startswith("training in batches of 500 (4 an epoch)")


def test_given_epochs_turn_the_fitting_off(compose_config, one_thread):
    cfg = compose_config("data=tiny", "batch_size=500", "trainer.max_epochs=2", *QUIET_FITTED)
    trainer = run_training(cfg).trainer
    assert trainer.current_epoch == 2 and callback(trainer, FitLength).plan() is None


@pytest.mark.parametrize(
    ("history", "said"),
    [
        ([1.0, 0.8, 0.6, 0.5, 0.4], "still improving when training stopped at epoch 5"),
        ([1.0, 0.5, 0.41, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4], "converged: val/loss improved by"),
        ([0.01, 0.004, 0.002, 0.0012, 0.0007], "converged"),  # crumbs of a loss near 0
        ([1.0], "trained 1 epoch(s), too few to tell"),
    ],
)
def test_the_verdict_tells_improving_from_converged(compose_config, one_thread, history, said):
    cfg = compose_config("data=tiny", "batch_size=500", "trainer.max_epochs=1", *QUIET_FITTED)
    trainer = run_training(cfg).trainer
    verdict = callback(trainer, RunVerdict)
    verdict.history = history
    trainer.fit_loop.epoch_progress.current.completed = len(history)
    assert verdict.judge(trainer).startswith(said)


def test_still_improving_says_what_to_try(compose_config, one_thread):
    cfg = compose_config("data=tiny", "batch_size=500", "trainer.max_epochs=1", *QUIET_FITTED)
    trainer = run_training(cfg).trainer
    verdict = callback(trainer, RunVerdict)
    verdict.history = [1.0, 0.8, 0.6, 0.5, 0.4]
    trainer.fit_loop.epoch_progress.current.completed = 5
    said = verdict.judge(trainer)
    assert "trainer.max_epochs=10" in said and "batch_size=250" in said and "tune=lr" in said


@pytest.mark.slow
def test_the_console_and_the_log_end_on_how_the_run_ended(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, f"paths.log_dir={tmp_path}",
         "data=tiny", "batch_size=500", "callbacks.fit_length.steps=8",
         "trainer.enable_progress_bar=false"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("how it ended: "), lines[-3:]
    assert "training in batches of 500 (4 an epoch), 2 epochs at most" in result.stderr
    (log,) = tmp_path.glob("train/runs/*/train.log")
    assert lines[-1].split(": ", 1)[1] in log.read_text()
