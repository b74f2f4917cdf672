"""The learning-rate finder on notebook data: the rate it suggests trains at least as well as a
poor starting one (1e-5) over the same steps, on seed 000's line and its cooking curve."""

from __future__ import annotations

import pytest

from minibatch.cli.train import run_training
from tests.conftest import QUIET
from tests.examples.conftest import small_cooking

POOR_LR = 1e-5
DATASETS = {
    "linear": ("data=linear", "trainer.max_epochs=5", *QUIET),  # plain SGD, batches of 32
    "cooking": small_cooking("trainer.max_epochs=3"),  # AdamW, batches of 200
}


@pytest.mark.slow
@pytest.mark.parametrize("name", DATASETS)
def test_the_suggested_rate_trains_better_than_a_poor_one(compose_config, name):
    overrides = DATASETS[name]
    suggested = run_training(compose_config(*overrides, "tune=lr")).metrics["tune/lr"]
    losses = {}
    for lr in (suggested, POOR_LR):
        trained = run_training(compose_config(*overrides, f"optimizer.lr={lr}"))
        losses[lr] = trained.metrics["val/loss"]
    print(
        f"{name}: suggested lr {suggested:.3g}, val/loss {losses[suggested]:.4g}; "
        f"lr {POOR_LR:g}: {losses[POOR_LR]:.4g}"
    )  # shown with -s
    assert losses[suggested] <= losses[POOR_LR]
    assert losses[suggested] < 0.9 * losses[POOR_LR], "clearly better, not a tie"
