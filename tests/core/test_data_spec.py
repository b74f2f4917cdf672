"""The data -> model handoff: any LightningDataModule that sets `spec` trains."""

from __future__ import annotations

import subprocess
import sys

import lightning as L
import pytest

from minibatch.cli.train import run_training
from minibatch.data_spec import DataSpec, describe
from minibatch.errors import UserError
from tests.conftest import QUIET, REPO_ROOT, SEARCH_PATH


def test_a_plain_lightning_datamodule_trains_in_process(compose_config):
    result = run_training(
        compose_config("data=plain", "batch_size=32", "trainer.max_epochs=4", *QUIET)
    )
    assert result.model.spec == DataSpec(task="multiclass", input_shape=(2,), num_classes=3)
    assert result.metrics["val/acc"] > 0.95
    assert type(result.datamodule).__mro__[1] is L.LightningDataModule, "no base class of ours"


@pytest.mark.slow
def test_a_plain_lightning_datamodule_trains_through_train_py(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, "data=plain", "batch_size=32",
         "trainer.max_epochs=3", f"paths.log_dir={tmp_path}", "trainer.enable_progress_bar=false"],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "train" / "runs").iterdir()
    assert (run / "checkpoints" / "last.ckpt").is_file()


@pytest.mark.slow
def test_prepare_data_runs_once_under_two_process_ddp(tmp_path):
    log = tmp_path / "prepared.txt"
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), SEARCH_PATH, "data=plain",
         f"data.prepare_log={log}", "trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2",
         "batch_size=100", "trainer.max_epochs=1", f"paths.log_dir={tmp_path}", *QUIET],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert log.read_text() == "prepared\n", "rank 0 prepares, rank 1 only sets up"


def test_a_datamodule_without_spec_is_one_sentence(compose_config):
    class NoSpec(L.LightningDataModule):
        pass

    with pytest.raises(UserError, match="NoSpec does not describe its data: set self.spec"):
        describe(NoSpec())


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"task": "ranking"}, "unknown task 'ranking'"),
        ({"task": "multiclass"}, "needs num_classes of at least 2"),
        ({"input_kind": "audio"}, "unknown input kind 'audio'"),
        ({"input_kind": "tokens"}, "needs its vocab_size"),
    ],
)
def test_a_wrong_spec_is_one_sentence(fields, message):
    with pytest.raises(UserError, match=message):
        DataSpec(**{"task": "regression", "input_shape": (3,), **fields})


def test_spec_sizes_and_round_trip():
    spec = DataSpec(task="multiclass", input_shape=(1, 28, 28), num_classes=10, input_kind="images")
    assert (spec.input_size, spec.output_size) == (784, 10)
    assert spec.example_input().shape == (2, 1, 28, 28)
    assert DataSpec.from_dict(spec.to_dict()) == spec
    scaled = DataSpec(task="regression", input_shape=(3,), target_mean=(150.0,), target_std=(75.0,))
    import torch

    assert scaled.unscale(torch.tensor([[0.0], [1.0]])).flatten().tolist() == [150.0, 225.0]
