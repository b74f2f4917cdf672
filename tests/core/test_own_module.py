"""A LightningModule of your own, the example of docs/make-it-yours.md, through a whole run.

The page's `my_project/lit_regressor.py` and `configs/model/lit_regressor.yaml` are written
to disk as a user would, then trained on the core's tiny data: run folder and TensorBoard,
`last.ckpt` and resuming from it, SIGTERM at a known step and the resume that continues
exactly, the divergence stop, evaluation on a split, predictions and export.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from minibatch.cli.evaluate import evaluate
from minibatch.cli.export import export, run_exported
from minibatch.cli.train import run_training
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.runs.resume import newest_checkpoint
from minibatch.runs.stops import Diverged, Interrupted
from minibatch.tooling.sweeps import read_scalars
from tests.conftest import TEST_CONFIGS
from tests.core.test_readme_examples import written_examples

# Two features, 2,000 / 500 examples (tests/core/tiny_data.py); 20 steps an epoch.
RUN = ("data=tiny", "model=lit_regressor", "model.in_features=2", "batch_size=100",
       "trainer.max_epochs=3", "trainer.enable_progress_bar=false", "print_config=false",
       "trainer.enable_model_summary=false", "logger=tensorboard")  # fmt: skip


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A folder holding the page's example files, importable as a user's code is."""
    written_examples(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("my_project.lit_regressor", None)


def compose_run(project: Path, folder: Path, *overrides: str) -> DictConfig:
    search = f"hydra.searchpath=[file://{TEST_CONFIGS},file://{project / 'configs'}]"
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[search, *RUN, *overrides], return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
        cfg.paths.output_dir = str(folder)
    return cfg


def weights(module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def test_your_module_trains_into_a_run_folder_and_resumes_from_last(project, tmp_path):
    run = tmp_path / "run"
    first = run_training(compose_run(project, run))
    assert type(first.model).__name__ == "LitRegressor", "built as it is, not wrapped"
    assert first.trainer.global_step == 3 * 20
    unlearnt = float(first.datamodule.splits["valid"].targets.var())  # the mean's loss: 12.6
    assert first.metrics["val/loss"] < 0.05 * unlearnt, "y = 3a - 2b + 1 is learnt: R² > 0.95"
    last = run / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 60
    more = run_training(compose_run(project, run, f"ckpt_path={last}", "trainer.max_epochs=5"))
    assert more.trainer.global_step == 5 * 20
    curve = read_scalars(run)["val/loss"]
    assert len(curve.values) == 5, "one TensorBoard run, continued"
    assert more.metrics["val/loss"] < first.metrics["val/loss"]


def test_sigterm_saves_your_module_and_the_resume_continues_exactly(project, tmp_path):
    straight = run_training(compose_run(project, tmp_path / "straight"))
    signal_at = ("+callbacks.signal_at._target_=tests.core.signal_at.SignalAt",
                 "+callbacks.signal_at.at=30")  # fmt: skip
    with pytest.raises(Interrupted) as stop:
        run_training(compose_run(project, tmp_path / "cut", *signal_at))
    assert stop.value.step == 30 and stop.value.checkpoint.name == "interrupted.ckpt"
    resume_from = newest_checkpoint(tmp_path / "cut")
    assert resume_from == stop.value.checkpoint, "mid-epoch: the in-memory loader resumes there"
    resumed = run_training(compose_run(project, tmp_path / "cut", f"ckpt_path={resume_from}"))
    assert resumed.trainer.global_step == straight.trainer.global_step == 60
    assert torch.allclose(weights(resumed.model), weights(straight.model), rtol=0, atol=1e-6)


def test_a_diverging_module_of_yours_is_stopped(project, tmp_path):
    with pytest.raises(Diverged, match="learning rate"):
        run_training(compose_run(project, tmp_path / "run", "model.lr=1e12"))


@pytest.mark.parametrize("form", ["torchscript", "onnx"])
def test_your_module_is_evaluated_predicted_and_exported(project, tmp_path, form):
    run = tmp_path / "run"
    trained = run_training(compose_run(project, run))
    checkpoint = run / "checkpoints" / "last.ckpt"
    search = f"hydra.searchpath=[file://{TEST_CONFIGS},file://{project / 'configs'}]"
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("evaluate", overrides=[search, f"ckpt_path={checkpoint}",
                                             f"predict_path={tmp_path / 'predictions.csv'}"],
                      return_hydra_config=True)  # fmt: skip
        HydraConfig.instance().set_config(cfg)
        with open_dict(cfg):
            del cfg["hydra"]
            cfg.paths.output_dir = str(tmp_path / "evaluation")
        metrics = evaluate(cfg)
    assert metrics["valid/loss"] == pytest.approx(trained.metrics["val/loss"], rel=1e-5)
    rows = list(csv.DictReader((tmp_path / "predictions.csv").open()))
    assert len(rows) == 500 and set(rows[0]) == {"row", "target", "prediction"}
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("export", overrides=[search, f"ckpt_path={checkpoint}", f"format={form}",
                                           f"output_path={tmp_path / 'model'}.{form}"],
                      return_hydra_config=True)  # fmt: skip
        HydraConfig.instance().set_config(cfg)
        with open_dict(cfg):
            del cfg["hydra"]
            cfg.paths.output_dir = str(tmp_path / "export")
        path = export(cfg)
    x = torch.randn(7, 2)
    with torch.no_grad():
        expected = trained.model.cpu().eval()(x)
    assert torch.allclose(run_exported(path, x), expected, atol=1e-5), "its forward, exported"
