"""Each notebook's experiment (configs/experiment/) reproduced, with its number checked."""

from __future__ import annotations

import pytest

from minibatch.cli.train import run_training
from minibatch.examples.measures import decision_boundary, split_accuracy, split_loss
from minibatch.examples.scratch import SGD, DataLoader, cross_entropy
from minibatch.train import RunResult
from tests.examples.real_mnist import need_real_mnist

pytestmark = pytest.mark.slow

QUIET = ["logger=none", "callbacks=none", "trainer.enable_progress_bar=false",
         "trainer.enable_model_summary=false", "trainer.enable_checkpointing=false"]  # fmt: skip


@pytest.fixture
def run_experiment(compose_config):
    def _run(name: str, *overrides: str) -> RunResult:
        return run_training(compose_config(f"experiment={name}", *QUIET, *overrides))

    return _run


def full_train_loss(result: RunResult) -> float:
    return split_loss(result.model, result.datamodule, "train")


def test_cooking_reaches_the_noise_floor(run_experiment):
    metrics = run_experiment("cooking").metrics
    assert metrics["val/loss"] <= 1.10 * 0.81, metrics


@pytest.mark.parametrize(
    ("name", "overrides"),
    [("perceptron_fullbatch", []), ("perceptron_minibatch", []),
     ("perceptron_minibatch", ["batch_size=50"])],
)  # fmt: skip
def test_perceptron_finds_the_boundary_at_one(run_experiment, name, overrides):
    result = run_experiment(name, *overrides)
    boundary = decision_boundary(result.model.net.lay1)
    assert abs(boundary - 1.0) <= 0.25, boundary
    assert len(result.datamodule.splits["train"]) == 100
    accuracy = split_accuracy(result.model, result.datamodule, "train")
    assert accuracy >= 0.85, accuracy


def test_mnist_mlp_reaches_96_5_percent_in_3_epochs_with_library_or_scratch_pieces(
    run_experiment,
):
    need_real_mnist()
    metrics = run_experiment("mnist").metrics
    assert metrics["val/acc"] >= 0.965, metrics
    scratch = run_experiment("mnist_scratch")
    assert type(scratch.model.optimizers().optimizer) is SGD
    assert scratch.model.loss_fn.func is cross_entropy
    loader = scratch.trainer.train_dataloader  # grouped steps wrap the loader (GroupedLoader)
    assert isinstance(getattr(loader, "loader", loader), DataLoader)
    assert abs(scratch.metrics["val/acc"] - metrics["val/acc"]) <= 0.005, scratch.metrics


def test_boston_minibatches_reach_a_lower_training_loss(run_experiment):
    full = run_experiment("boston_fullbatch")
    mini = run_experiment("boston_minibatch")
    assert full.trainer.global_step == 50 and mini.trainer.global_step == 50 * 9
    assert full_train_loss(mini) < full_train_loss(full)
    assert mini.metrics["train/loss"] < full.metrics["train/loss"]


@pytest.mark.parametrize("batch_size", [1, 16, 32, 256])
def test_linear_w_is_close_to_2_for_every_batch_size(run_experiment, batch_size):
    result = run_experiment("linear_batchsize", f"batch_size={batch_size}")
    w = result.model.net.linear.weight.item()
    assert abs(w - 2.0) <= 0.1, w


def test_sine_full_batch_stays_stuck_small_batches_escape(run_experiment):
    def final(batch_size: int, seed: int) -> tuple[float, float]:
        result = run_experiment("sine_escape", f"batch_size={batch_size}", f"seed={seed}")
        return result.model.net.w.item(), full_train_loss(result)

    full = [final(500, seed) for seed in range(1, 6)]
    assert all(abs(w - 0.81) < 0.05 for w, _ in full), full  # the local minimum
    stuck_loss = full[0][1]
    small = [final(8, seed) for seed in range(1, 6)]
    escaped = sum(loss < stuck_loss - 0.05 for _, loss in small)
    assert escaped >= 3, small
