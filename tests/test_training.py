"""Training end to end, in-process: the loss reaches the noise floor, seeds replay exactly."""

from __future__ import annotations

import pytest

from minibatch.errors import UserError
from minibatch.train import train
from tests.conftest import small_cooking

NOISE_VARIANCE = 0.9**2


def test_cooking_regression_reaches_the_noise_floor(compose_config):
    cfg = compose_config(*small_cooking("trainer.max_epochs=30"))
    metrics = train(cfg).metrics
    assert metrics["val/loss"] <= 1.15 * NOISE_VARIANCE, metrics
    assert metrics["val/loss_best"] <= metrics["val/loss"] + 1e-9
    assert metrics["val/r2"] > 0.8


def test_same_seed_same_losses_other_seed_other_losses(compose_config):
    def final_losses(seed: int) -> tuple[float, float]:
        cfg = compose_config(*small_cooking("trainer.max_epochs=2", f"seed={seed}"))
        metrics = train(cfg).metrics
        return metrics["train/loss"], metrics["val/loss"]

    seed0 = final_losses(0)
    assert final_losses(0) == seed0, "seed=0 must seed (not be skipped as falsy)"
    assert final_losses(1) != seed0


@pytest.mark.parametrize("bad", ["0", "-5", "2.5", "abc", "true"])
def test_bad_batch_size_fails_before_training(compose_config, bad):
    cfg = compose_config(*small_cooking(f"batch_size={bad}"))
    with pytest.raises(UserError, match="batch_size must be a positive integer"):
        train(cfg)


def test_missing_checkpoint_fails_with_one_sentence(compose_config, tmp_path):
    cfg = compose_config(*small_cooking(f"ckpt_path={tmp_path}/nope.ckpt"))
    with pytest.raises(UserError, match="is not a file"):
        train(cfg)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["steps_per_call=4", "trainer=ddp"], "DDP cannot synchronise"),
        (["steps_per_call=4", "trainer.gradient_clip_val=1.0"], "use them with steps_per_call=1"),
        (["steps_per_call=0"], "steps_per_call must be a positive integer"),
    ],
)
def test_steps_per_call_refuses_what_it_cannot_do(compose_config, overrides, message):
    with pytest.raises(UserError, match=message):
        train(compose_config(*small_cooking(*overrides)))


@pytest.mark.parametrize(
    ("debug", "expected_steps"),
    [("fast_dev_run", 1), ("limit", 2 * 5), ("overfit", 50 * 1), ("profiler", 100)],
)
def test_debug_options_run_the_documented_number_of_steps(compose_config, debug, expected_steps):
    result = train(compose_config(*small_cooking(f"debug={debug}")))
    assert result.trainer.global_step == expected_steps


def test_overfitting_one_batch_repeats_the_same_batch(compose_config):
    result = train(compose_config(*small_cooking("debug=overfit", "trainer.max_epochs=300",
                                                 "model.optimizer.lr=0.05")))  # fmt: skip
    assert result.metrics["train/loss"] < 0.9, "one batch of 200 fitted to about its noise"
