"""Runs on a user's own data are told apart, and their batch size is the one really used.

Run names (display/run_name.py), HPARAMS (display/hparams.py), the batch size read from the
training loader (data/loader_batch_size.py) and its refusal (checks/batch_size_taken.py).
"""

from __future__ import annotations

import pytest
from hydra.core.hydra_config import HydraConfig

from minibatch.checks.batch_size_taken import check_batch_size_taken
from minibatch.cli.train import run_training
from minibatch.display.hparams import HparamsRow, run_hparams
from minibatch.display.run_name import run_name
from minibatch.errors import UserError
from tests.conftest import QUIET


@pytest.mark.parametrize(
    ("data", "overrides", "name"),
    [
        ("csv", ["data.path=tables/wine.csv", "data.target=class"], "csv-wine-mlp-bs64-class"),
        ("csv", ["data.path=/x/breast_cancer.csv"], "csv-breast_cancer-mlp-bs64"),
        ("tiny", ["data.shuffle=false", "test=true"], "tiny-mlp-bs64-no-shuffle-test"),
        ("tiny", ["data._target_=my_project.rings.RingsDataModule"], "RingsDataModule-mlp-bs64"),
        ("tiny", ["model._target_=my_project.wide_net.WideNet"], "tiny-WideNet-bs64"),
        ("tiny", ["print_config=false", "logger=csv", "logger.name=x"], "tiny-mlp-bs64"),
    ],
)
def test_a_name_tells_runs_apart(data, overrides, name):
    assert run_name(data, "mlp", 64, [f"data={data}", *overrides]) == name


def test_three_tables_make_three_names():
    names = {run_name("csv", "mlp", 64, [f"data.path={t}.csv", "data.target=target"])
             for t in ("wine", "iris", "cancer")}  # fmt: skip
    assert len(names) == 3


def test_display_options_stay_out_of_hparams(compose_config):
    cfg = compose_config("data=tiny", "print_config=false", "logger=csv")
    row = run_hparams(cfg, {"data": "tiny", "model": "mlp"}, ["print_config=false", "logger=csv"])
    assert "print_config" not in row and "logger" not in row
    assert row["run"] == "tiny-mlp-bs64"


def hparams_row(trainer) -> dict:
    (row,) = [c for c in trainer.callbacks if isinstance(c, HparamsRow)]
    return row.params


def test_hparams_hold_the_batch_size_the_loader_serves(compose_config, one_thread):
    """A data config that sets its own batch size: the top-level one (64) is not what trains."""
    cfg = compose_config("data=plain_own_batch", "+data.batch_size=16", "trainer.max_epochs=1",
                         *QUIET)  # fmt: skip
    assert cfg.batch_size == 64
    row = hparams_row(run_training(cfg).trainer)
    assert row["batch_size"] == 16 and row["run"] == "plain_own_batch-mlp-bs16-max_epochs1"


def test_a_batch_size_the_data_config_does_not_take_is_refused(compose_config):
    cfg = compose_config("data=plain_own_batch", "batch_size=500", "trainer.max_epochs=1")
    assert HydraConfig.initialized()
    with pytest.raises(
        UserError,
        match=r"batch_size=500 would change nothing: .* add "
        r"`batch_size: \$\{batch_size\}` to configs/data/plain_own_batch.yaml",
    ):
        check_batch_size_taken(cfg)
    check_batch_size_taken(compose_config("data=tiny", "batch_size=500"))  # tiny takes it
