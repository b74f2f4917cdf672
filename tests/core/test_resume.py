"""A run stopped mid-epoch resumes where it stopped: the weights, `train/loss` and the
TensorBoard curves of a run that never stopped. In-process, with a real SIGTERM that the
run sends itself after a known step (tests/core/interrupted_runs.py), through dropout (the
random state must resume too)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import torch

from minibatch.errors import UserError
from minibatch.runs.resume import newest_checkpoint
from minibatch.runs.run_outcome import report_interruption
from minibatch.runs.stops import Interrupted
from minibatch.tooling.sweeps import read_scalars
from minibatch.train import RunResult
from tests.core.interrupted_runs import interrupted, run, weights

SLOW = pytest.mark.slow  # worker processes start every epoch; more cases of one path
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def straight(tmp_path_factory, one_thread) -> tuple[RunResult, Path]:
    folder = tmp_path_factory.mktemp("straight")
    return run(folder), folder


@pytest.mark.parametrize(
    "loader",
    [
        pytest.param((), id="grouped-in-memory-loader"),
        pytest.param(("steps_per_call=1", "data.loader=per_item"), id="one-step-a-call-per-item"),
        pytest.param(("data.num_workers=2",), id="grouped-dataloader-workers", marks=SLOW),
    ],
)
def test_a_run_stopped_mid_epoch_resumes_where_it_stopped(straight, tmp_path, loader):
    reference, reference_folder = straight
    stop = interrupted(tmp_path, 120, *loader)
    assert (stop.signum, stop.exit_code) == (signal.SIGTERM, 143)
    assert 100 < stop.step < 200, "stopped in the second epoch, at a step boundary"
    assert stop.checkpoint == tmp_path / "checkpoints" / "interrupted.ckpt"
    assert newest_checkpoint(tmp_path) == stop.checkpoint, "the resume command names it"
    saved = torch.load(stop.checkpoint, weights_only=True)
    position = saved["loops"]["fit_loop"]["state_dict"]["combined_loader"]
    assert position == [{"epoch": 1, "served": stop.step - 100}], "the loader's place in the epoch"
    assert saved["epoch_loss"]["count"] == (stop.step - 100) * 10, "the epoch's running loss"

    resumed = run(tmp_path, f"ckpt_path={stop.checkpoint}", *loader)
    assert resumed.trainer.global_step == 200
    assert torch.allclose(weights(resumed), weights(reference), rtol=0, atol=1e-6)
    assert abs(resumed.metrics["train/loss"] - reference.metrics["train/loss"]) <= 1e-6
    curves, expected = read_scalars(tmp_path), read_scalars(reference_folder)
    for tag in ("train/loss", "train/loss_step", "val/loss"):
        assert curves[tag].steps == expected[tag].steps, tag
        assert curves[tag].values == pytest.approx(expected[tag].values, abs=1e-6), tag


@pytest.mark.parametrize(
    ("step", "validation_batch", "options"),
    [
        pytest.param(100, 20, (), id="in-the-middle-of-the-epoch-end-validation"),
        pytest.param(100, None, (), id="during-the-last-step-of-an-epoch", marks=SLOW),
        pytest.param(100, 20, ("callbacks=none",), id="no-last-checkpoint", marks=SLOW),
        pytest.param(
            100, 20, ("steps_per_call=1", "data.loader=per_item"), id="one-step-a-call", marks=SLOW
        ),  # fmt: skip
        pytest.param(
            50, 20, ("trainer.val_check_interval=0.5",), id="mid-epoch-validation", marks=SLOW
        ),  # fmt: skip
    ],
)
def test_a_signal_during_validation_stops_after_it_and_resumes_exactly(
    tmp_path, step, validation_batch, options
):
    """Lightning cannot continue a run stopped inside a validation (it skipped the next
    epoch): the stop waits for the validation's end, and nothing is lost."""
    reference = run(tmp_path / "straight", *options)
    stop = interrupted(tmp_path / "cut", step, *options, validation_batch=validation_batch)
    assert stop.step == step, "stopped after the validation, before another step"
    resumed = run(tmp_path / "cut", f"ckpt_path={newest_checkpoint(tmp_path / 'cut')}", *options)
    assert resumed.trainer.global_step == reference.trainer.global_step == 200
    assert torch.allclose(weights(resumed), weights(reference), rtol=0, atol=1e-6)
    curves, expected = read_scalars(tmp_path / "cut"), read_scalars(tmp_path / "straight")
    assert set(curves) == set(expected)
    for tag in expected:  # the interrupted validation's metrics once, not twice or never
        assert curves[tag].steps == expected[tag].steps, tag
        assert curves[tag].values == pytest.approx(expected[tag].values, abs=1e-6), tag


