"""`python train.py -m hparams_search=...`: an Optuna TPE search that returns its best trial."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import needs
from tests.conftest import REPO_ROOT

needs.extra("hydra_plugins.hydra_optuna_sweeper", 'pip install -e ".[optuna]"')

SEARCHES = ["mnist_optuna", "cooking_optuna"]


@pytest.mark.parametrize("search", SEARCHES)
def test_search_config_sets_space_direction_trials_and_seed(compose_config, search):
    from hydra import compose, initialize_config_dir

    from minibatch.runs.project_paths import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", [f"hparams_search={search}"], return_hydra_config=True)
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper")
    assert sweeper.sampler._target_ == "optuna.samplers.TPESampler"
    assert sweeper.sampler.seed == 1234
    assert sweeper.direction == "minimize" and sweeper.n_trials == 20
    assert set(sweeper.params) == {"optimizer.lr", "batch_size"}
    assert sweeper.params["optimizer.lr"].startswith("tag(log, interval(")
    assert sweeper.params["batch_size"].startswith("choice(")
    assert cfg.optimized_metric == "val/loss_best"
    assert cfg.hydra.mode.name == "MULTIRUN", "runs as a search even without -m"
    assert (
        cfg.data._target_.split(".")[-1]
        == {"mnist_optuna": "MnistDataModule", "cooking_optuna": "CookingDataModule"}[search]
    )


def last_logged(metrics_csv: Path, name: str) -> float:
    with open(metrics_csv) as file:
        values = [float(row[name]) for row in csv.DictReader(file) if row[name]]
    return values[-1]


@pytest.mark.slow
def test_three_trial_search_returns_the_best_logged_value(tmp_path):
    command = [
        sys.executable,
        str(REPO_ROOT / "train.py"),
        "-m",
        "hparams_search=cooking_optuna",
        f"paths.log_dir={tmp_path}",
        "hydra.sweeper.n_trials=3",
        "data.train_size=2000",
        "data.valid_size=500",
        "trainer.max_epochs=2",
        "logger=csv",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    (sweep,) = (tmp_path / "cooking_optuna" / "multiruns").iterdir()
    trials = sorted(path for path in sweep.iterdir() if path.is_dir())
    # A job's folder is <number>_<run name> (src/minibatch/display/run_name.py).
    assert [path.name.split("_", 1)[0] for path in trials] == ["0", "1", "2"]

    # What each trial logged (its own CSV) and which values it was given (its overrides).
    logged = {
        trial.name: last_logged(trial / "csv" / "metrics.csv", "val/loss_best") for trial in trials
    }
    params = {}
    for trial in trials:
        overrides = yaml.safe_load((trial / ".hydra" / "overrides.yaml").read_text())
        searched = [o for o in overrides if o.startswith(("optimizer.lr=", "batch_size="))]
        params[trial.name] = dict(o.split("=", 1) for o in searched)
    best_name = min(logged, key=logged.get)
    assert len(set(logged.values())) == 3, "three different trials"

    # The sweeper's own result file: the best value is the lowest val/loss_best logged.
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["best_value"] == pytest.approx(min(logged.values()), rel=1e-7)
    assert {k: str(v) for k, v in results["best_params"].items()} == params[best_name]

    # The best trial, printed and saved with its run folder.
    best = yaml.safe_load((sweep / "best_trial.yaml").read_text())
    assert best["trials"] == 3 and best["direction"] == "minimize"
    assert best["best"]["dir"] == str(sweep / best_name)
    assert best["best"]["value"] == pytest.approx(min(logged.values()), rel=1e-7)
    assert f"Best trial: #{best_name.split('_', 1)[0]} of 3, val/loss_best=" in result.stdout
    assert f"Best value: {results['best_value']}" in result.stdout
