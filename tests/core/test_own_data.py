"""A user's own tables and images train well at the defaults (no epochs, no batch size given).

The data is generated (tests/core/own_data.py) in the sizes a user tries first; the run's
length is the fit_length callback's (configs/callbacks/fit_length.yaml), as at the defaults.
"""

from __future__ import annotations

import pytest

from minibatch.cli.train import run_training
from tests.core.own_data import write_cancer_like, write_shapes, write_wine_like

# The defaults, without what only shows or keeps a run (checkpoints, loggers, progress bar).
AT_THE_DEFAULTS = (
    "callbacks=[none,fit_length]",
    "logger=none",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
)


@pytest.mark.slow
@pytest.mark.parametrize("write", [write_wine_like, write_cancer_like], ids=["wine", "cancer"])
def test_a_small_table_trains_well_at_the_defaults(compose_config, tmp_path, one_thread, write):
    table = write(tmp_path / "table.csv")
    cfg = compose_config("data=csv", f"data.path={table}", "data.target=class", *AT_THE_DEFAULTS)
    assert cfg.trainer.max_epochs is None and cfg.batch_size == 64
    metrics = run_training(cfg).metrics
    assert metrics["val/acc"] >= 0.93, metrics


@pytest.mark.slow
@pytest.mark.parametrize("model", ["conv_net", "mlp"])
def test_a_folder_of_colour_images_trains_well_at_the_defaults(
    compose_config, tmp_path, one_thread, model
):
    root = write_shapes(tmp_path / "shapes")
    cfg = compose_config("data=image_folder", f"data.root={root}", f"model={model}",
                         *AT_THE_DEFAULTS)  # fmt: skip
    metrics = run_training(cfg).metrics
    assert metrics["val/acc"] >= 0.9, metrics
