"""`logger=mlflow` and `logger=wandb`: what a run logged, read back with each library."""

from __future__ import annotations

from pathlib import Path

import pytest

from minibatch.cli.train import run_training
from tests import needs
from tests.conftest import tiny

EPOCHS = 3
RUN = (
    "data.train_size=2000",
    "data.valid_size=500",
    "batch_size=250",
    "optimizer.lr=0.02",
    f"trainer.max_epochs={EPOCHS}",
)


def test_mlflow_run_has_the_params_and_val_loss_per_epoch(compose_config, tmp_path):
    needs.extra("mlflow", 'pip install -e ".[mlflow]"')
    from mlflow.tracking import MlflowClient

    cfg = compose_config(*tiny(*RUN, "logger=mlflow", f"paths.log_dir={tmp_path}"))
    result = run_training(cfg)
    assert cfg.logger.mlflow.tracking_uri == f"sqlite:///{tmp_path}/mlflow.db"

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    (experiment,) = [e for e in client.search_experiments() if e.name == "train"]
    (mlflow_run,) = client.search_runs([experiment.experiment_id])
    assert mlflow_run.info.status == "FINISHED"
    assert mlflow_run.data.tags["run_dir"] == cfg.paths.output_dir
    params = mlflow_run.data.params
    assert params["batch_size"] == "250" and params["data/batch_size"] == "250"
    assert params["optimizer/lr"] == "0.02"
    assert params["optimizer/_target_"] == "torch.optim.Adam"

    history = client.get_metric_history(mlflow_run.info.run_id, "val/loss")
    assert len(history) == EPOCHS, "one val/loss per epoch"
    steps = [metric.step for metric in history]
    assert steps == sorted(steps) and len(set(steps)) == EPOCHS
    assert history[-1].value == pytest.approx(result.metrics["val/loss"], rel=1e-6)
    assert history[-1].value < history[0].value, "the loss fell"
    assert {"train/loss", "val/loss_best", "val/mae", "val/r2"} <= set(mlflow_run.data.metrics)


def test_wandb_offline_run_has_the_params_and_val_loss_per_epoch(compose_config, monkeypatch):
    needs.extra("wandb", 'pip install -e ".[wandb]"')
    from tests.core.wandb_records import read_run

    monkeypatch.setenv("WANDB_SILENT", "true")
    cfg = compose_config(*tiny(*RUN, "logger=wandb"))
    assert cfg.logger.wandb.offline is True, "offline by default: no account, nothing sent"
    result = run_training(cfg)
    result.trainer.logger.experiment.finish()

    (run_file,) = Path(cfg.paths.output_dir).glob("wandb/offline-run-*/run-*.wandb")
    config, history = read_run(run_file)
    assert config["batch_size"] == 250 and config["data"]["batch_size"] == 250
    assert config["optimizer"]["lr"] == 0.02
    val_losses = [row["val/loss"] for row in history if "val/loss" in row]
    assert len(val_losses) == EPOCHS, "one val/loss per epoch"
    assert val_losses[-1] == pytest.approx(result.metrics["val/loss"], rel=1e-6)
    assert val_losses[-1] < val_losses[0]


@pytest.mark.parametrize("tracker", ["mlflow", "wandb"])
def test_a_missing_tracker_library_names_the_extra(compose_config, monkeypatch, tracker):
    from minibatch.tooling import trackers

    real_find_spec = trackers.importlib.util.find_spec
    monkeypatch.setattr(
        trackers.importlib.util,
        "find_spec",
        lambda name: None if name == tracker else real_find_spec(name),
    )
    cfg = compose_config(*tiny(*RUN, f"logger={tracker}"))
    message = (
        f'logger={tracker} needs {tracker}, which is not installed: pip install -e ".[{tracker}]".'
    )
    with pytest.raises(Exception) as error:
        run_training(cfg)
    assert str(error.value.__cause__ or error.value) == message