def test_a_signal_just_before_lightnings_own_check_waits_for_the_validation_too(tmp_path):
    """The signal comes after every callback's hook of a validation batch (from the module's
    own hook), the last moment before Lightning looks for one: it still waits."""
    reference = run(tmp_path / "straight")
    module = ("module._target_=tests.core.interrupted_runs.SignalsInItsValidation",
              "+module.signal_step=100", "+module.signal_batch=20")  # fmt: skip
    with pytest.raises(Interrupted) as stop:
        run(tmp_path / "cut", *module)
    assert stop.value.step == 100, "stopped after the validation, before another step"
    resumed = run(tmp_path / "cut", f"ckpt_path={newest_checkpoint(tmp_path / 'cut')}")
    assert resumed.trainer.global_step == reference.trainer.global_step == 200
    assert torch.allclose(weights(resumed), weights(reference), rtol=0, atol=1e-6)
    curves, expected = read_scalars(tmp_path / "cut"), read_scalars(tmp_path / "straight")
    for tag in expected:
        assert curves[tag].values == pytest.approx(expected[tag].values, abs=1e-6), tag


def test_a_signal_during_the_last_validation_says_training_had_finished(tmp_path, capsys):
    """Nothing is left to train: no resume command that would be refused ("already trained
    2 epochs"), and a submitit job would not be requeued."""
    stop = interrupted(tmp_path, 200, validation_batch=20)
    assert (stop.step, stop.finished, stop.requeue, stop.exit_code) == (200, True, None, 143)
    last = tmp_path / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["global_step"] == 200, "the final weights"
    capsys.readouterr()
    report_interruption(stop, tmp_path)
    said = capsys.readouterr().err
    assert "training had already finished" in said and str(last) in said, said
    assert "with: python" not in said, "no resume command"


def test_a_loader_that_cannot_resume_mid_epoch_resumes_from_the_epoch_boundary(tmp_path):
    """data=plain: a stock DataLoader(shuffle=True) over a Dataset, no state_dict."""
    plain = ("data=plain",)  # 1,200 examples: 120 mini-batches an epoch
    stop = interrupted(tmp_path / "cut", 130, *plain)
    assert 120 < stop.step < 240
    assert torch.load(stop.checkpoint, weights_only=True)["resumes_exactly"] is False
    boundary = newest_checkpoint(tmp_path / "cut")
    assert boundary == tmp_path / "cut/checkpoints/last.ckpt"
    with pytest.raises(UserError, match="cannot resume there.*ckpt_path=.*last.ckpt"):
        run(tmp_path / "cut", f"ckpt_path={stop.checkpoint}", *plain)

    resumed = run(tmp_path / "cut", f"ckpt_path={boundary}", *plain)
    reference = run(tmp_path / "straight", *plain)
    assert resumed.trainer.global_step == reference.trainer.global_step == 240
    # The shuffle of a stock DataLoader and the dropout masks come from torch's generator.
    assert torch.allclose(weights(resumed), weights(reference), rtol=0, atol=1e-6)
    assert resumed.metrics["train/loss"] == pytest.approx(reference.metrics["train/loss"], abs=1e-6)


def test_a_resumed_part_gets_an_event_file_that_sorts_after_the_part_it_continues(tmp_path):
    """TensorBoard reads a folder's event files in name order, the second they were made first
    in the name: a resume within the same second waits for the next one."""
    import time

    from minibatch.runs.resume import after_the_newest_event_file

    (tmp_path / "tensorboard").mkdir()
    now = int(time.time())
    (tmp_path / "tensorboard" / f"events.out.tfevents.{now}.host.1.9").write_bytes(b"")
    after_the_newest_event_file(tmp_path)
    assert int(time.time()) > now
