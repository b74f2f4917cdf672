"""The five figures and the TensorBoard image: the data each drew, and valid PNGs.

No pixel is compared: each figure function returns the numbers it plotted, and the tests
check those against the event files, the data or the lesson the figure teaches.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minibatch.cli.train import run_training
from minibatch.examples.figures.batch_losses import batch_losses
from minibatch.examples.figures.landscape import local_minima, loss_curve, nearest_minimum
from minibatch.examples.figures.loss_curves import loss_curves
from minibatch.examples.figures.loss_surfaces import loss_surfaces
from minibatch.examples.figures.perceptron_paths import epoch_correlation, perceptron_paths
from minibatch.examples.figures.runs import train_recorded, untrained
from minibatch.examples.figures.sine_escape import sine_escape
from minibatch.examples.figures.tensorboard_image import LossLandscapeImage
from minibatch.tooling.sweeps import read_sweep
from tests.conftest import QUIET, REPO_ROOT
from tests.examples.docs_numbers import stated

IMAGE_TAG = "lesson/loss_landscape"


def assert_png(stem: Path, width: int, height: int) -> None:
    """A valid PNG of the figure's size in pixels (inches x 100 dpi), small, with its SVG."""
    png = stem.parent / f"{stem.name}.png"
    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[1] == height, image.size
        assert abs(image.size[0] - width) <= 1, "matplotlib before 3.11 may round down a pixel"
    assert png.stat().st_size < 400_000
    assert (stem.parent / f"{stem.name}.svg").stat().st_size > 0


def events(folder: Path, kind: str = "scalars") -> EventAccumulator:
    (directory,) = {path.parent for path in folder.rglob("events.out.tfevents.*")}
    accumulator = EventAccumulator(str(directory), size_guidance={kind: 0})
    accumulator.Reload()
    return accumulator


# The recorder ----------------------------------------------------------------------------
@pytest.mark.slow
def test_trajectory_holds_the_parameters_after_every_optimizer_step():
    small = ("data=linear", "data.train_size=64", "data.valid_size=32", "batch_size=16",
             "trainer.max_epochs=2")  # fmt: skip
    run = train_recorded(*small)
    path = run.trajectory
    assert path.names == ("linear.weight",)
    assert path.values.shape == (run.result.trainer.global_step + 1, 1) == (2 * 4 + 1, 1)
    assert path[0][0] == 0.0, "row 0 is the start, w_init = 0"
    assert path[0][-1] == pytest.approx(run.module.net.linear.weight.item())
    assert np.all(np.diff(path[0]) != 0), "one new row per step"
    grouped = train_recorded(*small, "steps_per_call=3")
    np.testing.assert_allclose(grouped.trajectory.values, path.values, rtol=1e-6)


def test_the_image_callback_records_nothing_without_tensorboard(compose_config):
    cfg = compose_config("data=linear", "data.train_size=64", "data.valid_size=32",
                         "trainer.max_epochs=1", *QUIET)  # fmt: skip
    result = run_training(cfg)
    (callback,) = [c for c in result.trainer.callbacks if isinstance(c, LossLandscapeImage)]
    assert not callback.recording and callback.trajectory.values.size == 0
    assert not result.trainer.optimizers[0]._optimizer_step_post_hooks, "no hook left behind"


@pytest.mark.slow
@pytest.mark.parametrize(("data", "size"), [("sine", (1050, 430)), ("logistic", (1050, 430))])
def test_the_image_callback_draws_the_run_into_tensorboard(compose_config, data, size):
    cfg = compose_config(f"data={data}", "data.train_size=100", "data.valid_size=50",
                         "trainer.max_epochs=2", "callbacks=none",
                         "trainer.enable_progress_bar=false")  # fmt: skip
    result = run_training(cfg)
    (callback,) = [c for c in result.trainer.callbacks if isinstance(c, LossLandscapeImage)]
    steps = result.trainer.global_step
    assert callback.trajectory.values.shape[0] == steps + 1
    (image,) = events(Path(cfg.paths.output_dir), "images").Images(IMAGE_TAG)
    assert (image.step, image.width, image.height) == (steps, *size)
    assert not result.trainer.optimizers[0]._optimizer_step_post_hooks


