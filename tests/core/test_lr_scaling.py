"""The learning-rate scaling rules and their warmup: the rate each optimizer step used, and
the rate logged as `train/lr_step`."""

from __future__ import annotations

import math
from pathlib import Path

import lightning as L
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minibatch.errors import UserError
from minibatch.scaling.lr_scaling import LearningRateScaling, lr_factor, rule_factor
from minibatch.train import train
from tests.conftest import tiny


class RateOfEachStep(L.Callback):
    """The learning rate each optimizer step is taken with."""

    def __init__(self) -> None:
        self.rates: list[float] = []

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        self.rates.append(optimizer.param_groups[0]["lr"])


def test_the_rules_scale_by_the_batch_size_ratio():
    assert rule_factor("linear", 400, 100) == 4.0
    assert rule_factor("sqrt", 400, 100) == 2.0
    assert rule_factor("none", 400, 100) == 1.0
    assert [lr_factor(4.0, step, 3) for step in range(5)] == [1.0, 2.0, 3.0, 4.0, 4.0]
    assert lr_factor(0.5, 0, 3) == 0.5  # a smaller batch: the smaller rate at once


@pytest.mark.parametrize(("rule", "factor"), [("linear", 4.0), ("sqrt", 2.0), ("none", 1.0)])
def test_each_step_uses_the_scaled_rate_after_a_linear_warmup(compose_config, rule, factor):
    """2000 examples in batches of 100: 20 steps an epoch, the rate at batch 25 scaled by
    the rule, reached over the first epoch's 20 steps; Lightning's steps use those rates."""
    cfg = compose_config(*tiny(
        "optimizer=sgd", "optimizer.lr=0.01", "trainer.max_epochs=2", "logger=tensorboard",
        "callbacks=lr_scaling", f"callbacks.lr_scaling.rule={rule}",
        "callbacks.lr_scaling.reference_batch_size=25", "callbacks.lr_scaling.warmup_epochs=1",
        "callbacks.lr_scaling.every=1",
    ))  # fmt: skip
    recorder = RateOfEachStep()
    result = train(cfg, callbacks=[recorder])
    expected = [0.01 * (1 + (factor - 1) * min(step, 20) / 20) for step in range(40)]
    assert recorder.rates == pytest.approx(expected)
    events = EventAccumulator(str(Path(cfg.paths.output_dir) / "tensorboard"))
    logged = {event.step: event.value for event in events.Reload().Scalars("train/lr_step")}
    assert logged == pytest.approx(dict(enumerate(expected)), rel=1e-6)  # float32 in the file
    assert result.trainer.global_step == 40


def test_an_unknown_rule_is_refused_in_one_sentence():
    with pytest.raises(UserError, match="use one of linear, sqrt, none"):
        LearningRateScaling(rule="quadratic")
    assert math.isclose(LearningRateScaling(rule="sqrt").factor, 1.0)
