"""The best trial of a search (minibatch.tooling.search.BestTrial): each trial's file, then the
best one printed and saved, called as Hydra's sweeper calls it (no Optuna run needed here)."""

from __future__ import annotations

from pathlib import Path

import yaml
from hydra.core.utils import JobReturn, JobStatus
from omegaconf import DictConfig, OmegaConf

from minibatch.tooling.search import BEST_FILE, TRIAL_FILE, BestTrial

SEARCHED = {"optimizer.lr": "tag(log, interval(0.001, 1))", "batch_size": "choice(16, 64)"}


def trial_config(sweep: Path, number: int, direction: str = "minimize") -> DictConfig:
    return OmegaConf.create({
        "optimized_metric": "val/loss_best",
        "hydra": {
            "sweeper": {"params": SEARCHED, "direction": direction},
            "job": {"num": number},
            "runtime": {"output_dir": str(sweep / str(number))},
            "sweep": {"dir": str(sweep)},
        },
    })  # fmt: skip


def run_trials(sweep: Path, values: list[float | None], direction: str = "minimize") -> None:
    """One trial per value, lr 0.1, 0.2, ...; None: a trial that failed."""
    callback = BestTrial()
    for number, value in enumerate(values):
        (sweep / str(number)).mkdir()
        failed = value is None
        job = JobReturn(
            overrides=[f"optimizer.lr=0.{number + 1}", "batch_size=16", "seed=3"],
            status=JobStatus.FAILED if failed else JobStatus.COMPLETED,
            _return_value=RuntimeError("diverged") if failed else value,
        )
        callback.on_job_end(trial_config(sweep, number, direction), job)
    callback.on_multirun_end(trial_config(sweep, 0, direction))


def test_each_trial_is_recorded_and_the_best_is_printed_and_saved(tmp_path, capsys):
    run_trials(tmp_path, [0.5, 0.2, float("nan"), None])
    second = yaml.safe_load((tmp_path / "1" / TRIAL_FILE).read_text())
    assert second == {
        "number": 1, "params": {"optimizer.lr": 0.2, "batch_size": 16}, "metric": "val/loss_best",
        "value": 0.2, "dir": str(tmp_path / "1"),
    }  # fmt: skip
    assert yaml.safe_load((tmp_path / "3" / TRIAL_FILE).read_text())["value"] is None, "failed"
    saved = yaml.safe_load((tmp_path / BEST_FILE).read_text())
    assert saved["direction"] == "minimize" and saved["trials"] == 4
    assert saved["best"] == second, "the lowest finite value"
    printed = capsys.readouterr().out
    assert "Best trial: #1 of 4, val/loss_best=0.2 (minimize) with optimizer.lr=0.2 batch_size=16" \
        in printed  # fmt: skip
    assert f"run folder: {tmp_path / '1'}" in printed and str(tmp_path / BEST_FILE) in printed


def test_maximize_takes_the_highest_and_a_search_without_values_says_so(tmp_path, capsys):
    (tmp_path / "max").mkdir(), (tmp_path / "none").mkdir()
    run_trials(tmp_path / "max", [0.5, 0.9, 0.7], direction="maximize")
    assert yaml.safe_load((tmp_path / "max" / BEST_FILE).read_text())["best"]["number"] == 1
    run_trials(tmp_path / "none", [None, float("inf")])
    assert not (tmp_path / "none" / BEST_FILE).exists()
    assert f"No trial of {tmp_path / 'none'} returned a value." in capsys.readouterr().out
