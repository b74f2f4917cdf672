"""Training end to end, in-process: the loss reaches the noise floor, seeds replay exactly."""

from __future__ import annotations

import pytest

from minibatch.cli.train import run_training
from minibatch.errors import UserError
from tests.conftest import QUIET, tiny
from tests.core.tiny_data import NOISE

NOISE_VARIANCE = NOISE**2


def test_tiny_regression_reaches_the_noise_floor(compose_config):
    cfg = compose_config(*tiny("trainer.max_epochs=40", "optimizer.lr=0.01"))
    metrics = run_training(cfg).metrics
    assert metrics["val/loss"] <= 1.5 * NOISE_VARIANCE, metrics
    assert metrics["val/loss_best"] <= metrics["val/loss"] + 1e-9
    assert metrics["val/r2"] > 0.99


def test_classification_reports_accuracy(compose_config):
    metrics = run_training(
        compose_config(*tiny("data.task=multiclass", "trainer.max_epochs=5"))
    ).metrics
    assert metrics["val/acc"] > 0.95 and "val/r2" not in metrics


def test_same_seed_same_losses_other_seed_other_losses(compose_config):
    def final_losses(seed: int) -> tuple[float, float]:
        cfg = compose_config(*tiny("trainer.max_epochs=2", f"seed={seed}"))
        metrics = run_training(cfg).metrics
        return metrics["train/loss"], metrics["val/loss"]

    seed0 = final_losses(0)
    assert final_losses(0) == seed0, "seed=0 must seed (not be skipped as falsy)"
    assert final_losses(1) != seed0


@pytest.mark.parametrize("bad", ["0", "-5", "2.5", "abc", "true"])
def test_bad_batch_size_fails_before_training(compose_config, bad):
    cfg = compose_config(*tiny(f"batch_size={bad}"))
    with pytest.raises(UserError, match="batch_size must be a positive integer"):
        run_training(cfg)


def test_missing_checkpoint_fails_with_one_sentence(compose_config, tmp_path):
    cfg = compose_config(*tiny(f"ckpt_path={tmp_path}/nope.ckpt"))
    with pytest.raises(UserError, match="is not a file"):
        run_training(cfg)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["loss=hinge"], "unknown loss 'hinge'"),
        (["data.task=ranking"], "unknown task 'ranking'"),
        (["data.sampler=weighted"], "needs a classification dataset"),
        (["data.num_workers=-1"], "num_workers must be 0 or a positive integer"),
    ],
)
def test_bad_names_and_values_end_in_one_sentence(compose_config, overrides, message):
    with pytest.raises(UserError, match=message):
        run_training(compose_config(*tiny(*overrides)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["steps_per_call=4", "trainer=ddp"], "which DDP .* counts or acts on: use steps_per"),
        (["steps_per_call=4", "trainer.gradient_clip_val=1.0"], "gradient_clip_val .* acts on"),
        (["steps_per_call=4", "trainer.limit_train_batches=3"], "limit_train_batches .* acts on"),
        (["steps_per_call=0"], "steps_per_call must be a positive integer"),
        (["steps_per_call=fast"], "steps_per_call must be a positive integer"),
    ],
)
def test_steps_per_call_refuses_what_it_cannot_do(compose_config, overrides, message):
    with pytest.raises(UserError, match=message):
        run_training(compose_config(*tiny(*overrides)))


@pytest.mark.parametrize(
    ("debug", "expected_steps"),
    [("fast_dev_run", 1), ("limit", 2 * 5), ("overfit", 50 * 1), ("profiler", 20)],
)
def test_debug_options_run_the_documented_number_of_steps(compose_config, debug, expected_steps):
    # Without trainer.max_epochs on the command line, which would win over the debug option's.
    result = run_training(compose_config("data=tiny", "batch_size=100", *QUIET, f"debug={debug}"))
    assert result.trainer.global_step == expected_steps


def test_overfitting_one_batch_repeats_the_same_batch(compose_config):
    result = run_training(compose_config(*tiny("debug=overfit", "trainer.max_epochs=300",
                                        "optimizer.lr=0.01")))  # fmt: skip
    assert result.metrics["train/loss"] < 2 * NOISE_VARIANCE, "one batch fitted to its noise"