# Figure 1 and the sweep it reads -----------------------------------------------------------
@pytest.fixture(scope="module")
def linear_sweep(tmp_path_factory) -> Path:
    """`python train.py -m data=linear batch_size=64,16 seed=0,1`, small: 4 jobs."""
    sweep = tmp_path_factory.mktemp("linear") / "sweep"
    command = [sys.executable, str(REPO_ROOT / "train.py"), "-m", "data=linear",
               "data.train_size=64", "data.valid_size=64", "batch_size=64,16", "seed=0,1",
               "trainer.max_epochs=3", "trainer.enable_progress_bar=false",
               f"hydra.sweep.dir={sweep}"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=sweep.parent)
    assert result.returncode == 0, result.stderr[-3000:]
    return sweep


@pytest.mark.slow
def test_every_job_of_a_linear_sweep_has_its_folder_and_its_tensorboard_image(linear_sweep):
    jobs = sorted(path for path in linear_sweep.iterdir() if path.is_dir())
    assert [job.name.split("_", 1)[0] for job in jobs] == ["0", "1", "2", "3"]
    for job in jobs:
        (image,) = events(job, "images").Images(IMAGE_TAG)
        assert (image.width, image.height) == (1050, 430)


@pytest.mark.slow
def test_loss_curves_plot_the_scalars_of_the_event_files(linear_sweep, tmp_path):
    out = tmp_path / "curves"
    drawn = loss_curves(linear_sweep, out)
    assert set(drawn) == {"train/loss", "val/loss"}
    assert set(drawn["val/loss"]) == {"batch size 64", "batch size 16"}
    for job in read_sweep(linear_sweep):
        label = f"batch size {job.config.batch_size}"
        for metric, lines in drawn.items():
            logged = [event.value for event in events(job.folder).Scalars(metric)]
            assert any(np.array_equal(run, logged) for run in lines[label]), (metric, label)
            assert len(lines[label]) == 2, "two seeds, one line"
    assert len(drawn["train/loss"]["batch size 16"][0]) == 3, "one value per epoch"
    assert_png(out, 1040, 380)


# Figures 2 and 3: one-parameter losses ----------------------------------------------------
def test_batch_losses_whole_set_minimum_near_2_and_small_batches_scatter_more(tmp_path):
    out = tmp_path / "batch_losses"
    drawn = batch_losses(out, batch_sizes=(1, 32, 256), n_batches=8)
    w, full = drawn["w"], drawn["full"]
    assert abs(w[np.argmin(full)] - 2.0) <= 0.1
    assert stated(r"dashed, minimum at w = (\d+\.\d+)\)") == {f"{w[np.argmin(full)]:.2f}"}
    shapes = {k: v.shape for k, v in drawn["batches"].items()}
    assert shapes == {k: (8, len(w)) for k in (1, 32, 256)}
    spread = {k: curves[:, 0].std() for k, curves in drawn["batches"].items()}  # at w = -4
    assert spread[1] > spread[32] > spread[256]
    module, datamodule = untrained("data=linear")
    train_set = datamodule.splits["train"]
    x, y = train_set.features, train_set.targets
    np.testing.assert_allclose(full[::40], [((wi * x - y) ** 2).mean().item() for wi in w[::40]],
                               rtol=1e-5)  # fmt: skip
    assert_png(out, 3 * 340, 340)


def test_local_minima_of_a_curve():
    w = np.linspace(-1, 5, 601)
    loss = np.cos(2 * w) + 0.1 * w
    minima = local_minima(w, loss)  # where sin(2 w) = 0.05 and cos(2 w) < 0
    exact = [(np.pi - np.arcsin(0.05)) / 2, (3 * np.pi - np.arcsin(0.05)) / 2]
    np.testing.assert_allclose([m for m, _ in minima], exact, atol=0.01)
    assert nearest_minimum(2.0, minima) == minima[0]


