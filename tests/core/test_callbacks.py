"""Callbacks by name from the command line, and early stopping on a plateau."""

from __future__ import annotations

import pytest
from lightning.pytorch.callbacks import EarlyStopping, RichProgressBar
from lightning.pytorch.callbacks.early_stopping import EarlyStoppingReason

from minibatch.build import build_loggers, build_trainer
from minibatch.cli.train import run_training
from minibatch.display.learning_rate import EpochLearningRate
from tests.conftest import tiny

DEFAULTS = ["fit_length", "model_checkpoint", "last_checkpoint", "rich_progress_bar",
            "rich_model_summary", "learning_rate_monitor", "step_loss", "run_page"]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ([], DEFAULTS),
        (["callbacks=[default,early_stopping]"], [*DEFAULTS, "early_stopping"]),
        (["~callbacks.learning_rate_monitor"], [*DEFAULTS[:5], *DEFAULTS[6:]]),
        (
            ["callbacks=[default,early_stopping]", "~callbacks.rich_progress_bar"],
            [*DEFAULTS[:3], *DEFAULTS[4:], "early_stopping"],
        ),
        (["callbacks=[model_checkpoint,early_stopping]"], ["model_checkpoint", "early_stopping"]),
        (["callbacks=none"], []),
    ],
)
def test_callbacks_are_added_and_removed_by_name(compose_config, overrides, names):
    cfg = compose_config("data=tiny", *overrides)
    assert list(cfg.callbacks) == names
    types = {type(callback) for callback in build_trainer(cfg, build_loggers(cfg.logger)).callbacks}
    # Lightning adds its own checkpoint, bar and summary when none is configured; these two
    # callbacks are there only when named.
    assert (EarlyStopping in types) == ("early_stopping" in names)
    assert (EpochLearningRate in types) == ("learning_rate_monitor" in names)


def test_removing_the_configured_progress_bar_leaves_lightnings_default(compose_config):
    def bars(cfg):
        trainer = build_trainer(cfg, [])
        return [c for c in trainer.callbacks if isinstance(c, RichProgressBar)]

    (configured,) = bars(compose_config("data=tiny"))
    assert configured.refresh_rate == 10
    (default,) = bars(compose_config("data=tiny", "~callbacks.rich_progress_bar"))
    assert default.refresh_rate != 10, "Lightning's own bar, not the configured one"
    assert (
        bars(
            compose_config(
                "data=tiny", "~callbacks.rich_progress_bar", "trainer.enable_progress_bar=false"
            )
        )  # fmt: skip
        == []
    )


def test_early_stopping_keys_reach_the_callback(compose_config):
    cfg = compose_config(
        "data=tiny",
        "callbacks=[default,early_stopping]",
        "callbacks.early_stopping.patience=3",
        "callbacks.early_stopping.min_delta=0.05",
    )
    trainer = build_trainer(cfg, [])
    # type(): the default fit_length callback is an EarlyStopping too (runs/fit_length.py).
    (stopper,) = [c for c in trainer.callbacks if type(c) is EarlyStopping]
    assert stopper.monitor == "val/loss" and stopper.patience == 3
    assert stopper.min_delta == -0.05, "Lightning stores min_delta signed by mode (min: -)"


def early_stopped_run(compose_config, lr: float, min_delta: float):
    cfg = compose_config(
        *tiny(
            "data.train_size=2000",
            "data.valid_size=500",
            "batch_size=500",
            "trainer.max_epochs=20",
            "callbacks=early_stopping",
            "callbacks.early_stopping.patience=2",
            f"callbacks.early_stopping.min_delta={min_delta}",
            f"optimizer.lr={lr}",
        )
    )
    result = run_training(cfg)
    (stopper,) = [c for c in result.trainer.callbacks if isinstance(c, EarlyStopping)]
    return result, stopper


def test_a_plateaued_run_stops_early_with_the_reason(compose_config):
    # lr 1e-5: val/loss still falls each epoch, by far less than min_delta (a plateau).
    result, stopper = early_stopped_run(compose_config, lr=1e-5, min_delta=0.01)
    assert result.trainer.current_epoch == 3 < result.trainer.max_epochs
    assert stopper.stopped_epoch == 2, "epoch 0 sets the best; 1 and 2 do not beat it by 0.01"
    assert stopper.stopping_reason == EarlyStoppingReason.PATIENCE_EXHAUSTED
    assert "did not improve in the last 2 records" in stopper.stopping_reason_message
    assert result.trainer.should_stop


def test_the_same_run_without_min_delta_runs_to_max_epochs(compose_config):
    result, stopper = early_stopped_run(compose_config, lr=1e-5, min_delta=0.0)
    assert result.trainer.current_epoch == result.trainer.max_epochs == 20
    assert stopper.stopping_reason == EarlyStoppingReason.NOT_STOPPED
    assert stopper.stopped_epoch == 0
