"""Each notebook's experiment (configs/experiment/) reproduced, with its number checked, and
the "measured" cell docs/lessons.md prints for it recomputed (docs_numbers.py): a hand-edited
or stale figure fails here. The runs are deterministic on CPU (fixed seeds)."""

from __future__ import annotations

import re

import pytest
import torch
from omegaconf import OmegaConf, open_dict

from minibatch.cli.train import run_training
from minibatch.display.progress_bar import value_text
from minibatch.examples.measures import decision_boundary, split_accuracy, split_loss
from minibatch.examples.scratch import SGD, DataLoader, cross_entropy
from minibatch.train import RunResult
from tests.conftest import compose_train
from tests.examples.docs_numbers import holds, measured, stated
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


def spread(values: list[float], digits: int) -> str:
    """`0.81` when every value prints so, else the range `0.53–0.68`."""
    low, high = (f"{value:.{digits}f}" for value in (min(values), max(values)))
    return low if low == high else f"{low}–{high}"


def test_the_default_run_is_the_cooking_experiment():
    """So the cooking run below holds the default run's numbers too (`python train.py`)."""
    default, cooking = compose_train(), compose_train("experiment=cooking")
    for cfg in (default, cooking):
        with open_dict(cfg):
            del cfg["task_name"], cfg["tags"]
    assert OmegaConf.to_container(default) == OmegaConf.to_container(cooking)


def test_cooking_reaches_the_noise_floor(run_experiment):
    metrics = run_experiment("cooking").metrics
    assert metrics["val/loss"] <= 1.10 * 0.81, metrics
    holds("cooking", f"{metrics['val/loss']:.3f}")
    assert stated(r"`val/loss` ≈ (\d+\.\d+)") == {f"{metrics['val/loss']:.3f}"}
    train, val = (value_text(metrics[key]) for key in ("train/loss", "val/loss"))
    assert stated(r"ending `(train/loss \d+\.\d+  val/loss \d+\.\d+)`") == {
        f"train/loss {train}  val/loss {val}"  # the console's last line, in the timings
    }


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
    printed = f"{boundary:.3f}, {accuracy:.0%}"
    if name == "perceptron_fullbatch":
        holds(name, printed)
        return
    for cell in measured(name).values():  # "0.911, 90% (batch 50: 0.900, 90%)"
        default, batch_50 = re.fullmatch(r"(.*) \(batch 50: (.*)\)", cell).groups()
        assert (batch_50 if overrides else default) == printed, cell


def test_mnist_mlp_reaches_96_5_percent_in_3_epochs_with_library_or_scratch_pieces(
    run_experiment,
):
    need_real_mnist()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the figure depends on the thread count: the docs state one's
    try:
        metrics = run_experiment("mnist").metrics
    finally:
        torch.set_num_threads(threads)
    assert metrics["val/acc"] >= 0.965, metrics
    for cell in measured("mnist").values():
        assert cell.startswith(f"{metrics['val/acc']:.2%} with one torch thread"), cell
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
    printed = f"{full_train_loss(full):.3f} vs {full_train_loss(mini):.3f}"
    holds("boston_fullbatch / boston_minibatch", printed)


BATCH_SIZES = [1, 16, 32, 256]


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_linear_w_is_close_to_2_for_every_batch_size(run_experiment, batch_size):
    result = run_experiment("linear_batchsize", f"batch_size={batch_size}")
    w = result.model.net.linear.weight.item()
    assert abs(w - 2.0) <= 0.1, w
    for cell in measured("linear_batchsize").values():  # one w per batch size, in order
        assert cell.split(", ")[BATCH_SIZES.index(batch_size)] == f"{w:.3f}", cell


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
    w_full, loss_full = spread([w for w, _ in full], 2), spread([loss for _, loss in full], 2)
    holds("sine_escape", f"full: w = {w_full}, loss {loss_full} (all seeds); batch 8: loss "
          f"{spread([loss for _, loss in small], 2)} ({escaped} of 5)")  # fmt: skip
