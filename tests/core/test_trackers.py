"""`logger=mlflow` and `logger=wandb`: what a run logged, read back with each library."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from omegaconf import open_dict

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


@pytest.fixture(autouse=True)
def tracking_uri_left_as_it_was():
    """MLflow exports the tracking URI it was given (MLFLOW_TRACKING_URI, for subprocesses),
    where the next test's config would read it: each test gets the environment it started with."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


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


# Tags, and a resumed run that continues its tracker runs ---------------------------------------
def train_in(folder: Path, compose_config, *overrides: str):
    """Train (or resume) in one run folder, with the last checkpoint kept."""
    cfg = compose_config(*tiny(*RUN, f"paths.log_dir={folder.parent}",
                               "callbacks=[last_checkpoint]", *overrides))  # fmt: skip
    with open_dict(cfg):
        cfg.paths.output_dir = str(folder)
    return run_training(cfg)


def test_tags_reach_mlflow_wandb_and_tensorboard(compose_config, tmp_path, monkeypatch):
    pytest.importorskip("mlflow", reason="needs the mlflow extra")
    pytest.importorskip("wandb", reason="needs the wandb extra")
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from tests.core.wandb_records import finished_records

    monkeypatch.setenv("WANDB_SILENT", "true")
    run = tmp_path / "run"
    result = train_in(run, compose_config, "logger=[tensorboard,mlflow,wandb]",
                      "callbacks=[run_page]", "tags=[baseline,bs250]")  # fmt: skip
    for logger in result.trainer.loggers:
        if type(logger).__name__ == "WandbLogger":
            logger.experiment.finish()

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    (mlflow_run,) = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert mlflow_run.data.tags["baseline"] == mlflow_run.data.tags["bs250"] == "true"
    (run_file,) = run.glob("wandb/offline-run-*/run-*.wandb")
    (started,) = [r.run for r in finished_records(run_file) if r.WhichOneof("record_type") == "run"]
    assert list(started.tags) == ["baseline", "bs250"]
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    (text,) = events.Tensors("run/tags/text_summary")
    assert text.tensor_proto.string_val[0].decode() == "baseline, bs250"


def test_a_resumed_run_continues_its_mlflow_run(compose_config, tmp_path):
    pytest.importorskip("mlflow", reason="needs the mlflow extra")
    from mlflow.tracking import MlflowClient

    run = tmp_path / "run"
    train_in(run, compose_config, "logger=mlflow", "trainer.max_epochs=2")
    saved = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    (first,) = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert saved["tracker_runs"] == {"mlflow": first.info.run_id}, "plain data: an id"

    train_in(run, compose_config, "logger=mlflow", "trainer.max_epochs=4",
             f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}")  # fmt: skip
    (mlflow_run,) = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert mlflow_run.info.run_id == first.info.run_id, "one run, continued"
    assert mlflow_run.info.status == "FINISHED"
    history = client.get_metric_history(mlflow_run.info.run_id, "val/loss")
    steps = [metric.step for metric in history]
    assert len(history) == 4 and steps == sorted(set(steps)), "2 epochs before, 2 after"
    assert mlflow_run.data.params["trainer/max_epochs"] == "2", "the values it started with"


def test_a_resumed_run_continues_its_wandb_run(compose_config, tmp_path, monkeypatch):
    pytest.importorskip("wandb", reason="needs the wandb extra")
    from tests.core.wandb_records import read_run

    monkeypatch.setenv("WANDB_SILENT", "true")
    run = tmp_path / "run"
    first = train_in(run, compose_config, "logger=wandb", "trainer.max_epochs=2")
    first.trainer.logger.experiment.finish()
    run_id = first.trainer.logger.experiment.id
    second = train_in(run, compose_config, "logger=wandb", "trainer.max_epochs=4",
                      f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}")  # fmt: skip
    second.trainer.logger.experiment.finish()

    parts = sorted(run.glob("wandb/offline-run-*/run-*.wandb"))
    assert [p.name for p in parts] == [f"run-{run_id}.wandb"] * 2, "one run id, two parts"
    losses = [[row["val/loss"] for row in read_run(part)[1] if "val/loss" in row] for part in parts]
    assert [len(part) for part in losses] == [2, 2], "before and after the resume"
    assert losses[1][-1] == pytest.approx(second.metrics["val/loss"], rel=1e-6)


def test_a_run_id_not_shaped_as_its_trackers_is_not_used(tmp_path):
    from minibatch.tooling.trackers import recorded_run_ids

    path = tmp_path / "crafted.ckpt"
    torch.save({"state_dict": {}, "run_config": {}, "tracker_runs": {
        "mlflow": "../../elsewhere", "wandb": "ok_id-1", "other": "x"}}, path)  # fmt: skip
    assert recorded_run_ids(path) == {"wandb": "ok_id-1"}
