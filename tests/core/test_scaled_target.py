"""A regression table trains as well whatever its target's units (issue: R^2 < 0 at 150)."""

from __future__ import annotations

import csv

import pytest
from hydra import compose, initialize_config_dir

from minibatch.cli.evaluate import evaluate
from minibatch.cli.train import run_training
from minibatch.runs.project_paths import CONFIG_DIR
from tests.conftest import QUIET
from tests.core.fake_tables import write_regression_csv


def train_table(compose_config, path, *overrides):
    cfg = compose_config("data=csv", f"data.path={path}", "data.target=target", *QUIET,
                         "callbacks=default", "trainer.max_epochs=30", "batch_size=32",
                         *overrides)  # fmt: skip
    return cfg, run_training(cfg)


def test_target_in_the_hundreds_trains_like_one_near_one(compose_config, tmp_path):
    big = write_regression_csv(tmp_path / "big.csv")
    small = write_regression_csv(tmp_path / "small.csv", scale=100.0)
    _, big_run = train_table(compose_config, big)
    _, small_run = train_table(compose_config, small)
    assert big_run.metrics["val/r2"] > 0.9, "a learnable relation is learnt"
    assert big_run.metrics["val/r2"] == pytest.approx(small_run.metrics["val/r2"], abs=1e-3)
    # val/mae is in the target's own units: 100 times larger for the big table.
    assert big_run.metrics["val/mae"] == pytest.approx(100 * small_run.metrics["val/mae"], rel=1e-3)
    assert 1.0 < big_run.metrics["val/mae"] < 20.0


def test_without_scaling_the_same_table_trains_badly(compose_config, tmp_path):
    big = write_regression_csv(tmp_path / "big.csv")
    _, raw = train_table(compose_config, big, "data.standardize_target=false")
    assert raw.metrics["val/r2"] < 0.5, "what users saw before the target was scaled"


def test_predictions_are_in_the_targets_own_units(compose_config, tmp_path):
    big = write_regression_csv(tmp_path / "big.csv")
    cfg, run = train_table(compose_config, big)
    out = tmp_path / "predictions.csv"
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        evaluation = compose(
            "evaluate",
            overrides=[
                f"ckpt_path={cfg.paths.output_dir}/checkpoints/last.ckpt",
                f"predict_path={out}",
                f"+data.path={big}",
                "+data.target=target",
            ],
        )
    metrics = evaluate(evaluation)
    assert metrics["valid/mae"] == pytest.approx(run.metrics["val/mae"], rel=1e-4)
    rows = list(csv.DictReader(out.open()))
    targets = [float(r["target"]) for r in rows]
    predictions = [float(r["prediction"]) for r in rows]
    assert 100 < sum(targets) / len(targets) < 200, "targets written in their own units"
    errors = [abs(t - p) for t, p in zip(targets, predictions, strict=True)]
    assert sum(errors) / len(errors) == pytest.approx(run.metrics["val/mae"], rel=1e-3)
