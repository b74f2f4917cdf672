"""`callbacks=validation_by_step`: every validation's metrics also against the optimizer step,
validations inside an epoch included (what a count of steps to a target reads)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minibatch.train import train
from tests.conftest import tiny


def test_each_validation_is_logged_at_its_optimizer_step(compose_config, one_thread):
    """2000 examples in batches of 100 (20 steps an epoch), a validation every 8 steps
    across epochs: at steps 8, 16, ..., 40 of 2 epochs."""
    cfg = compose_config(*tiny(
        "trainer.max_epochs=2", "logger=tensorboard", "callbacks=validation_by_step",
        "trainer.val_check_interval=8", "trainer.check_val_every_n_epoch=null",
    ))  # fmt: skip
    result = train(cfg)
    events = EventAccumulator(str(Path(cfg.paths.output_dir) / "tensorboard")).Reload()
    losses = events.Scalars("val/loss_by_step")
    assert [event.step for event in losses] == [8, 16, 24, 32, 40]
    assert losses[-1].value == pytest.approx(result.metrics["val/loss"], rel=1e-6)
    assert len({event.value for event in losses}) == 5  # a new validation each time