@pytest.mark.slow
def test_sine_loss_has_local_minima_and_the_full_batch_ends_in_one_not_global(tmp_path):
    out = tmp_path / "sine"
    drawn = sine_escape(out, batch_sizes=(500, 8), seed=1)
    minima, best = drawn["minima"], drawn["global"]
    np.testing.assert_allclose([w for w, _ in minima], [0.065, 0.81, 2.49], atol=0.005)
    assert best == minima[-1]
    full = drawn["paths"][500]
    assert full["w"][0] == 1.0 and len(full["w"]) == 10 + 1, "from w = 1.0, 10 full-batch steps"
    assert full["ends_in"] != best, "stuck in a local minimum"
    assert abs(full["w"][-1] - full["ends_in"][0]) < 0.05
    small = drawn["paths"][8]
    assert small["ends_in"] != full["ends_in"], "batches of 8 escape (seed 1)"
    assert small["loss"][-1] < full["loss"][-1]
    assert stated(r"full batch stops (?:in the local minimum )?at w = (\d+\.\d+)") == {
        f"{full['w'][-1]:.2f}"
    }
    (near,) = stated(r"leave for the lower minimum near w = (\d+\.\d+)")
    assert abs(float(near) - small["ends_in"][0]) <= 0.01, "the grid's minimum, to 2 decimals"
    module, datamodule = untrained("experiment=sine_escape")
    train_set = datamodule.splits["train"]
    np.testing.assert_allclose(
        full["loss"], loss_curve(module, train_set.features, train_set.targets, full["w"])
    )
    assert_png(out, 700, 370)


# Figures 4 and 5: the perceptron ------------------------------------------------------------
def test_epoch_correlation_tells_a_repeating_pattern_from_noise_and_from_smoothness():
    steps = np.arange(201)
    trend = np.log1p(steps)
    pattern = np.cumsum(np.tile([0.3, -0.1, 0.2, -0.4], 51))[:201] * 0.01
    noise = np.cumsum(np.random.default_rng(0).normal(size=201)) * 0.01
    assert epoch_correlation(trend + pattern, 4) > 0.9
    assert epoch_correlation(trend + pattern, 4, lag=3) < 0
    assert epoch_correlation(trend + noise, 4) < 0.5
    assert epoch_correlation(trend, 4, lag=3) > 0.9, "smooth, not oscillating"


@pytest.mark.slow
def test_sequential_batches_oscillate_with_the_period_of_the_epoch(tmp_path):
    out = tmp_path / "paths"
    drawn = perceptron_paths(out)
    full, sequential, shuffled = drawn.values()
    assert [p["steps_per_epoch"] for p in drawn.values()] == [1, 4, 4]
    for path in drawn.values():
        assert len(path["w"]) == len(path["b"]) == 200 + 1
        assert (path["w"][0], path["b"][0]) == (full["w"][0], full["b"][0]), "same start"
    for name in ("w", "b"):
        assert epoch_correlation(sequential[name], 4) > 0.9, name
        assert epoch_correlation(sequential[name], 4, lag=3) < 0, name
        assert epoch_correlation(shuffled[name], 4) < 0.5, name
        assert epoch_correlation(full[name], 4, lag=3) > 0.5, f"{name}: full batch is smooth"
    assert_png(out, 1350, 520)


@pytest.mark.slow
def test_loss_surfaces_of_the_whole_set_and_of_three_batches(tmp_path):
    out = tmp_path / "surfaces"
    drawn = loss_surfaces(out)
    w, b, surfaces = drawn["w"], drawn["b"], drawn["surfaces"]
    assert list(surfaces) == ["all 100 points", *(f"batch {i} (25 points)" for i in (1, 2, 3))]
    module, datamodule = untrained("experiment=perceptron_minibatch")
    x, y = datamodule.splits["train"].features, datamodule.splits["train"].targets
    for row, column in [(0, 0), (80, 120), (160, 40)]:
        expected = ((torch.sigmoid(w[column] * x + b[row]) - y) ** 2).mean().item()
        assert surfaces["all 100 points"][row, column] == pytest.approx(expected, rel=1e-4)
    whole = drawn["minima"]["all 100 points"]
    assert any(minimum != whole for minimum in drawn["minima"].values()), "batches differ"
    assert len(drawn["path"]["w"]) == 200 + 1
    assert_png(out, 4 * 330 + 80, 360)
